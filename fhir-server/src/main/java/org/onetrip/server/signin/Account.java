package org.onetrip.server.signin;

import java.time.Instant;

/**
 * Someone who signs in to OneTrip: a patient (their records, through patient/ scopes), a practitioner of a hospital
 * (bound to their PractitionerRole) or a region operator (no hospital: the whole region).
 *
 * @param id stable and opaque: the subject ({@code sub}) of every token issued to this account
 * @param fhirUser the FHIR resource the person is, relative ("Patient/123", "Practitioner/hospital-a-chen-wei")
 * @param patientId for a patient, the Patient record the account was opened with (the token's patient context)
 * @param lockedUntil after repeated failures, no sign-in before this time
 */
public record Account(String id, Kind kind, String displayName, String hospital, String fhirUser, String patientId,
		String passwordHash, int failedAttempts, Instant lockedUntil) {

	public enum Kind {
		PATIENT, PRACTITIONER, OPERATOR;

		public String code() {
			return name().toLowerCase(java.util.Locale.ROOT);
		}

		public static Kind ofCode(String code) {
			return valueOf(code.toUpperCase(java.util.Locale.ROOT));
		}
	}

	public boolean activated() {
		return passwordHash != null;
	}

	public boolean lockedAt(Instant now) {
		return lockedUntil != null && lockedUntil.isAfter(now);
	}
}
