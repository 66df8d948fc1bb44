package org.onetrip.dicom.query;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.onetrip.dicom.store.ImagingIndex;
import org.onetrip.dicom.store.PatientDirectory;
import org.onetrip.dicom.store.PatientIdIssuers;
import org.onetrip.dicom.store.PatientKey;

/**
 * A query from one hospital over the whole region's imaging. A PatientID without wildcards is the caller's
 * identifier for a person (under Issuer of Patient ID, or the calling hospital's MRN system): it is turned into
 * that person's regional Patients, so studies sent by every hospital under their own PatientIDs match. Matches are
 * returned under the caller's PatientID, the way the caller knows the patient.
 */
public final class RegionalQuery {

	private final ImagingIndex index;
	private final PatientDirectory patients;
	private final PatientIdIssuers issuers;
	private final int maxMatches;

	public RegionalQuery(ImagingIndex index, PatientDirectory patients, PatientIdIssuers issuers, int maxMatches) {
		this.index = index;
		this.patients = patients;
		this.issuers = issuers;
		this.maxMatches = maxMatches;
	}

	/** The matches, at most {@code maxMatches}; {@code truncated} when there were more. */
	public record Result(List<QueryMatch> matches, boolean truncated, PatientKey regionalPatient) {}

	public Result find(QueryLevel level, Map<QueryKey, String> keys, String callerHospital) {
		Map<QueryKey, String> matching = nonEmpty(keys);
		PatientKey person = person(matching, callerHospital);
		Set<String> patientRefs = person == null ? null : patients.samePerson(person);
		List<QueryMatch> found = index.find(new ImagingQuery(level, matching, patientRefs, person), maxMatches + 1);
		boolean truncated = found.size() > maxMatches;
		List<QueryMatch> matches = truncated ? found.subList(0, maxMatches) : found;
		if (person != null) {
			PatientKey asCallerKnowsIt = person;
			matches = matches.stream().map(m -> underCallersId(m, asCallerKnowsIt)).toList();
			if (level == QueryLevel.PATIENT && matches.size() > 1) {
				matches = List.of(onePatient(matches));
			}
		}
		return new Result(matches, truncated, person);
	}

	/**
	 * The stored instances a retrieval (C-MOVE, C-GET) names, across the region: every key filters (the unique keys
	 * of the levels), and a PatientID stands for the caller's person, as in {@link #find}. At most {@code limit}.
	 */
	public List<ImagingIndex.StoredInstance> instances(Map<QueryKey, String> keys, String callerHospital, int limit) {
		Map<QueryKey, String> matching = nonEmpty(keys);
		PatientKey person = person(matching, callerHospital);
		Set<String> patientRefs = person == null ? null : patients.samePerson(person);
		return index.locate(new ImagingQuery(QueryLevel.IMAGE, matching, patientRefs, person), limit);
	}

	private static Map<QueryKey, String> nonEmpty(Map<QueryKey, String> keys) {
		Map<QueryKey, String> matching = new EnumMap<>(QueryKey.class);
		keys.forEach((key, value) -> {
			if (value != null && !value.trim().isEmpty()) {
				matching.put(key, value.trim());
			}
		});
		return matching;
	}

	/**
	 * The caller's person behind an exact PatientID, or null when the PatientID is absent or a wildcard, or when
	 * neither the caller's hospital nor an issuer says whose identifier it is.
	 */
	private PatientKey person(Map<QueryKey, String> matching, String callerHospital) {
		String patientId = matching.get(QueryKey.PatientID);
		if (patientId == null || patientId.indexOf('*') >= 0 || patientId.indexOf('?') >= 0) {
			return null;
		}
		String issuer = matching.get(QueryKey.IssuerOfPatientID);
		if (callerHospital == null && (issuer == null || issuer.isBlank())) {
			return null; // no caller and no issuer (a DICOMweb query without either): the value is matched as stored
		}
		return issuers.keyFor(patientId, matching.get(QueryKey.IssuerOfPatientID), callerHospital);
	}

	/** One person under several hospitals' identifiers is one patient to the caller. */
	private static QueryMatch onePatient(List<QueryMatch> rows) {
		Map<QueryKey, String> values = new EnumMap<>(QueryKey.class);
		values.putAll(rows.get(0).values());
		values.put(QueryKey.NumberOfPatientRelatedStudies, Integer.toString(rows.stream()
				.mapToInt(r -> Integer.parseInt(r.get(QueryKey.NumberOfPatientRelatedStudies))).sum()));
		return new QueryMatch(values, rows.get(0).patientSystem());
	}

	private static QueryMatch underCallersId(QueryMatch match, PatientKey caller) {
		Map<QueryKey, String> values = new EnumMap<>(QueryKey.class);
		values.putAll(match.values());
		values.put(QueryKey.PatientID, caller.value());
		values.put(QueryKey.IssuerOfPatientID, caller.system());
		return new QueryMatch(values, caller.system());
	}
}
