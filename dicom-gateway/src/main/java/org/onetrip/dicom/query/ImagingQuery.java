package org.onetrip.dicom.query;

import java.util.Map;
import java.util.Set;

/**
 * One query against the imaging index, whichever door it came through (C-FIND, QIDO-RS).
 *
 * @param matching   non-empty matching values by key (empty values are universal matches and left out)
 * @param patientRefs when not null, only studies of these regional Patients match (the regional query: the person
 *                   behind the caller's PatientID, under every hospital's identifier); the PatientID key is then
 *                   not matched against the stored value
 */
public record ImagingQuery(QueryLevel level, Map<QueryKey, String> matching, Set<String> patientRefs) {

	public ImagingQuery {
		matching = Map.copyOf(matching);
		patientRefs = patientRefs == null ? null : Set.copyOf(patientRefs);
	}
}
