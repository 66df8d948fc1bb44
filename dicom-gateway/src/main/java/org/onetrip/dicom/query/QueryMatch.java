package org.onetrip.dicom.query;

import java.util.Map;

/** One match: values by key, as stored (the caller decides what to return and how to encode it). */
public record QueryMatch(Map<QueryKey, String> values, String patientSystem) {

	public String get(QueryKey key) {
		return values.getOrDefault(key, "");
	}
}
