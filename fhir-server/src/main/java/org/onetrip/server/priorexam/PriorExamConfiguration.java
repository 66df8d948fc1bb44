package org.onetrip.server.priorexam;

import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import io.micrometer.core.instrument.MeterRegistry;
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

	@Bean
	public PriorExamIndex priorExamIndex(JdbcTemplate jdbc) {
		return new RelationalPriorExamIndex(jdbc);
	}

	@Bean
	public PriorExamRecords priorExamRecords(ExamTerminology terminology, RegionDirectory directory, DaoRegistry daoRegistry) {
		var endpointDao = daoRegistry.getResourceDao(Endpoint.class);
		return new PriorExamRecords(terminology, directory, reference -> {
			try {
				return Optional.of(endpointDao.read(new IdType(reference), new SystemRequestDetails()));
			} catch (ResourceNotFoundException | ResourceGoneException | IllegalArgumentException e) {
				return Optional.empty();
			}
		});
	}

	/** On the storage interceptors: every write path (REST, transactions, the DICOM gateway) feeds the index. */
	@Bean
	public PriorExamIndexer priorExamIndexer(PriorExamIndex index, PriorExamRecords records, MeterRegistry meters,
			IInterceptorService storageInterceptors) {
		PriorExamIndexer indexer = new PriorExamIndexer(index, records, meters);
		storageInterceptors.registerInterceptor(indexer);
		return indexer;
	}

	@Bean
	public PersonResolver personResolver(DaoRegistry daoRegistry, RegionDirectory directory) {
		return new PersonResolver(daoRegistry, directory.region());
	}

	@Bean
	public DuplicateExamCheck duplicateExamCheck(ExamTerminology terminology, DuplicateExamRule rule, PriorExamIndex index,
			RegionDirectory directory, MeterRegistry meters) {
		return new DuplicateExamCheck(terminology, rule, index, directory, meters);
	}

	@Bean
	public FhirServerContribution priorExamOperations(DuplicateExamCheck check, PersonResolver persons,
			PriorExamIndex index, ExamTerminology terminology, RegionDirectory directory, DaoRegistry daoRegistry) {
		return FhirServerContribution.provider(new PriorExamOperations(check, persons, index, terminology, directory,
				daoRegistry.getResourceDao(org.hl7.fhir.r4.model.ServiceRequest.class)));
	}
}
