package org.onetrip.server.security;

import java.util.List;

/**
 * Who is calling, from the bearer token: a hospital's system or user (claim {@code hospital}), the region's
 * own operators and services (no hospital: they act for the whole region), or a patient (claim
 * {@code patient}: only that person's records). What they may do is the union of their scopes.
 *
 * @param hospital the caller's hospital key, or null for a region-level caller
 * @param patientId for a patient token, the Patient the token was issued for
 * @param practitionerId for a practitioner's own sign-in, the Practitioner it names (fhirUser); null for a hospital's
 *                       system, the region and patients. What a practitioner reads of other hospitals follows their
 *                       hospital's part in the person's care, or a consult they took ({@link CareRelationships}).
 */
public record Caller(String subject, String hospital, SmartScope.Context context, List<SmartScope> scopes, String patientId,
		String practitionerId) {

	/** Who calls when the server runs in open mode: the region, with every permission. */
	public static Caller openAccess(String hospital) {
		return new Caller("open-access", hospital, SmartScope.Context.SYSTEM,
				List.of(new SmartScope(SmartScope.Context.SYSTEM, "*", java.util.EnumSet.allOf(Interaction.class))), null, null);
	}

	public boolean permits(Interaction interaction, String resourceType) {
		// A patient's token acts through its patient/ scopes only; a hospital's or the region's through user/ and system/.
		return scopes.stream().anyMatch(s -> (s.context() == SmartScope.Context.PATIENT) == isPatient()
				&& s.grants(interaction, resourceType));
	}

	/** Acts for the whole region (operators, region services): owns what no hospital owns. */
	public boolean isRegion() {
		return hospital == null && context != SmartScope.Context.PATIENT;
	}

	public boolean isPatient() {
		return context == SmartScope.Context.PATIENT;
	}

	/** For logs and AuditEvents: "hospital-a/dr-chen", "region/loader", "patient/123". */
	public String who() {
		return (isPatient() ? "patient" : hospital == null ? "region" : hospital) + "/" + subject;
	}
}
