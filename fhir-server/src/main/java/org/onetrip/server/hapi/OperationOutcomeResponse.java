package org.onetrip.server.hapi;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * An OperationOutcome as the whole answer of a layer that refuses a request before HAPI sees it (a servlet filter,
 * Spring Security, Tomcat itself): JSON, or XML when the client asked for XML.
 */
public final class OperationOutcomeResponse {

	private OperationOutcomeResponse() {}

	public static void write(FhirContext fhirContext, HttpServletResponse response, int status, OperationOutcome.IssueType type,
			String diagnostics) throws IOException {
		write(fhirContext, null, response, status, type, diagnostics);
	}

	/** @param request the refused request, to answer in XML when it asked for XML (Accept or _format); may be null */
	public static void write(FhirContext fhirContext, HttpServletRequest request, HttpServletResponse response, int status,
			OperationOutcome.IssueType type, String diagnostics) throws IOException {
		OperationOutcome outcome = new OperationOutcome();
		outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR).setCode(type).setDiagnostics(diagnostics);
		boolean xml = wantsXml(request);
		byte[] body = (xml ? fhirContext.newXmlParser() : fhirContext.newJsonParser()).encodeResourceToString(outcome)
				.getBytes(StandardCharsets.UTF_8);
		response.setStatus(status);
		response.setContentType(xml ? "application/fhir+xml;charset=UTF-8" : "application/fhir+json;charset=UTF-8");
		response.setContentLength(body.length);
		response.getOutputStream().write(body);
	}

	/** The issue type a status says, for refusals that carry only a status. */
	public static OperationOutcome.IssueType issueType(int status) {
		return switch (status) {
			case 401 -> OperationOutcome.IssueType.LOGIN;
			case 403 -> OperationOutcome.IssueType.FORBIDDEN;
			case 404, 410 -> OperationOutcome.IssueType.NOTFOUND;
			case 405, 406, 415, 501 -> OperationOutcome.IssueType.NOTSUPPORTED;
			case 408, 504 -> OperationOutcome.IssueType.TIMEOUT;
			case 409 -> OperationOutcome.IssueType.CONFLICT;
			case 413, 414, 431 -> OperationOutcome.IssueType.TOOLONG;
			case 429 -> OperationOutcome.IssueType.THROTTLED;
			default -> status >= 500 ? OperationOutcome.IssueType.EXCEPTION : OperationOutcome.IssueType.INVALID;
		};
	}

	private static boolean wantsXml(HttpServletRequest request) {
		if (request == null) {
			return false;
		}
		String format = null;
		try {
			format = request.getParameter("_format");
		} catch (RuntimeException unreadableQuery) {
			// a query Tomcat could not parse: the Accept header alone decides
		}
		if (format != null) {
			return format.toLowerCase(Locale.ROOT).contains("xml");
		}
		String accept = request.getHeader("Accept");
		return accept != null && accept.toLowerCase(Locale.ROOT).contains("xml") && !accept.toLowerCase(Locale.ROOT).contains("json");
	}
}
