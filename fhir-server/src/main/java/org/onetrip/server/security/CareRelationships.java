package org.onetrip.server.security;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import org.onetrip.server.identity.PersonResolver;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * On what grounds a practitioner reads another hospital's records of a person. A practitioner's own sign-in (a token
 * naming a Practitioner) reads across hospitals when their hospital has a part in the person's care: it keeps a record
 * of the person, registered a visit of theirs, received a referral of theirs that it did not reject (and was not
 * withdrawn), or was shown the person's health card in the last {@link #CARD_PRESENTED_FOR} (seed 001: the doctor who
 * scans the card sees the records of other hospitals); or when the practitioner took an open consult about the person
 * (accepted, not yet closed). Asking for a
 * consult or sending a referral gives the asking hospital nothing: it asks about people in its care already
 * ({@link #caresFor}, checked when a consult is asked). Nothing else opens it:
 * a colleague of a consultant gains nothing, nor the consultant once the consult closes. A hospital's system (a token
 * naming no practitioner) and the region's services read as before: they act for the whole hospital or region.
 */
public class CareRelationships {

	/** The grounds of a read: the hospital's care, a consult the practitioner took (its ServiceRequest id), or none. */
	public record Basis(Kind kind, String consult) {
		public enum Kind { CARE, CONSULT, NONE }

		static final Basis CARE = new Basis(Kind.CARE, null);
		static final Basis NONE = new Basis(Kind.NONE, null);

		public boolean allows() {
			return kind != Kind.NONE;
		}
	}

	private final JdbcTemplate jdbc;
	private final PersonResolver persons;
	private final BiFunction<String, Collection<String>, Optional<String>> openConsultTakenBy;

	/** @param openConsultTakenBy (practitioner id, one person's Patient ids) -> an open consult about them that they took */
	public CareRelationships(JdbcTemplate jdbc, PersonResolver persons,
			BiFunction<String, Collection<String>, Optional<String>> openConsultTakenBy) {
		jdbc.execute("CREATE TABLE IF NOT EXISTS OT_CARD_PRESENTED (HOSPITAL VARCHAR(128) NOT NULL, PATIENT_ID VARCHAR(128) NOT NULL, "
				+ "UNTIL BIGINT NOT NULL, PRIMARY KEY (HOSPITAL, PATIENT_ID))");
		this.jdbc = jdbc;
		this.persons = persons;
		this.openConsultTakenBy = openConsultTakenBy;
	}

	/** The grounds on which this practitioner's caller reads records about this Patient (any record of the person). */
	public Basis of(Caller caller, String patientId) {
		Set<String> records = new LinkedHashSet<>(persons.byPatientId(patientId));
		records.add(patientId);
		if (caller.hospital() != null && caresFor(caller.hospital(), records)) {
			return Basis.CARE;
		}
		return openConsultTakenBy.apply(caller.practitionerId(), records).map(id -> new Basis(Basis.Kind.CONSULT, id)).orElse(Basis.NONE);
	}

	/**
	 * For an operation that answers about a person (their prior exams, a duplicate check): a practitioner's own sign-in
	 * needs grounds for one of these records of the person; anyone else passes.
	 */
	public void requireGrounds(java.util.Optional<Caller> caller, Collection<String> patientIds, String operation) {
		if (caller.isEmpty() || caller.get().practitionerId() == null || caller.get().hospital() == null || patientIds.isEmpty()) {
			return;
		}
		if (!of(caller.get(), patientIds.iterator().next()).allows()) {
			throw new ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException(operation + ": Practitioner/"
					+ caller.get().practitionerId() + " has no part in this person's care (a record, visit or referral at their "
					+ "hospital, or an open consult they took)");
		}
	}

	/** How long a health card shown at a hospital opens the person's records to its practitioners: a visit's days. */
	public static final java.time.Duration CARD_PRESENTED_FOR = java.time.Duration.ofDays(3);

	/** The person's health card was shown at this hospital (resolved by its desk, kiosk or doctor): their records open to it. */
	public void cardPresented(String hospital, Collection<String> patientIds, java.time.Instant now) {
		long until = now.plus(CARD_PRESENTED_FOR).toEpochMilli();
		for (String patientId : patientIds) {
			jdbc.update("INSERT INTO OT_CARD_PRESENTED (HOSPITAL, PATIENT_ID, UNTIL) VALUES (?, ?, ?) "
					+ "ON CONFLICT (HOSPITAL, PATIENT_ID) DO UPDATE SET UNTIL = GREATEST(OT_CARD_PRESENTED.UNTIL, EXCLUDED.UNTIL)",
					hospital, patientId, until);
		}
	}

	/** Whether this hospital has a part in the care of the person this Patient record is of. */
	public boolean caresFor(String hospital, String patientId) {
		Set<String> records = new LinkedHashSet<>(persons.byPatientId(patientId));
		records.add(patientId);
		return caresFor(hospital, records);
	}

	private boolean caresFor(String hospital, Collection<String> records) {
		String in = String.join(",", Collections.nCopies(records.size(), "?"));
		List<Object> args = new java.util.ArrayList<>();
		for (int i = 0; i < 3; i++) {
			args.add(hospital);
			args.addAll(records);
		}
		args.add(hospital);
		args.add(System.currentTimeMillis());
		args.addAll(records);
		return !jdbc.queryForList("SELECT 1 FROM OT_PERSON_RECORD WHERE HOSPITAL = ? AND PATIENT_ID IN (" + in + ") "
				+ "UNION ALL SELECT 1 FROM OT_REGISTRATION WHERE HOSPITAL = ? AND PATIENT_ID IN (" + in + ") "
				+ "UNION ALL SELECT 1 FROM OT_REFERRAL WHERE PERFORMER_HOSPITAL = ? AND STATE NOT IN ('REJECTED', 'CANCELLED') "
				+ "AND PATIENT_ID IN (" + in + ") "
				+ "UNION ALL SELECT 1 FROM OT_CARD_PRESENTED WHERE HOSPITAL = ? AND UNTIL > ? AND PATIENT_ID IN (" + in + ") LIMIT 1",
				Integer.class, args.toArray()).isEmpty();
	}
}
