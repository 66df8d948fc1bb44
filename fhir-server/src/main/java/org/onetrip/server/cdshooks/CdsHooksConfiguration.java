package org.onetrip.server.cdshooks;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import org.onetrip.server.hapi.FhirServerContribution;
import org.onetrip.server.priorexam.DuplicateExamCheck;
import org.onetrip.server.identity.PersonResolver;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.terminology.exam.ExamTerminology;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

@Configuration
public class CdsHooksConfiguration {

	@Bean
	public ReminderLedger reminderLedger(JdbcTemplate jdbc, MeterRegistry meters) {
		return new ReminderLedger(jdbc, meters);
	}

	@Bean
	public DuplicateExamHookService duplicateExamHookService(PersonResolver persons, DuplicateExamCheck check,
			ExamTerminology terminology, ReminderLedger ledger, RegionDirectory directory, FhirContext fhirContext, Clock clock) {
		return new DuplicateExamHookService(persons, check, new DuplicateExamCards(terminology, directory), ledger,
				directory, fhirContext, clock);
	}

	@Bean
	public CdsFeedback cdsFeedback(ReminderLedger ledger, org.onetrip.server.audit.AuditTrail audit, PlatformTransactionManager transactions) {
		return new CdsFeedback(ledger, audit, new TransactionTemplate(transactions), new ObjectMapper());
	}

	@Bean
	public FhirServerContribution reminderStatistics(ReminderLedger ledger, ExamTerminology terminology, RegionDirectory directory) {
		return FhirServerContribution.provider(new ReminderStatisticsOperation(ledger, terminology, directory));
	}
}
