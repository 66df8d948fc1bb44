package ca.uhn.fhir.parser;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.IOException;
import java.io.Writer;
import java.util.Collection;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Element;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.OperationOutcomeIssueComponent;

/**
 * HAPI's JSON parser, which writes a plain OperationOutcome (issues of a severity, a code and a text, nothing else)
 * itself, exactly as HAPI's encoder writes it, without walking the model. Every refusal HAPI answers in JSON is such an
 * outcome, and in a booking storm, where most attempts are refused, encoding it was 8 % of the request threads' time
 * (JFR, bench/HISTORY.md stop 54). HAPI's exception handling is left whole (its headers, its hooks, the browser's page):
 * only the encoder's work is saved. Pretty printing, element filters and summaries go to HAPI's encoder, as does every
 * other resource. Made by OneTrip's {@code WalkingFhirContext.newJsonParser()}. In HAPI's package because the encoding step
 * it takes over is given a package-private type (BaseParser.EncodeContext).
 * <p>
 * (Writing the answer in a {@code SERVER_HANDLE_EXCEPTION} hook instead was tried and is wrong in HAPI 8.8: a hook that
 * handles the exception makes HAPI log the request's exception at ERROR with its stack trace, HAPI-2544.)
 */
public final class PlainOutcomeJsonParser extends JsonParser {

	private static final JsonStringEncoder JSON_TEXT = JsonStringEncoder.getInstance();

	/** Any setting that changes what HAPI would write for a plain outcome: its encoder then writes it. */
	private boolean pretty;
	private boolean elementsChosen;

	public PlainOutcomeJsonParser(FhirContext context, IParserErrorHandler errorHandler) {
		super(context, errorHandler);
	}

	@Override
	protected void encodeResourceToWriter(IBaseResource resource, Writer writer, EncodeContext encodeContext) throws IOException {
		if (resource instanceof OperationOutcome outcome && !pretty && !elementsChosen && !isSummaryMode()
				&& getEncodeForceResourceId() == null && isPlain(outcome)) {
			writer.write(json(outcome));
			return;
		}
		super.encodeResourceToWriter(resource, writer, encodeContext);
	}

	@Override
	public IParser setPrettyPrint(boolean prettyPrint) {
		pretty = prettyPrint;
		return super.setPrettyPrint(prettyPrint);
	}

	@Override
	public IParser setEncodeElements(Set<String> encodeElements) {
		elementsChosen |= encodeElements != null && !encodeElements.isEmpty();
		return super.setEncodeElements(encodeElements);
	}

	@Override
	public IParser setDontEncodeElements(Collection<String> dontEncodeElements) {
		elementsChosen |= dontEncodeElements != null && !dontEncodeElements.isEmpty();
		return super.setDontEncodeElements(dontEncodeElements);
	}

	/** Issues of a severity, a code and a text: nothing HAPI's encoder would write that {@link #json} does not. */
	public static boolean isPlain(OperationOutcome outcome) {
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
	public static String json(OperationOutcome outcome) {
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
