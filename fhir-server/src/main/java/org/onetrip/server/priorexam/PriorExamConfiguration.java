package org.onetrip.server.priorexam;

import org.onetrip.server.identity.PersonResolver;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Optional;
import org.hl7.fhir.r4.model.Endpoint;
import org.hl7.fhir.r4.model.IdType;
import org.onetrip.server.hapi.FhirServerContribution;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.terminology.exam.DuplicateExamRule;
import org.onetrip.terminology.exam.ExamTerminology;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

@Configuration
public class PriorExamConfiguration {

	/**
	 * {@code onetrip.prior-exam.index}: {@code relational} (the embedded default: a table in OneTrip's database) or
	 * {@code elasticsearch} (at {@code onetrip.elasticsearch.url}, fed through an outbox in OneTrip's database).
	 */
	@Bean
	public PriorExamIndex priorExamIndex(JdbcTemplate jdbc,
			@org.springframework.beans.factory.annotation.Value("${onetrip.prior-exam.index:relational}") String kind,
			@org.springframework.beans.factory.annotation.Value("${onetrip.elasticsearch.url:http://127.0.0.1:9200}") String url,
			@org.springframework.beans.factory.annotation.Value("${onetrip.elasticsearch.index:onetrip-prior-exams}") String index) {
		return switch (kind) {
			case "relational" -> new RelationalPriorExamIndex(jdbc);
			case "elasticsearch" -> new ElasticsearchPriorExamIndex(ElasticsearchClients.connect(url), index, jdbc).start();
			default -> throw new IllegalArgumentException("onetrip.prior-exam.index is '" + kind + "'; use relational or elasticsearch");
		};
	}

	@Bean
	public PriorExamRecords priorExamRecords(ExamTerminology terminology, RegionDirectory directory, DaoRegistry daoRegistry,
			IInterceptorService storageInterceptors) {
		var endpointDao = daoRegistry.getResourceDao(Endpoint.class);
		KnownEndpoints endpoints = new KnownEndpoints(reference -> {
			try {
				return Optional.of(endpointDao.read(new IdType(reference), new SystemRequestDetails()));
			} catch (ResourceNotFoundException | ResourceGoneException | IllegalArgumentException e) {
				return Optional.empty();
			}
		}, Clock.systemUTC());
		storageInterceptors.registerInterceptor(endpoints);
		return new PriorExamRecords(terminology, directory, endpoints);
	}

	/** A workflow handler: every write path (REST, transactions, the DICOM gateway) feeds the index. */
	@Bean
	public PriorExamIndexer priorExamIndexer(PriorExamIndex index, PriorExamRecords records, MeterRegistry meters) {
		return new PriorExamIndexer(index, records, meters);
	}

	@Bean
	public PriorExamReindex priorExamReindex(DaoRegistry daoRegistry, PriorExamRecords records, PriorExamIndex index,
			JdbcTemplate jdbc, org.springframework.transaction.PlatformTransactionManager transactions) {
		return new PriorExamReindex(daoRegistry, records, index, jdbc, transactions);
	}

	@Bean
	public FhirServerContribution priorExamReindexOperation(PriorExamReindex reindex) {
		return FhirServerContribution.provider(new PriorExamReindexOperation(reindex));
	}

	/** Only on the benchmark's servers: fills the index with generated exams (see {@link SyntheticPriorExams}). */
	@Bean
	@org.springframework.boot.autoconfigure.condition.ConditionalOnProperty(name = "onetrip.bench.synthetic-prior-exams", havingValue = "true")
	public FhirServerContribution syntheticPriorExams(PriorExamIndex index, ExamTerminology terminology) {
		return FhirServerContribution.provider(new SyntheticPriorExams(index, terminology));
	}

	@Bean
	public DuplicateExamCheck duplicateExamCheck(ExamTerminology terminology, DuplicateExamRule rule, PriorExamIndex index,
			RegionDirectory directory, MeterRegistry meters) {
		return new DuplicateExamCheck(terminology, rule, index, directory, meters);
	}

	@Bean
	public FhirServerContribution priorExamOperations(DuplicateExamCheck check, PersonResolver persons,
			PriorExamIndex index, ExamTerminology terminology, RegionDirectory directory, DaoRegistry daoRegistry, Clock clock,
			org.onetrip.server.security.CareRelationships care) {
		return FhirServerContribution.provider(new PriorExamOperations(check, persons, index, terminology, directory,
				daoRegistry.getResourceDao(org.hl7.fhir.r4.model.ServiceRequest.class), clock, care));
	}
}
