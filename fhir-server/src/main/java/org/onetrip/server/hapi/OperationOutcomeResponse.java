package org.onetrip.server.hapi;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.hl7.fhir.r4.model.OperationOutcome;

/** An OperationOutcome as the whole answer of a servlet filter that refuses a request before HAPI sees it. */
public final class OperationOutcomeResponse {

	private OperationOutcomeResponse() {}

	public static void write(FhirContext fhirContext, HttpServletResponse response, int status, OperationOutcome.IssueType type,
			String diagnostics) throws IOException {
		OperationOutcome outcome = new OperationOutcome();
		outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR).setCode(type).setDiagnostics(diagnostics);
		response.setStatus(status);
		response.setContentType("application/fhir+json;charset=UTF-8");
		response.getOutputStream().write(fhirContext.newJsonParser().encodeResourceToString(outcome).getBytes(StandardCharsets.UTF_8));
	}
}
