package org.onetrip.server.identity;

import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import org.onetrip.server.audit.AuditTrail;
import org.onetrip.server.fhirstore.DaoFhirStore;
import org.onetrip.server.hapi.FhirServerContribution;
import org.onetrip.server.region.RegionDirectory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

@Configuration
public class IdentityConfiguration {

	@Bean
	public PersonLedger personLedger(JdbcTemplate jdbc) {
		return new PersonLedger(jdbc);
	}

	@Bean
	public PersonRecords personRecords(RegionDirectory directory) {
		return new PersonRecords(directory);
	}

	@Bean
	public PersonResolver personResolver(PersonLedger ledger, PersonRecords records, DaoRegistry daoRegistry, JdbcTemplate jdbc) {
		return new LedgerPersonResolver(ledger, records, new DaoFhirStore(daoRegistry), jdbc);
	}

	/** On the storage interceptors: every write path (REST, transactions, the DICOM gateway, relink) keeps persons in step. */
	@Bean
	public PersonLinker personLinker(PersonLedger ledger, PersonRecords records, AuditTrail audit, MeterRegistry meters,
			IInterceptorService storageInterceptors) {
		PersonLinker linker = new PersonLinker(ledger, records, audit, meters);
		storageInterceptors.registerInterceptor(linker);
		return linker;
	}

	@Bean
	public PersonRelink personRelink(DaoRegistry daoRegistry, PersonLinker linker, PersonLedger ledger, JdbcTemplate jdbc,
			PlatformTransactionManager transactions) {
		return new PersonRelink(daoRegistry, linker, ledger, jdbc, transactions);
	}

	@Bean
	public FhirServerContribution hospitalScopedMatches(RegionDirectory directory) {
		return FhirServerContribution.interceptor(new HospitalScopedMatches(directory.region()));
	}

	@Bean
	public FhirServerContribution personOperations(PersonLedger ledger, PersonLinker linker, PersonRelink relink, PersonResolver persons,
			PlatformTransactionManager transactions) {
		return FhirServerContribution.provider(new PersonOperations(ledger, linker, relink, persons, transactions));
	}

	@Bean
	public FhirServerContribution conditionalCreateRetry() {
		return FhirServerContribution.interceptor(new ConditionalCreateRetry());
	}

	@Bean
	public FhirServerContribution patientCrossReference(PersonResolver persons, RegionDirectory directory, DaoRegistry daoRegistry) {
		return FhirServerContribution.provider(new PatientCrossReferenceOperations(persons, directory.region(), daoRegistry));
	}

	@Bean
	public HealthCards healthCards(JdbcTemplate jdbc, @Value("${onetrip.health-card.key:}") String key) {
		return new HealthCards(jdbc, key);
	}

	@Bean
	public FhirServerContribution healthCardOperations(HealthCards cards, PersonResolver persons, RegionDirectory directory,
			DaoRegistry daoRegistry, @Value("${onetrip.health-card.valid-days:365}") int validDays,
			org.onetrip.server.security.CareRelationships care) {
		return FhirServerContribution.provider(new HealthCardOperations(cards, persons, directory, daoRegistry, validDays, care));
	}
}
