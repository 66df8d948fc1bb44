package org.onetrip.server.referral;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.workflow.booking.Hold;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

@Configuration
public class ReferralConfiguration {

	@Bean
	public ReferralLedger referralLedger(JdbcTemplate jdbc) {
		return new ReferralLedger(jdbc);
	}

	/** A workflow handler: a referral moves with every write that moves it, by whatever door it came. */
	@Bean
	public ReferralWorkflow referralWorkflow(ReferralLedger ledger, DaoRegistry daoRegistry, RegionDirectory directory,
			MeterRegistry meters, Hold hold, Clock clock) {
		return new ReferralWorkflow(ledger, daoRegistry, directory, meters, hold, clock);
	}

	@Bean
	public org.onetrip.server.hapi.FhirServerContribution referralStatistics(ReferralLedger ledger, RegionDirectory directory) {
		return org.onetrip.server.hapi.FhirServerContribution.provider(new ReferralStatistics(ledger, directory));
	}

	@Bean
	public ReferralFigures referralFigures(ReferralLedger ledger, RegionDirectory directory, MeterRegistry meters,
			@org.springframework.beans.factory.annotation.Value("${onetrip.figures.refresh:PT30S}") java.time.Duration refresh) {
		return new ReferralFigures(ledger, directory, meters, refresh);
	}
}
