package org.onetrip.server.identity;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import org.onetrip.server.hapi.FhirServerContribution;
import org.onetrip.server.priorexam.PersonResolver;
import org.onetrip.server.region.RegionDirectory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

@Configuration
public class IdentityConfiguration {

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
			DaoRegistry daoRegistry, @Value("${onetrip.health-card.valid-days:365}") int validDays) {
		return FhirServerContribution.provider(new HealthCardOperations(cards, persons, directory, daoRegistry, validDays));
	}
}
