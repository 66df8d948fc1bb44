package org.onetrip.terminology.exam;

/** A coded exam as it arrives from a hospital: a FHIR Coding without the FHIR library. */
public record ExamCode(String system, String code, String display) {

	public static ExamCode of(String system, String code) {
		return new ExamCode(system, code, null);
	}

	@Override
	public String toString() {
		return system + "|" + code;
	}
}
