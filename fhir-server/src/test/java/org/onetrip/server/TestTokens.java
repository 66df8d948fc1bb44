package org.onetrip.server;

import java.nio.file.Path;
import java.time.Duration;
import org.onetrip.server.security.TokenKeys;

/**
 * Bearer tokens for the tests, signed with one key file that every server the tests start is given
 * ({@code onetrip.security.key-file}), so a token works against any of them.
 */
public final class TestTokens {

	public static final Path KEY_FILE = Path.of("target", "test-token-signing-key.pem").toAbsolutePath();

	private TestTokens() {}

	/** The region's own service with every permission (what most tests act as). */
	public static String region() {
		return mint("test-suite", null, "system/*.cruds", null);
	}

	/** A user at {@code hospital} with these SMART scopes. */
	public static String hospital(String hospital, String scope) {
		return mint("dr-" + hospital, hospital, scope, null);
	}

	/**
	 * A practitioner's own sign-in at {@code hospital}: the token names their Practitioner as SMART's fhirUser does, so what
	 * they read of other hospitals follows their part in the person's care (security/CareRelationships).
	 */
	public static String practitioner(String hospital, String practitionerId, String scope) {
		return TokenKeys.loadOrCreate(KEY_FILE).mint(practitionerId, hospital, scope, null,
				"http://127.0.0.1/fhir/Practitioner/" + practitionerId, Duration.ofHours(2));
	}

	public static String patient(String patientId, String scope) {
		return mint("patient-" + patientId, null, scope, patientId);
	}

	public static String mint(String subject, String hospital, String scope, String patient) {
		return TokenKeys.loadOrCreate(KEY_FILE).mint(subject, hospital, scope, patient, Duration.ofHours(2));
	}
}
