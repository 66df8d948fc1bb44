package org.onetrip.server.figures;

import java.time.Clock;
import org.onetrip.server.hapi.FhirServerContribution;
import org.onetrip.server.scheduling.AppointmentAttempts;
import org.onetrip.server.scheduling.Rosters;
import org.onetrip.server.scheduling.SlotLedger;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/** The region's figures over time, for the console's charts. */
@Configuration
public class FiguresConfiguration {

	@Bean
	public FhirServerContribution backgroundWork(org.onetrip.server.priorexam.PriorExamReindex reindex,
			org.onetrip.server.identity.PersonRelink relink, ca.uhn.fhir.batch2.api.IJobCoordinator jobs, JdbcTemplate jdbc) {
		return FhirServerContribution.provider(new BackgroundWork(reindex, relink, jobs, jdbc));
	}

	@Bean
	public FhirServerContribution regionTrends(AppointmentAttempts attempts, SlotLedger slots, JdbcTemplate jdbc, Rosters rosters,
			Clock clock, org.onetrip.server.region.RegionDirectory directory) {
		return FhirServerContribution.provider(new RegionTrends(attempts, slots, jdbc, rosters.zone(), clock,
				directory.region().hospitals().stream().map(org.onetrip.terminology.region.Hospital::key)
						.collect(java.util.stream.Collectors.toSet())));
	}
}
