package org.onetrip.server.settlement;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.hl7.fhir.r4.model.Coverage;
import org.onetrip.server.hapi.WorkflowEffects;
import org.onetrip.server.identity.PersonLedger;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.server.registration.RegistrationLedger;
import org.onetrip.server.registration.RegistrationRules;

/**
 * Which Account a charge goes on: one per visit episode. The visits a registration covers (the three-day rule) share
 * its Account; a charge that names no registered visit goes on the patient's open Account at that hospital, or opens
 * one. An Account opened here carries the person's Coverage (any of their records' active Coverage, a plan of the
 * region first) and is written as a FHIR Account in the same transaction as the charge that opened it.
 */
class VisitAccounts {

	/** Coverage.class of this type names the plan. */
	static final String PLAN_CLASS = "plan";

	private final SettlementLedger ledger;
	private final RegistrationLedger registrations;
	private final RegistrationRules registrationRules;
	private final PersonLedger persons;
	private final SettlementRules rules;
	private final RegionDirectory directory;
	private final DaoRegistry daos;
	private final ZoneId zone;
	private final Clock clock;

	VisitAccounts(SettlementLedger ledger, RegistrationLedger registrations, RegistrationRules registrationRules, PersonLedger persons,
			SettlementRules rules, RegionDirectory directory, DaoRegistry daos, ZoneId zone, Clock clock) {
		this.ledger = ledger;
		this.registrations = registrations;
		this.registrationRules = registrationRules;
		this.persons = persons;
		this.rules = rules;
		this.directory = directory;
		this.daos = daos;
		this.zone = zone;
		this.clock = clock;
	}

	/**
	 * The open Account, locked, for a charge at {@code hospital} to the patient; {@code encounterId} is the visit the
	 * charge names (may be null). Opens one when there is none (or the one found was settled meanwhile).
	 */
	SettlementLedger.Episode forCharge(String hospital, String patientId, String encounterId, WorkflowEffects effects) {
		ledger.serialiseAccounts(hospital, patientId);
		Optional<RegistrationLedger.Visit> visit = encounterId == null ? Optional.empty() : registrations.visitOfEncounter(encounterId);
		Optional<SettlementLedger.Episode> open = visit.isPresent()
				? ledger.openOfRegistration(visit.get().registrationEncounterId())
				: ledger.openOf(hospital, patientId);
		Optional<SettlementLedger.Episode> locked = open.flatMap(e -> ledger.lock(e.accountId())).filter(e -> !e.settled());
		if (locked.isPresent()) {
			return locked.get();
		}
		LocalDate today = today();
		LocalDate lastDay = visit.map(RegistrationLedger.Visit::validUntil).filter(d -> !d.isBefore(today))
				.orElse(today.plusDays(registrationRules.of(hospital).validDays() - 1L));
		return open(hospital, patientId, visit.map(RegistrationLedger.Visit::registrationEncounterId).orElse(null), lastDay, effects);
	}

	/** The Account of a registration's visits, for the visit just checked in; opened with the registration. */
	SettlementLedger.Episode forVisit(String hospital, String patientId, RegistrationLedger.Visit visit, WorkflowEffects effects) {
		ledger.serialiseAccounts(hospital, patientId);
		Optional<SettlementLedger.Episode> open = ledger.openOfRegistration(visit.registrationEncounterId())
				.flatMap(e -> ledger.lock(e.accountId())).filter(e -> !e.settled());
		if (open.isPresent()) {
			ledger.extend(open.get().accountId(), visit.validUntil());
			return open.get();
		}
		return open(hospital, patientId, visit.registrationEncounterId(), visit.validUntil(), effects);
	}

	private SettlementLedger.Episode open(String hospital, String patientId, String registrationEncounterId, LocalDate lastDay,
			WorkflowEffects effects) {
		Optional<Coverage> coverage = coverageOf(patientId);
		String personId = personOf(patientId);
		SettlementLedger.Episode episode = new SettlementLedger.Episode(UUID.randomUUID().toString(), hospital, patientId, personId,
				registrationEncounterId, coverage.map(c -> c.getIdElement().getIdPart()).orElse(null),
				coverage.flatMap(VisitAccounts::planCode).orElse(null), lastDay, false, null, null);
		ledger.open(episode, today());
		// First: the visit's Encounter and the charge, queued before the Account was opened, name it.
		effects.writeFirst(FinancialResources.account(episode, directory.hospitalName(hospital), today()));
		return episode;
	}

	/** The person's id in the person ledger (the deductible and cap are the person's, at every hospital). */
	String personOf(String patientId) {
		return persons.personIdOf(patientId);
	}

	/** An active Coverage of any of the person's records, in force today; one naming a plan of the region first. */
	Optional<Coverage> coverageOf(String patientId) {
		Set<String> records = new LinkedHashSet<>(persons.personOf(patientId));
		records.add(patientId);
		List<Coverage> found = new ArrayList<>();
		for (String record : records) {
			SearchParameterMap search = SearchParameterMap.newSynchronous()
					.add(Coverage.SP_BENEFICIARY, new ReferenceParam("Patient/" + record));
			daos.getResourceDao(Coverage.class).searchForResources(search, new SystemRequestDetails()).stream()
					.map(Coverage.class::cast).filter(this::inForce).forEach(found::add);
		}
		return found.stream().filter(c -> planCode(c).flatMap(rules::plan).isPresent()).findFirst()
				.or(() -> found.stream().findFirst());
	}

	private boolean inForce(Coverage coverage) {
		if (coverage.getStatus() != Coverage.CoverageStatus.ACTIVE) {
			return false;
		}
		java.util.Date now = java.util.Date.from(clock.instant());
		return !coverage.hasPeriod() || ((!coverage.getPeriod().hasStart() || !coverage.getPeriod().getStart().after(now))
				&& (!coverage.getPeriod().hasEnd() || !coverage.getPeriod().getEnd().before(now)));
	}

	static Optional<String> planCode(Coverage coverage) {
		return coverage.getClass_().stream()
				.filter(c -> c.getType().getCoding().stream().anyMatch(t -> PLAN_CLASS.equals(t.getCode())))
				.map(Coverage.ClassComponent::getValue).filter(v -> v != null && !v.isBlank()).findFirst();
	}

	/**
	 * Whether something that happened at {@code when} can belong to a visit episode open today: on or after the first day
	 * a registration covering today could have begun. Older records are history being loaded, not charges.
	 */
	boolean couldBeInTheCurrentEpisode(String hospital, java.util.Date when) {
		LocalDate earliest = today().minusDays(registrationRules.of(hospital).validDays() - 1L);
		return !LocalDate.ofInstant(when.toInstant(), zone).isBefore(earliest);
	}

	LocalDate today() {
		return LocalDate.ofInstant(clock.instant(), zone);
	}
}
