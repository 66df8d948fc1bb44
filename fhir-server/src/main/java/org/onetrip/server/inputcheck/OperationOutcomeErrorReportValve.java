package org.onetrip.server.inputcheck;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.RequestDispatcher;
import java.io.IOException;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.onetrip.server.hapi.OperationOutcomeResponse;

/**
 * Tomcat's own refusals as FHIR OperationOutcomes instead of its HTML page: a request line with characters it will not
 * take, an encoded slash in the path, headers too large, a method it does not serve. These never reach Spring or
 * HAPI; this valve takes the place of Tomcat's error report valve on the host.
 */
public class OperationOutcomeErrorReportValve extends ErrorReportValve {

	@Override
	protected void report(Request request, Response response, Throwable throwable) {
		int status = response.getStatus();
		if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
			return;
		}
		String message = response.getMessage();
		if ((message == null || message.isBlank()) && throwable != null) {
			message = throwable.getMessage();
		}
		Object servletMessage = request.getAttribute(RequestDispatcher.ERROR_MESSAGE);
		if ((message == null || message.isBlank()) && servletMessage != null) {
			message = servletMessage.toString();
		}
		String diagnostics = "HTTP " + status + (message == null || message.isBlank() ? "" : ": " + message)
				+ (status == 400 ? " (the request could not be read: check the URL's characters are percent-encoded where "
						+ "FHIR requires it, and the headers' size)" : "");
		try {
			response.setSuspended(false);
			response.resetBuffer();
			OperationOutcomeResponse.write(FhirContext.forR4Cached(), request, response, status,
					OperationOutcomeResponse.issueType(status), diagnostics);
			response.finishResponse();
		} catch (IOException | IllegalStateException e) {
			// the connection is gone or committed: nothing more can be said to this client
		}
	}
}
