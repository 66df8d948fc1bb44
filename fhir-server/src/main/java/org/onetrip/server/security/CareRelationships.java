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
 * of the person, registered a visit of theirs, sent or received a referral of theirs, or asked a consult about them;
 * or when the practitioner took an open consult about the person (accepted, not yet closed). Nothing else opens it:
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

	private boolean caresFor(String hospital, Collection<String> records) {
		String in = String.join(",", Collections.nCopies(records.size(), "?"));
		List<Object> args = new java.util.ArrayList<>();
		args.add(hospital);
		args.addAll(records);
		args.add(hospital);
		args.addAll(records);
		args.add(hospital);
		args.add(hospital);
		args.addAll(records);
		args.add(hospital);
		args.addAll(records);
		return !jdbc.queryForList("SELECT 1 FROM OT_PERSON_RECORD WHERE HOSPITAL = ? AND PATIENT_ID IN (" + in + ") "
				+ "UNION ALL SELECT 1 FROM OT_REGISTRATION WHERE HOSPITAL = ? AND PATIENT_ID IN (" + in + ") "
				+ "UNION ALL SELECT 1 FROM OT_REFERRAL WHERE (REQUESTER_HOSPITAL = ? OR PERFORMER_HOSPITAL = ?) AND PATIENT_ID IN (" + in + ") "
				+ "UNION ALL SELECT 1 FROM OT_CONSULT WHERE REQUESTER_HOSPITAL = ? AND PATIENT_ID IN (" + in + ") LIMIT 1",
				Integer.class, args.toArray()).isEmpty();
	}
}
