package org.onetrip.dicom.query;

import java.util.Locale;
import java.util.Optional;

/** Query/Retrieve Level (0008,0052). */
public enum QueryLevel {
	PATIENT, STUDY, SERIES, IMAGE;

	public static Optional<QueryLevel> of(String value) {
		if (value == null) {
			return Optional.empty();
		}
		try {
			return Optional.of(valueOf(value.trim().toUpperCase(Locale.ROOT)));
		} catch (IllegalArgumentException unknown) {
			return Optional.empty();
		}
	}
}
