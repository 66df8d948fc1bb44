package org.onetrip.terminology.region;

import java.util.Locale;

/** The tier of a healthcare institution; referral quotas and routing depend on it. */
public enum HospitalLevel {
	TERTIARY,
	SECONDARY,
	PRIMARY;

	/** The code used in config files and in FHIR (Organization.type, system {@link #SYSTEM}). */
	public String code() {
		return name().toLowerCase(Locale.ROOT);
	}

	public static final String SYSTEM = "urn:onetrip:hospital-level";

	public static HospitalLevel fromCode(String code) {
		for (HospitalLevel level : values()) {
			if (level.code().equals(code)) {
				return level;
			}
		}
		throw new IllegalArgumentException(
				"unknown hospital level '" + code + "' (expected tertiary, secondary or primary)");
	}
}
