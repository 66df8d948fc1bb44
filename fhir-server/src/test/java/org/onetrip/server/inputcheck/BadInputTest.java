package org.onetrip.server.inputcheck;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.FhirHttp.Response;
import org.onetrip.server.ServerTest;

/** Each kind of bad input gets a 4xx with an OperationOutcome that names the problem, and stores nothing. */
class BadInputTest extends ServerTest {

	private String family;

	@BeforeEach
	void marker() {
		family = unique("Bad");
	}

	private int patientsWithMarker() {
		return fhir.get("/Patient?family=" + family + "&_summary=count").bundle().getTotal();
	}

	private static String diagnostics(Response response) {
		assertThat(response.body()).contains("OperationOutcome");
		return response.outcome().getIssue().stream().map(OperationOutcome.OperationOutcomeIssueComponent::getDiagnostics)
				.reduce("", String::concat);
	}

	@Test
	void malformedJsonIs400AndSaysWhereItBroke() {
		Response r = fhir.post("/Patient", "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"" + family + "\"}", Map.of());
		assertThat(r.status()).isEqualTo(400);
		assertThat(diagnostics(r)).contains("Failed to parse");
		assertThat(patientsWithMarker()).isZero();
	}

	@Test
	void malformedXmlIs400() {
		Response r = fhir.post("/Patient", "<Patient xmlns=\"http://hl7.org/fhir\"><name><family value=\"" + family + "\"/>",
				Map.of("Content-Type", FhirHttp.FHIR_XML));
		assertThat(r.status()).isEqualTo(400);
		assertThat(patientsWithMarker()).isZero();
	}

	@Test
	void aMisspeltElementIsRefusedRatherThanSilentlyDropped() {
		Response r = fhir.post("/Patient",
				"{\"resourceType\":\"Patient\",\"birthdate\":\"1990-01-01\",\"name\":[{\"family\":\"" + family + "\"}]}", Map.of());
		assertThat(r.status()).isEqualTo(400);
		assertThat(diagnostics(r)).contains("Unknown element 'birthdate'");
		assertThat(patientsWithMarker()).isZero();
	}

	@Test
	void anUnknownResourceTypeIs404() {
		Response r = fhir.post("/Patientt", "{\"resourceType\":\"Patientt\"}", Map.of());
		assertThat(r.status()).isEqualTo(404);
		assertThat(diagnostics(r)).contains("Unknown resource type 'Patientt'");
	}

	@Test
	void aReferenceToAMissingResourceIs400AndNamesThePath() {
		String body = "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"" + family
				+ "\"},\"subject\":{\"reference\":\"Patient/" + unique("missing") + "\"}}";
		int before = fhir.get("/Observation?_summary=count").bundle().getTotal();
		Response r = fhir.post("/Observation", body, Map.of());
		assertThat(r.status()).isEqualTo(400);
		assertThat(diagnostics(r)).contains("Observation.subject");
		assertThat(fhir.get("/Observation?_summary=count").bundle().getTotal()).as("nothing stored").isEqualTo(before);
	}

	@Test
	void aTokenTextSearchIsRefusedRatherThanAnsweredEmptyWhenDisplayTextIsNotIndexed() {
		Response r = fhir.get("/Observation?code:text=glucose");
		assertThat(r.status()).as(r.toString()).isBetween(400, 499);
		assertThat(r.body()).contains("OperationOutcome").contains(":text");
	}

	@Test
	void aMissingRequiredElementIs422AndListsEveryMissingPath() {
		String body = "{\"resourceType\":\"Appointment\",\"description\":\"" + family + "\",\"participant\":[{\"actor\":{\"display\":\"x\"}}]}";
		Response r = fhir.post("/Appointment", body, Map.of());
		assertThat(r.status()).isEqualTo(422);
		assertThat(r.outcome().getIssue()).extracting(i -> i.getExpression().get(0).getValue())
				.containsExactlyInAnyOrder("Appointment.status", "Appointment.participant.status");
	}

	@Test
	void oneBadEntryRollsBackTheWholeTransaction() {
		Bundle tx = new Bundle().setType(Bundle.BundleType.TRANSACTION);
		Patient good = new Patient();
		good.addName().setFamily(family);
		tx.addEntry().setResource(good).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Patient");
		org.hl7.fhir.r4.model.Observation bad = new org.hl7.fhir.r4.model.Observation();
		bad.getCode().setText("no status");
		tx.addEntry().setResource(bad).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Observation");

		Response r = fhir.post("/", tx);
		assertThat(r.status()).isEqualTo(422);
		assertThat(diagnostics(r)).contains("Observation.status");
		assertThat(patientsWithMarker()).isZero();
	}

	@Test
	void aBodyOverTheLimitIs413() {
		String padding = " ".repeat(21 * 1024 * 1024);
		Response r = fhir.post("/Patient", "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"" + family + "\"}]}" + padding, Map.of());
		assertThat(r.status()).isEqualTo(413);
		assertThat(diagnostics(r)).contains("exceeds the limit");
		assertThat(patientsWithMarker()).isZero();
	}
}
