package org.onetrip.server.identity;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Patient;
import org.onetrip.server.audit.AuditRecord;
import org.onetrip.server.audit.AuditTrail;
import org.onetrip.server.hapi.Conflict;
import org.onetrip.server.identity.PersonLedger.LinkedBy;
import org.onetrip.server.identity.PersonLedger.MatchStatus;
import org.onetrip.server.identity.PersonLedger.Stored;
import org.onetrip.server.security.Callers;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Keeps the region's persons in step with every Patient write, in the write's own transaction: each hospital's record
 * joins the person its strong identifiers name (or is refused, with the reason, when they contradict the region),
 * a record left on its own gets possible matches for an operator, and operators link and unlink records. Every link
 * and unlink is logged in the ledger and audited once the transaction commits.
 */
@Interceptor
public class PersonLinker {

	/** Candidates for a possible match are read by birth date; a day's births in one region stay far below this. */
	private static final int MAX_POSSIBLE_CANDIDATES = 500;

	private final PersonLedger ledger;
	private final PersonRecords records;
	private final AuditTrail audit;
	private final MeterRegistry meters;

	public PersonLinker(PersonLedger ledger, PersonRecords records, AuditTrail audit, MeterRegistry meters) {
		this.ledger = ledger;
		this.records = records;
		this.audit = audit;
		this.meters = meters;
	}

	/** Before storage: a record that contradicts itself is refused before anything is written. */
	@Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED, order = 100)
	public void creating(IBaseResource resource) {
		if (resource instanceof Patient patient) {
			refuseTwoCitizenIds(patient);
		}
	}

	@Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = 100)
	public void updating(IBaseResource previous, IBaseResource resource) {
		if (resource instanceof Patient patient) {
			refuseTwoCitizenIds(patient);
		}
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
	public void created(IBaseResource resource) {
		if (resource instanceof Patient patient) {
			written(null, patient);
		}
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
	public void updated(IBaseResource previous, IBaseResource resource) {
		if (resource instanceof Patient patient) {
			written(previous instanceof Patient old ? old : null, patient);
		}
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
	public void deleted(IBaseResource resource) {
		if (resource instanceof Patient patient) {
			String id = patient.getIdElement().getIdPart();
			Optional<Stored> stored = ledger.stored(id);
			ledger.remove(id);
			stored.ifPresent(s -> ledger.log("REMOVE", id, null, s.personId(), "AUTO", who(), "Patient deleted"));
		}
	}

	private void refuseTwoCitizenIds(Patient patient) {
		PersonRecord record = records.of(patient);
		if (record.citizenIds().size() > 1) {
			throw refusal((PersonLinkRule.Refuse) PersonLinkRule.decide(record, List.of(), Map.of(), Map.of(), Set.of()));
		}
	}

	/** The record as written now joins the person its identifiers name; a record whose keys did not change keeps its person. */
	void written(Patient previous, Patient patient) {
		linkByIdentifiers(patient);
		applyDeclaredLinks(previous, patient);
	}

	/** For the relink of records stored before the ledger: identifiers first, for every record ... */
	void linkByIdentifiers(Patient patient) {
		PersonRecord record = records.of(patient);
		Optional<Stored> asRead = ledger.stored(record.patientId());
		Set<String> lockKeys = new TreeSet<>(record.keys());
		asRead.ifPresent(s -> lockKeys.addAll(s.record().keys()));
		ledger.lockKeys(lockKeys);
		// Read again with the record's row locked: an operator's link or unlink (which takes the row, not the keys) may
		// have committed since, and writing from the first read would put the record back where it was.
		Optional<Stored> before = asRead.isPresent() ? ledger.storedForUpdate(record.patientId()) : asRead;
		if (before.isPresent() && before.get().record().keys().equals(record.keys())
				&& before.get().record().hospital().equals(record.hospital())) {
			ledger.save(record, before.get().personId(), before.get().linkedBy());
		} else {
			link(record, before);
		}
	}

	/** ... then what operators declared with Patient.link, once every record is in the ledger. */
	void linkDeclared(Patient patient) {
		String id = patient.getIdElement().getIdPart();
		Set<String> person = ledger.personOf(id);
		for (String other : PersonRecords.declaredLinks(patient)) {
			if (!other.equals(id) && !person.contains(other) && ledger.stored(other).isPresent()) {
				operatorLink(id, other, "Patient.link (relink)");
			}
		}
	}

	/** A stored record that contradicts the region (relink of old data) is kept as a person of its own, for an operator. */
	void keepAlone(Patient patient) {
		PersonRecord record = records.of(patient);
		if (ledger.stored(record.patientId()).isEmpty()) {
			ledger.save(record, PersonLedger.newPersonId(), LinkedBy.SELF);
		}
	}

	private void link(PersonRecord record, Optional<Stored> before) {
		String ownPerson = before.map(Stored::personId).orElseGet(PersonLedger::newPersonId);
		LinkedBy linkedBy = before.map(Stored::linkedBy).orElse(LinkedBy.SELF);
		if (before.isPresent() && linkedBy != LinkedBy.OPERATOR && ledger.personOf(record.patientId()).size() > 1) {
			// Its identifiers changed: what linked it automatically is judged again from the new ones.
			ledger.log("DETACH", record.patientId(), null, ownPerson, "AUTO", who(), "strong identifiers changed");
			ownPerson = PersonLedger.newPersonId();
			linkedBy = LinkedBy.SELF;
		}
		List<Stored> sharing = ledger.sharingKeys(record.keys(), record.patientId());
		Set<String> candidatePersons = new TreeSet<>();
		sharing.forEach(s -> candidatePersons.add(s.personId()));
		candidatePersons.remove(ownPerson);
		if (!candidatePersons.isEmpty()) {
			ledger.lockPersons(candidatePersons);
			// Read again under the person locks: a concurrent merge may have moved them.
			sharing = ledger.sharingKeys(record.keys(), record.patientId());
		}
		Set<String> persons = new TreeSet<>();
		sharing.forEach(s -> persons.add(s.personId()));
		List<PersonLinkRule.Linked> linked = sharing.stream().map(s -> new PersonLinkRule.Linked(s.record(), s.personId())).toList();
		PersonLinkRule.Decision decision = PersonLinkRule.decide(record, linked, ledger.citizenIds(persons), ledger.members(persons),
				ledger.notSamePerson(record.patientId()));
		if (decision instanceof PersonLinkRule.Refuse refuse) {
			count("refused");
			throw refusal(refuse);
		}
		PersonLinkRule.Join join = (PersonLinkRule.Join) decision;
		Set<String> joined = new TreeSet<>(join.persons());
		joined.remove(ownPerson);
		if (joined.isEmpty()) {
			ledger.save(record, ownPerson, linkedBy);
			if (before.isEmpty() || ledger.personOf(record.patientId()).size() == 1) {
				proposePossibleMatches(record, ownPerson);
			}
			return;
		}
		String target = joined.iterator().next();
		ledger.save(record, target, linkedBy == LinkedBy.OPERATOR ? LinkedBy.OPERATOR : LinkedBy.AUTO);
		ledger.movePerson(ownPerson, target, LinkedBy.AUTO);
		for (String other : joined) {
			if (!other.equals(target)) {
				ledger.movePerson(other, target, LinkedBy.AUTO);
			}
		}
		Set<String> partners = new TreeSet<>();
		sharing.stream().filter(s -> joined.contains(s.personId())).forEach(s -> partners.add(s.record().patientId()));
		for (String partner : partners) {
			ledger.log("LINK", record.patientId(), partner, target, "AUTO", who(), join.evidence());
		}
		count("auto-linked");
		auditAfterCommit("person-link-auto", record.patientId(), partners, "linked automatically by " + join.evidence());
	}

	private void proposePossibleMatches(PersonRecord record, String personId) {
		if (record.demographics().birthDate() == null) {
			return;
		}
		Set<String> notSame = ledger.notSamePerson(record.patientId());
		for (Stored candidate : ledger.bornOn(record.demographics().birthDate(), MAX_POSSIBLE_CANDIDATES)) {
			if (candidate.personId().equals(personId) || notSame.contains(candidate.record().patientId())) {
				continue;
			}
			PersonLinkRule.possibleMatch(record, candidate.record()).ifPresent(possible -> {
				ledger.saveMatch(record.patientId(), possible.patientId(), MatchStatus.POSSIBLE, possible.score(), possible.evidence(),
						null, null);
				count("possible-match");
			});
		}
	}

	/** {@code Patient.link} written by a region operator says the same as {@code $person-link} and {@code $person-unlink}. */
	private void applyDeclaredLinks(Patient previous, Patient patient) {
		Set<String> before = PersonRecords.declaredLinks(previous);
		Set<String> now = PersonRecords.declaredLinks(patient);
		String id = patient.getIdElement().getIdPart();
		for (String added : now) {
			if (!before.contains(added) && !added.equals(id)) {
				operatorLink(id, added, "Patient.link");
			}
		}
		for (String removed : before) {
			if (!now.contains(removed) && ledger.personOf(id).contains(removed)) {
				operatorUnlink(id, "Patient.link removed");
			}
		}
	}

	/** An operator's decision that two records are one person: their persons merge (refused across citizen IDs). */
	public Set<String> operatorLink(String patientId, String otherId, String reason) {
		Stored one = ledger.stored(patientId).orElseThrow(() -> new UnprocessableEntityException(
				"Patient/" + patientId + " is not a record of the region (no such Patient, or not yet linked: run $person-relink)"));
		Stored other = ledger.stored(otherId).orElseThrow(() -> new UnprocessableEntityException(
				"Patient/" + otherId + " is not a record of the region (no such Patient, or not yet linked: run $person-relink)"));
		ledger.lockPersons(List.of(one.personId(), other.personId()));
		one = ledger.stored(patientId).orElseThrow();
		other = ledger.stored(otherId).orElseThrow();
		if (!one.personId().equals(other.personId())) {
			Map<String, Set<String>> citizen = ledger.citizenIds(List.of(one.personId(), other.personId()));
			Optional<PersonLinkRule.Refuse> refused = PersonLinkRule.refuseJoining(citizen.getOrDefault(one.personId(), Set.of()),
					citizen.getOrDefault(other.personId(), Set.of()));
			if (refused.isPresent()) {
				count("refused");
				throw refusal(refused.get());
			}
			ledger.movePerson(other.personId(), one.personId(), LinkedBy.OPERATOR);
		}
		ledger.setPerson(patientId, one.personId(), LinkedBy.OPERATOR);
		ledger.setPerson(otherId, one.personId(), LinkedBy.OPERATOR);
		ledger.saveMatch(patientId, otherId, MatchStatus.MATCH, 1.0, "operator", who(), reason);
		ledger.log("LINK", patientId, otherId, one.personId(), "OPERATOR", who(), reason);
		count("operator-linked");
		auditAfterCommit("person-link", patientId, Set.of(otherId), reason);
		return ledger.personOf(patientId);
	}

	/**
	 * An operator's decision that this record is not the person it is linked to: it becomes a person of its own at once,
	 * and the records it leaves are remembered as not this person, so no shared identifier links them again.
	 * With {@code otherId} and no link between them, it only answers a possible match with "no".
	 */
	public Set<String> operatorUnlink(String patientId, String otherId, String reason) {
		Stored one = ledger.stored(patientId).orElseThrow(() -> new UnprocessableEntityException(
				"Patient/" + patientId + " is not a record of the region (no such Patient, or not yet linked: run $person-relink)"));
		ledger.lockPersons(List.of(one.personId()));
		Set<String> former = new LinkedHashSet<>(ledger.personOf(patientId));
		former.remove(patientId);
		if (otherId != null && !former.contains(otherId)) {
			ledger.stored(otherId).orElseThrow(() -> new UnprocessableEntityException("Patient/" + otherId + " is not a record of the region"));
			ledger.saveMatch(patientId, otherId, MatchStatus.NO_MATCH, 0, "operator", who(), reason);
			ledger.log("NO_MATCH", patientId, otherId, null, "OPERATOR", who(), reason);
			auditAfterCommit("person-no-match", patientId, Set.of(otherId), reason);
			return ledger.personOf(patientId);
		}
		if (former.isEmpty()) {
			throw new UnprocessableEntityException("Patient/" + patientId + " is not linked to any other record");
		}
		String ownPerson = PersonLedger.newPersonId();
		ledger.setPerson(patientId, ownPerson, LinkedBy.OPERATOR);
		for (String left : former) {
			ledger.saveMatch(patientId, left, MatchStatus.NO_MATCH, 0, "operator", who(), reason);
		}
		ledger.log("UNLINK", patientId, otherId, ownPerson, "OPERATOR", who(), reason);
		count("operator-unlinked");
		auditAfterCommit("person-unlink", patientId, former, reason);
		return ledger.personOf(patientId);
	}

	private Set<String> operatorUnlink(String patientId, String reason) {
		return operatorUnlink(patientId, null, reason);
	}

	private static BaseServerResponseException refusal(PersonLinkRule.Refuse refuse) {
		return refuse.status() == 422 ? new UnprocessableEntityException(refuse.message()) : Conflict.of(refuse.message());
	}

	private static String who() {
		return Callers.current().map(c -> c.who()).orElse("onetrip");
	}

	private void count(String outcome) {
		Counter.builder("onetrip.identity.links").description("Person linking decisions, by outcome").tag("outcome", outcome)
				.register(meters).increment();
	}

	/** The audit says what happened only if it did: recorded when the transaction commits. */
	private void auditAfterCommit(String subtype, String patientId, Set<String> others, String reason) {
		List<String> entities = new ArrayList<>();
		entities.add("Patient/" + patientId);
		others.forEach(o -> entities.add("Patient/" + o));
		var caller = Callers.current();
		AuditRecord record = new AuditRecord(Instant.now(), "identity", "U", subtype, caller.map(c -> c.who()).orElse("onetrip"),
				caller.map(c -> c.hospital()).orElse(null), null, subtype + ": " + reason, entities, entities, 200, null, false);
		if (TransactionSynchronizationManager.isSynchronizationActive()) {
			TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
				@Override
				public void afterCommit() {
					audit.record(record);
				}
			});
		} else {
			audit.record(record);
		}
	}
}
