package org.onetrip.server.followup;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.onetrip.server.hapi.FhirServerContribution;
import org.onetrip.server.identity.PersonLedger;
import org.onetrip.server.priorexam.PriorExamIndex;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.server.scheduling.Rosters;
import org.onetrip.terminology.exam.ExamTerminology;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

/** Follow-up plans after a diagnosis (seed 002): plan templates, $apply, the follow-up file, reminders. */
@Configuration
public class FollowUpConfiguration {

	@Bean
	public FollowUpLedger followUpLedger(JdbcTemplate jdbc) {
		return new FollowUpLedger(jdbc);
	}

	/** Published after the region (Order 20) and the price lists (21). */
	@Bean
	@Order(22)
	public FollowUpPlans followUpPlans(FhirContext fhirContext, @Value("${onetrip.follow-up-plans:config/followup}") String dir,
			ExamTerminology terminology, org.onetrip.server.hapi.ConfigPublication publication) {
		return new FollowUpPlans(fhirContext, Path.of(dir), terminology, publication);
	}

	@Bean
	FollowUpOperations followUpOperations(FollowUpPlans plans, FollowUpLedger ledger, PersonLedger persons, PriorExamIndex priorExams,
			ExamTerminology terminology, RegionDirectory directory, DaoRegistry daos, PlatformTransactionManager transactions, Rosters rosters,
			Clock clock) {
		return new FollowUpOperations(plans, ledger, persons, priorExams, terminology, directory, daos, transactions, rosters.zone(), clock);
	}

	@Bean
	public FhirServerContribution followUpOperationsProvider(FollowUpOperations operations) {
		return FhirServerContribution.provider(operations);
	}

	/** A workflow handler: a diagnosis recorded now starts its plan. */
	@Bean
	public PlansOnDiagnosis plansOnDiagnosis(FollowUpPlans plans, FollowUpOperations operations, RegionDirectory directory, Rosters rosters,
			Clock clock) {
		return new PlansOnDiagnosis(plans, operations, directory, rosters.zone(), clock);
	}

	/** A workflow handler: results and visits complete follow-ups on every write path. */
	@Bean
	public FollowUpProgress followUpProgress(FollowUpLedger ledger, PersonLedger persons, ExamTerminology terminology, DaoRegistry daos,
			Rosters rosters, Clock clock) {
		return new FollowUpProgress(ledger, persons, terminology, daos, rosters.zone(), clock);
	}

	@Bean
	OverdueFollowUps overdueFollowUps(FollowUpLedger ledger, RegionDirectory directory, DaoRegistry daos, PlatformTransactionManager transactions,
			Rosters rosters, Clock clock, @Value("${onetrip.follow-up-sweep-every:PT10M}") Duration every) {
		return new OverdueFollowUps(ledger, directory, daos, transactions, every, rosters.zone(), clock);
	}
}
