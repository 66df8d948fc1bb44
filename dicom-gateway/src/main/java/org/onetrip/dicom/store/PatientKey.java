package org.onetrip.dicom.store;

/** A patient identifier with the system (issuer) that makes it unique: a DICOM PatientID is not unique alone. */
public record PatientKey(String system, String value) {

	public PatientKey {
		if (system == null || system.isBlank() || value == null || value.isBlank()) {
			throw new IllegalArgumentException("a patient key needs a system and a value");
		}
	}

	@Override
	public String toString() {
		return system + "|" + value;
	}
}
