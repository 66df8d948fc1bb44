package org.onetrip.server.identity;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Patient;
import org.onetrip.server.fhirstore.FhirStore;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Persons from the ledger: a record's person in one indexed self-join, an identifier's persons in one more. Reads the
 * committed ledger every time, so a link or an unlink is seen by the very next question on every instance.
 */
public class LedgerPersonResolver implements PersonResolver {

	private final PersonLedger ledger;
	private final PersonRecords records;
	private final FhirStore store;
	private final JdbcTemplate jdbc;

	public LedgerPersonResolver(PersonLedger ledger, PersonRecords records, FhirStore store, JdbcTemplate jdbc) {
		this.ledger = ledger;
		this.records = records;
		this.store = store;
		this.jdbc = jdbc;
	}

	@Override
	public Set<String> byIdentifiers(Collection<Identifier> identifiers) {
		return ledger.personsWithKeys(records.keys(identifiers));
	}

	@Override
	public Set<String> byPatientId(String patientId) {
		Set<String> person = ledger.personOf(patientId);
		if (!person.isEmpty()) {
			return person;
		}
		// Not in the ledger: a Patient stored before the ledger existed, until $person-relink has reached it.
		Integer exists = jdbc.queryForObject("SELECT COUNT(*) FROM HFJ_RESOURCE WHERE RES_TYPE = 'Patient' AND FHIR_ID = ? "
				+ "AND RES_DELETED_AT IS NULL", Integer.class, patientId);
		return exists != null && exists > 0 ? Set.of(patientId) : Set.of();
	}

	@Override
	public Optional<Set<String>> holders(Identifier identifier) {
		Set<String> keys = records.keys(List.of(identifier));
		if (keys.isEmpty()) {
			return Optional.empty();
		}
		// Two records may hold one MRN (the hospital's own and one the DICOM gateway made): the hospital's first.
		return Optional.of(new LinkedHashSet<>(jdbc.queryForList("SELECT k.PATIENT_ID FROM OT_PERSON_KEY k"
				+ " LEFT JOIN OT_PERSON_RECORD r ON r.PATIENT_ID = k.PATIENT_ID WHERE k.PERSON_KEY = ?"
				+ " ORDER BY r.FROM_DICOM, k.PATIENT_ID", String.class, keys.iterator().next())));
	}

	@Override
	public boolean keysPersonsBy(Identifier identifier) {
		return !records.keys(List.of(identifier)).isEmpty();
	}

	@Override
	public Optional<Patient> readPatient(String patientId) {
		return store.patient(patientId);
	}
}
