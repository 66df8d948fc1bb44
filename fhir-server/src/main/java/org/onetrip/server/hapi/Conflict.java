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
		// Exactly this class, not a subclass (one without a stack trace was tried in stop 51): HAPI retries a transaction
		// on a conflict only when it finds this very class among the causes (ExceptionUtils.indexOfThrowable), and a
		// concurrent conditional create depends on that retry (ConditionalCreateRetry).
		return new ResourceVersionConflictException(message, null, outcome);
	}
}
