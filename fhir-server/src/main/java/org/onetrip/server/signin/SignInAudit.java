package org.onetrip.server.signin;

import java.time.Clock;
import java.util.List;
import org.onetrip.server.audit.AuditRecord;

/** The audit records of sign-in: kind "login" (DICOM "User Authentication"), one per sign-in, token or refusal. */
final class SignInAudit {

	private SignInAudit() {}

	/**
	 * @param subtype sign-in, activation, oauth-authorize, oauth-token, oauth-revoke, oauth-introspect, consent
	 * @param who the account id, or the client id where no person is involved
	 */
	static AuditRecord record(Clock clock, String subtype, String who, String hospital, String address, String request,
			List<String> patients, int status, String failure) {
		return new AuditRecord(clock.instant(), "login", "E", subtype, who, hospital, address, request, patients, patients, status,
				failure, false);
	}
}
