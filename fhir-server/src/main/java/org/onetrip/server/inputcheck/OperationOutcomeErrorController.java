package org.onetrip.server.inputcheck;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.onetrip.server.hapi.OperationOutcomeResponse;
import org.springframework.boot.web.servlet.error.ErrorController;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Errors the servlet container forwards to {@code /error} (an unknown path outside /fhir, a method no endpoint takes,
 * an exception a filter let out) as FHIR OperationOutcomes, in place of Spring Boot's JSON or HTML error page.
 */
@RestController
public class OperationOutcomeErrorController implements ErrorController {

	private final FhirContext fhirContext;

	public OperationOutcomeErrorController(FhirContext fhirContext) {
		this.fhirContext = fhirContext;
	}

	@RequestMapping("${server.error.path:${error.path:/error}}")
	public void error(HttpServletRequest request, HttpServletResponse response) throws IOException {
		Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
		int status = code instanceof Integer i && i >= 400 ? i : 500;
		Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
		Object message = request.getAttribute(RequestDispatcher.ERROR_MESSAGE);
		String what = switch (status) {
			case 404 -> "Nothing is served at " + uri + " (FHIR is at /fhir, DICOMweb at /dicomweb, CDS Hooks at /cds-services)";
			case 405 -> "The method " + request.getMethod() + " is not served at " + uri;
			default -> status >= 500 ? "The server failed to answer " + uri + "; the failure is in its log"
					: "HTTP " + status + (message == null || message.toString().isBlank() ? "" : ": " + message);
		};
		OperationOutcomeResponse.write(fhirContext, request, response, status, OperationOutcomeResponse.issueType(status), what);
	}
}
