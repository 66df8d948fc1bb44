package org.onetrip.dicom.query;

import java.util.Map;
import java.util.Set;
import org.onetrip.dicom.store.PatientKey;

/**
 * One query against the imaging index, whichever door it came through (C-FIND, QIDO-RS).
 *
 * @param matching   non-empty matching values by key (empty values are universal matches and left out)
 * @param patientRefs when not null, only studies of these regional Patients match (the regional query: the person
 *                   behind the caller's PatientID, under every hospital's identifier); the PatientID key is then
 *                   not matched against the stored value
 * @param callerKey   with {@code patientRefs}: the caller's identifier itself, under which studies whose regional
 *                   Patient is not made yet also match (a new PatientID's Patient is made by the FHIR sync, shortly
 *                   after its first instance is stored); null otherwise
 */
public record ImagingQuery(QueryLevel level, Map<QueryKey, String> matching, Set<String> patientRefs,
		PatientKey callerKey) {

	public ImagingQuery {
		matching = Map.copyOf(matching);
		patientRefs = patientRefs == null ? null : Set.copyOf(patientRefs);
	}

	/** A query without a person: every key is matched as stored. */
	public ImagingQuery(QueryLevel level, Map<QueryKey, String> matching) {
		this(level, matching, null, null);
	}

	/** Nothing can match: the caller's person has no Patient and no study waits for one under its key. */
	public boolean matchesNobody() {
		return patientRefs != null && patientRefs.isEmpty() && callerKey == null;
	}
}
