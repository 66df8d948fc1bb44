package org.onetrip.server.registration;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.stream.Collectors;
import org.onetrip.server.hapi.FhirServerContribution;
import org.onetrip.server.identity.HealthCards;
import org.onetrip.server.identity.PersonResolver;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.server.scheduling.Rosters;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

@Configuration
public class RegistrationConfiguration {

	@Bean
	public RegistrationRules registrationRules(@Value("${onetrip.registration:config/registration.yaml}") String file,
			RegionDirectory directory) {
		return RegistrationRules.load(Path.of(file),
				directory.region().hospitals().stream().map(h -> h.key()).collect(Collectors.toSet()));
	}

	@Bean
	public RegistrationLedger registrationLedger(JdbcTemplate jdbc) {
		return new RegistrationLedger(jdbc);
	}

	/** A workflow handler: a patient who arrives is registered whichever way the appointment was updated. */
	@Bean
	public VisitRegistration visitRegistration(RegistrationLedger ledger, RegistrationRules rules, RegionDirectory directory,
			Rosters rosters, MeterRegistry meters, Clock clock) {
		return new VisitRegistration(ledger, rules, directory, rosters.zone(), meters, clock);
	}

	@Bean
	public FhirServerContribution checkInOperations(HealthCards cards, PersonResolver persons, RegistrationLedger ledger,
			RegionDirectory directory, DaoRegistry daoRegistry, Rosters rosters, Clock clock) {
		return FhirServerContribution.provider(new CheckInOperations(cards, persons, ledger, directory, daoRegistry,
				rosters.zone(), clock));
	}
}
