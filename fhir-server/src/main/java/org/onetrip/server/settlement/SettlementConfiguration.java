package org.onetrip.server.settlement;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Bundle;
import org.onetrip.server.hapi.FhirServerContribution;
import org.onetrip.server.identity.HealthCards;
import org.onetrip.server.identity.PersonLedger;
import org.onetrip.server.identity.PersonResolver;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.server.registration.RegistrationLedger;
import org.onetrip.server.registration.RegistrationRules;
import org.onetrip.server.scheduling.Rosters;
import org.onetrip.terminology.exam.ExamTerminology;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

/** Pay once (seed 002): visit Accounts, charges adjudicated as they happen, one settlement per visit. */
@Configuration
public class SettlementConfiguration {

	@Bean
	public SettlementRules settlementRules(@Value("${onetrip.settlement:config/settlement.yaml}") String file) {
		return SettlementRules.load(Path.of(file));
	}

	@Bean
	public PriceList priceList(FhirContext fhirContext, SettlementRules rules, RegionDirectory directory) {
		return PriceList.load(fhirContext, rules.prices(),
				directory.region().hospitals().stream().map(h -> h.key()).collect(Collectors.toSet()));
	}

	@Bean
	public SettlementLedger settlementLedger(JdbcTemplate jdbc) {
		return new SettlementLedger(jdbc);
	}

	@Bean
	VisitAccounts visitAccounts(SettlementLedger ledger, RegistrationLedger registrations, RegistrationRules registrationRules,
			PersonLedger persons, SettlementRules rules, RegionDirectory directory, DaoRegistry daos, Rosters rosters, Clock clock) {
		return new VisitAccounts(ledger, registrations, registrationRules, persons, rules, directory, daos, rosters.zone(), clock);
	}

	/** A workflow handler: charges follow the clinical writes on every path. */
	@Bean
	public Charging charging(SettlementLedger ledger, VisitAccounts accounts, RegistrationLedger registrations, PriceList prices,
			SettlementRules rules, ExamTerminology terminology, RegionDirectory directory, DaoRegistry daos, MeterRegistry meters, Clock clock,
			EndedVisits endedVisits) {
		return new Charging(ledger, accounts, registrations, prices, rules, terminology, directory, daos, meters, clock, endedVisits);
	}

	@Bean
	public Settling settling(SettlementLedger ledger, SettlementRules rules, RegionDirectory directory, DaoRegistry daos,
			IFhirSystemDao<Bundle, ?> systemDao, PlatformTransactionManager transactions, MeterRegistry meters, Rosters rosters, Clock clock) {
		return new Settling(ledger, rules, directory, daos, systemDao, transactions, meters, rosters.zone(), clock);
	}

	@Bean
	public FhirServerContribution settlementOperations(Settling settling, SettlementLedger ledger, JdbcTemplate jdbc,
			VisitAccounts accounts, HealthCards cards, PersonResolver persons, RegionDirectory directory) {
		return FhirServerContribution.provider(new SettlementOperations(settling, ledger, new SettlementReport(jdbc, directory), accounts,
				cards, persons, directory));
	}

	@Bean
	EndedVisits endedVisits(SettlementLedger ledger, Settling settling, SettlementRules rules, Rosters rosters, Clock clock,
			@Value("${onetrip.settlement-sweep-every:}") java.time.Duration sweepEvery) {
		return new EndedVisits(ledger, settling, sweepEvery != null ? sweepEvery : rules.sweepEvery(), rosters.zone(), clock);
	}

	/** After the region (Order 20): the price lists name its hospitals. */
	@Bean
	@Order(21)
	PriceListPublisher priceListPublisher(PriceList prices, org.onetrip.server.hapi.ConfigPublication publication) {
		return new PriceListPublisher(prices, publication);
	}
}
