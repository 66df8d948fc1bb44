package org.onetrip.server.consultation;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import org.onetrip.server.hapi.FhirServerContribution;
import org.onetrip.server.region.RegionDirectory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/** Remote consultation and multidisciplinary consults between the region's hospitals (seeds 002, 004). */
@Configuration
public class ConsultationConfiguration {

	@Bean
	public ConsultationLedger consultationLedger(JdbcTemplate jdbc) {
		return new ConsultationLedger(jdbc);
	}

	/** A workflow handler: a consult moves with every write that moves it, by whatever door it came. */
	@Bean
	public ConsultationWorkflow consultationWorkflow(ConsultationLedger ledger, DaoRegistry daoRegistry, RegionDirectory directory,
			MeterRegistry meters, Clock clock, org.onetrip.server.security.CareRelationships care, ConsultationScheduling scheduling) {
		return new ConsultationWorkflow(ledger, daoRegistry, directory, meters, clock, care, scheduling);
	}

	/** What Appointment/$find asks for a consult's times. */
	@Bean
	public ConsultationScheduling consultationScheduling(ConsultationLedger ledger, DaoRegistry daoRegistry, RegionDirectory directory) {
		return new ConsultationScheduling(ledger, daoRegistry, directory);
	}

	@Bean
	public FhirServerContribution consultationStatistics(ConsultationLedger ledger, RegionDirectory directory, Clock clock) {
		return FhirServerContribution.provider(new ConsultationStatistics(ledger, directory, clock));
	}

	@Bean
	public ConsultationFigures consultationFigures(ConsultationLedger ledger, RegionDirectory directory, MeterRegistry meters,
			@Value("${onetrip.figures.refresh:PT30S}") Duration refresh) {
		return new ConsultationFigures(ledger, directory, meters, refresh);
	}
}
