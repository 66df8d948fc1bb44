package org.onetrip.server.hapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.parser.JsonParser;
import ca.uhn.fhir.parser.PlainOutcomeJsonParser;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.ServerTest;

/**
 * A plain OperationOutcome (every refusal) is written without HAPI's encoder, byte for byte as HAPI writes it; every
 * encoding it does not cover exactly (pretty, element filters, summaries, an outcome with more than a severity, code and
 * text) is still HAPI's encoder's.
 */
class PlainOutcomeJsonParserTest extends ServerTest {

	/** Characters JSON must escape, and some it must not. */
	private static final String AWKWARD = "quote \" backslash \\ slash / newline \n tab \t nul \u0000 bell \u0007 "
			+ "unit separator \u001f delete \u007f é 漢字 emoji \uD83D\uDE00 line separator \u2028 end";

	@Test
	void theOutcomeIsWrittenAsHapisEncoderWritesIt() {
		OperationOutcome oneIssue = outcome(IssueSeverity.ERROR, IssueType.CONFLICT, "Appointment not booked: the slot is full");
		OperationOutcome awkward = outcome(IssueSeverity.ERROR, IssueType.INVALID, AWKWARD);
		OperationOutcome several = outcome(IssueSeverity.ERROR, IssueType.PROCESSING, "first");
		several.addIssue().setSeverity(IssueSeverity.WARNING).setCode(IssueType.INFORMATIONAL).setDiagnostics("second");
		several.addIssue().setSeverity(IssueSeverity.INFORMATION).setCode(IssueType.INFORMATIONAL); // no text
		several.addIssue().setSeverity(IssueSeverity.FATAL).setCode(IssueType.EXCEPTION).setDiagnostics("");

		for (OperationOutcome outcome : new OperationOutcome[] {oneIssue, awkward, several}) {
			assertThat(PlainOutcomeJsonParser.isPlain(outcome)).isTrue();
			assertThat(PlainOutcomeJsonParser.json(outcome)).isEqualTo(hapis().encodeResourceToString(outcome));
		}
	}

	@Test
	void theServersParserWritesEveryOutcomeAsHapisDoesWhateverItIsAskedFor() {
		IParser servers = fhirContext.newJsonParser();
		assertThat(servers).isInstanceOf(PlainOutcomeJsonParser.class);
		OperationOutcome awkward = outcome(IssueSeverity.ERROR, IssueType.INVALID, AWKWARD);
		OperationOutcome withExpression = plain();
		withExpression.getIssueFirstRep().addExpression("Appointment.slot[0]");
		for (OperationOutcome outcome : new OperationOutcome[] {awkward, withExpression}) {
			assertThat(fhirContext.newJsonParser().encodeResourceToString(outcome)).isEqualTo(hapis().encodeResourceToString(outcome));
			assertThat(fhirContext.newJsonParser().setPrettyPrint(true).encodeResourceToString(outcome)).contains("\n")
					.isEqualTo(hapis().setPrettyPrint(true).encodeResourceToString(outcome));
			assertThat(fhirContext.newJsonParser().setSummaryMode(true).encodeResourceToString(outcome))
					.isEqualTo(hapis().setSummaryMode(true).encodeResourceToString(outcome));
			assertThat(fhirContext.newJsonParser().setEncodeElements(Set.of("OperationOutcome.issue.severity")).encodeResourceToString(outcome))
					.isEqualTo(hapis().setEncodeElements(Set.of("OperationOutcome.issue.severity")).encodeResourceToString(outcome));
			assertThat(fhirContext.newJsonParser().setDontEncodeElements(Set.of("OperationOutcome.issue.diagnostics")).encodeResourceToString(outcome))
					.isEqualTo(hapis().setDontEncodeElements(Set.of("OperationOutcome.issue.diagnostics")).encodeResourceToString(outcome));
		}
		// Inside a Bundle (a transaction's answer, say) HAPI's encoder writes the outcome, as before.
		Bundle bundle = new Bundle().setType(Bundle.BundleType.BATCHRESPONSE);
		bundle.addEntry().getResponse().setStatus("409 Conflict").setOutcome(awkward);
		assertThat(fhirContext.newJsonParser().encodeResourceToString(bundle)).isEqualTo(hapis().encodeResourceToString(bundle));
		// And it reads as HAPI's parser reads, with the server's error handler (strict: an unknown element is refused).
		assertThatThrownBy(() -> fhirContext.newJsonParser().parseResource("{\"resourceType\":\"Patient\",\"nonsense\":1}"))
				.isInstanceOf(ca.uhn.fhir.parser.DataFormatException.class);
	}

	/** HAPI's own JSON parser, as the server's context would give it without OneTrip's. */
	private IParser hapis() {
		return new JsonParser(fhirContext, new ca.uhn.fhir.parser.LenientErrorHandler());
	}

	@Test
	void anOutcomeWithMoreThanSeverityCodeAndTextIsLeftToHapi() {
		assertThat(PlainOutcomeJsonParser.isPlain(new OperationOutcome())).as("no issue").isFalse();
		OperationOutcome withId = plain();
		withId.setId("oo-1");
		assertThat(PlainOutcomeJsonParser.isPlain(withId)).as("an id").isFalse();
		OperationOutcome withMeta = plain();
		withMeta.getMeta().setVersionId("1");
		assertThat(PlainOutcomeJsonParser.isPlain(withMeta)).as("meta").isFalse();
		OperationOutcome withText = plain();
		withText.getText().setStatus(org.hl7.fhir.r4.model.Narrative.NarrativeStatus.GENERATED).setDivAsString("<div>x</div>");
		assertThat(PlainOutcomeJsonParser.isPlain(withText)).as("a narrative").isFalse();
		OperationOutcome withDetails = plain();
		withDetails.getIssueFirstRep().setDetails(new CodeableConcept().setText("details"));
		assertThat(PlainOutcomeJsonParser.isPlain(withDetails)).as("details").isFalse();
		OperationOutcome withExpression = plain();
		withExpression.getIssueFirstRep().addExpression("Appointment.slot[0]");
		assertThat(PlainOutcomeJsonParser.isPlain(withExpression)).as("an expression").isFalse();
		OperationOutcome withLocation = plain();
		withLocation.getIssueFirstRep().addLocation("/f:Appointment");
		assertThat(PlainOutcomeJsonParser.isPlain(withLocation)).as("a location").isFalse();
		OperationOutcome withExtension = plain();
		withExtension.getIssueFirstRep().addExtension("urn:x", new StringType("y"));
		assertThat(PlainOutcomeJsonParser.isPlain(withExtension)).as("an issue's extension").isFalse();
		OperationOutcome withTextExtension = plain();
		withTextExtension.getIssueFirstRep().getDiagnosticsElement().addExtension("urn:x", new StringType("y"));
		assertThat(PlainOutcomeJsonParser.isPlain(withTextExtension)).as("the text's extension").isFalse();
		OperationOutcome withoutCode = new OperationOutcome();
		withoutCode.addIssue().setSeverity(IssueSeverity.ERROR).setDiagnostics("no code");
		assertThat(PlainOutcomeJsonParser.isPlain(withoutCode)).as("no code").isFalse();
	}

	@Test
	void aRefusalOverHttpIsHapisJsonWithHapisHeaders() {
		String awkwardName = "unknown\"é漢";
		FhirHttp.Response refused = fhir.get("/Patient?" + URLEncoder.encode(awkwardName, StandardCharsets.UTF_8) + "=1");

		assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
		assertThat(refused.header("Content-Type")).isEqualToIgnoringCase("application/fhir+json;charset=utf-8");
		assertThat(refused.header("X-Request-ID")).as("HAPI's request id, as on every answer").isNotBlank();
		OperationOutcome outcome = refused.outcome();
		assertThat(outcome.getIssueFirstRep().getDiagnostics()).contains("unknown", "é漢", "\"Patient\""); // HAPI escapes the quote itself
		assertThat(refused.body()).isEqualTo(hapis().encodeResourceToString(outcome));

		FhirHttp.Response missing = fhir.get("/Patient/" + unique("nobody"));
		assertThat(missing.status()).isEqualTo(404);
		assertThat(missing.body()).isEqualTo(hapis().encodeResourceToString(missing.outcome()));
	}

	@Test
	void xmlPrettyAndBrowserAnswersAreAsBefore() {
		FhirHttp.Response xml = fhir.get("/Patient?birthdate=not-a-date&_format=xml");
		assertThat(xml.status()).isEqualTo(400);
		assertThat(xml.header("Content-Type")).startsWith("application/fhir+xml");
		assertThat(xml.body()).contains("<OperationOutcome");

		FhirHttp.Response pretty = fhir.get("/Patient?birthdate=not-a-date&_pretty=true");
		assertThat(pretty.status()).isEqualTo(400);
		assertThat(pretty.body()).contains("\n").isEqualTo(hapis().setPrettyPrint(true)
				.encodeResourceToString(pretty.outcome()));

		FhirHttp.Response browser = fhir.get("/Patient?birthdate=not-a-date", Map.of("Accept", "text/html"));
		assertThat(browser.status()).isEqualTo(400);
		assertThat(browser.header("Content-Type")).as("the browser's page comes first").startsWith("text/html");
	}

	private static OperationOutcome plain() {
		return outcome(IssueSeverity.ERROR, IssueType.CONFLICT, "refused");
	}

	private static OperationOutcome outcome(IssueSeverity severity, IssueType type, String diagnostics) {
		OperationOutcome outcome = new OperationOutcome();
		outcome.addIssue().setSeverity(severity).setCode(type).setDiagnostics(diagnostics);
		return outcome;
	}
}
