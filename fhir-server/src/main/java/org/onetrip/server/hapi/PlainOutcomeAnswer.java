package org.onetrip.server.hapi;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.api.server.IRestfulResponse;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.RestfulServerUtils;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.UnclassifiedServerFailureException;
import ca.uhn.fhir.rest.server.interceptor.InterceptorOrders;
import ca.uhn.fhir.rest.server.util.CompositeInterceptorBroadcaster;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.Writer;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Element;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.OperationOutcomeIssueComponent;

/**
 * A refusal whose OperationOutcome is plain (issues of a severity, a code and a text, nothing else) is written here as
 * JSON, as HAPI's exception handler would write it, without HAPI's general encoder: in a booking storm, where most
 * attempts are refused, encoding that small outcome through the encoder was 8 % of the request threads' time (JFR,
 * bench/HISTORY.md stop 54). HAPI still does everything else: it turns the failure into its exception, other hooks
 * (the audit, the browser's HTML page) see it first, and any answer this does not cover exactly (XML, pretty-printed,
 * _elements, an outcome with details or locations, hooks that change outgoing outcomes, a 5xx status text) is HAPI's.
 */
@Interceptor
public final class PlainOutcomeAnswer {

	private static final JsonStringEncoder JSON_TEXT = JsonStringEncoder.getInstance();

	/** After the browser's HTML page (ResponseHighlighterInterceptor) and every other hook: this one ends the handling. */
	@Hook(value = Pointcut.SERVER_HANDLE_EXCEPTION, order = InterceptorOrders.RESPONSE_HIGHLIGHTER_INTERCEPTOR + 1)
	public boolean answer(RequestDetails request, BaseServerResponseException exception, HttpServletResponse servletResponse)
			throws IOException {
		if (!(exception.getOperationOutcome() instanceof OperationOutcome outcome) || !isPlain(outcome)
				|| exception instanceof UnclassifiedServerFailureException // HAPI also sends its message as the status text
				|| servletResponse == null || servletResponse.isCommitted() || servletResponse.containsHeader(Constants.HEADER_CONTENT_ENCODING)
				|| request.getParameters().containsKey(Constants.PARAM_ELEMENTS)
				|| request.getParameters().containsKey(Constants.PARAM_ELEMENTS + Constants.PARAM_ELEMENTS_EXCLUDE_MODIFIER)
				|| RestfulServerUtils.prettyPrintResponse(request.getServer(), request)
				|| CompositeInterceptorBroadcaster.newCompositeBroadcaster(request.getInterceptorBroadcaster(), request)
						.hasHooks(Pointcut.SERVER_OUTGOING_FAILURE_OPERATIONOUTCOME)) {
			return true;
		}
		RestfulServerUtils.ResponseEncoding encoding = RestfulServerUtils.determineResponseEncodingWithDefault(request);
		if (encoding.getEncoding() != EncodingEnum.JSON) {
			return true;
		}
		// As HAPI's ExceptionHandlingInterceptor does: the exception's own headers (Retry-After, say), then the body in
		// place of anything written before (nothing is committed yet), through HAPI's response, which adds the headers
		// collected for the request (its request id) and the status.
		IRestfulResponse response = request.getResponse();
		if (exception.hasResponseHeaders()) {
			for (Map.Entry<String, List<String>> header : exception.getResponseHeaders().entrySet()) {
				if (header.getKey() != null && !header.getKey().isBlank() && header.getValue() != null) {
					header.getValue().forEach(value -> response.addHeader(header.getKey(), value));
				}
			}
		}
		servletResponse.resetBuffer();
		Writer writer = response.getResponseWriter(exception.getStatusCode(), encoding.getResourceContentType(),
				Constants.CHARSET_NAME_UTF8, false);
		writer.write(json(outcome));
		response.commitResponse(writer);
		return false;
	}

	/** Issues of a severity, a code and a text: nothing HAPI's encoder would write that {@link #json} does not. */
	static boolean isPlain(OperationOutcome outcome) {
		if (outcome.hasIdElement() || outcome.hasMeta() || outcome.hasImplicitRules() || outcome.hasLanguage() || outcome.hasText()
				|| outcome.hasContained() || outcome.hasExtension() || outcome.hasModifierExtension() || !outcome.hasIssue()) {
			return false;
		}
		for (OperationOutcomeIssueComponent issue : outcome.getIssue()) {
			if (issue.hasId() || issue.hasExtension() || issue.hasModifierExtension() || issue.hasDetails() || issue.hasLocation()
					|| issue.hasExpression() || issue.getSeverity() == null || issue.getCode() == null
					|| !bare(issue.getSeverityElement()) || !bare(issue.getCodeElement())
					|| (issue.hasDiagnosticsElement() && !bare(issue.getDiagnosticsElement()))) {
				return false;
			}
		}
		return true;
	}

	private static boolean bare(Element element) {
		return !element.hasId() && !element.hasExtension();
	}

	/** The outcome as HAPI's JSON encoder writes it, not pretty-printed: the elements in the order FHIR defines them. */
	static String json(OperationOutcome outcome) {
		StringBuilder json = new StringBuilder(160).append("{\"resourceType\":\"OperationOutcome\",\"issue\":[");
		for (int i = 0; i < outcome.getIssue().size(); i++) {
			OperationOutcomeIssueComponent issue = outcome.getIssue().get(i);
			json.append(i == 0 ? "{" : ",{").append("\"severity\":\"").append(issue.getSeverity().toCode())
					.append("\",\"code\":\"").append(issue.getCode().toCode()).append('"');
			if (issue.hasDiagnostics()) {
				json.append(",\"diagnostics\":\"");
				JSON_TEXT.quoteAsString(issue.getDiagnostics(), json);
				json.append('"');
			}
			json.append('}');
		}
		return json.append("]}").toString();
	}
}
