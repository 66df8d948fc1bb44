package org.onetrip.server.hapi;

import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * A 409 thrown inside a HAPI write (a storage hook refusing it) that reaches the client as it was written. HAPI's
 * transaction service re-throws conflicts with its own message code in front of the text ("HAPI-0550: ..."), but keeps
 * an OperationOutcome the exception already carries.
 */
public final class Conflict {

	private Conflict() {}

	public static ResourceVersionConflictException of(String message) {
		OperationOutcome outcome = new OperationOutcome();
		outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR).setCode(OperationOutcome.IssueType.CONFLICT)
				.setDiagnostics(message);
		return new Refusal(message, outcome);
	}

	/**
	 * Without a stack trace: a conflict is an answer to the client (a full slot, a stale version), not a fault to trace,
	 * and in a booking storm most requests end in one; filling in a stack through Tomcat, Spring and HAPI for each was a
	 * cost of its own (JFR, stop 51).
	 */
	private static final class Refusal extends ResourceVersionConflictException {
		Refusal(String message, OperationOutcome outcome) {
			super(message, null, outcome);
		}

		@Override
		public synchronized Throwable fillInStackTrace() {
			return this;
		}
	}
}
