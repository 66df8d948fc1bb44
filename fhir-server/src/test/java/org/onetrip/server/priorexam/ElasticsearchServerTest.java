package org.onetrip.server.priorexam;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.Map;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.OneTripInstance;

/**
 * A OneTrip server whose prior-exam index is Elasticsearch (a real node): a report stored at hospital B is a prior
 * exam for an order at hospital A at once, through the duplicate check and the person's prior exams.
 */
class ElasticsearchServerTest {

	static ElasticsearchNode node;
	static CuttableProxy link;
	static OneTripInstance server;

	@BeforeAll
	static void start() throws Exception {
		node = ElasticsearchNode.start();
		link = new CuttableProxy(node.httpPort());
		server = OneTripInstance.start(Map.of(
				"onetrip.prior-exam.index", "elasticsearch",
				"onetrip.elasticsearch.url", link.url(),
				"onetrip.dicom.enabled", "false",
				"onetrip.data-dir", "target/es-instance-" + java.util.UUID.randomUUID()));
	}

	@AfterAll
	static void stop() {
		if (server != null) server.close();
		if (link != null) {
			try {
				link.close();
			} catch (java.io.IOException ignored) {
				// closing anyway
			}
		}
		if (node != null) node.close();
	}

	@Test
	void aReportFromHospitalBIsADuplicateForHospitalAsOrderAtOnce() throws Exception {
		FhirHttp fhir = server.fhir();
		String patientId = patient(fhir);
		assertThat(fhir.post("/DiagnosticReport", ctHeadAtHospitalB(patientId, 5)).status()).isEqualTo(201);

		ServiceRequest order = new ServiceRequest();
		order.setStatus(ServiceRequest.ServiceRequestStatus.DRAFT);
		order.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
		order.setCode(new CodeableConcept(new Coding("http://loinc.org", "30799-1", null))); // CT head plain
		order.setSubject(new Reference("Patient/" + patientId));
		Parameters in = new Parameters();
		in.addParameter().setName("request").setResource(order);
		String answer = fhir.post("/ServiceRequest/$duplicate-check", in).body();
		assertThat(answer).as("right after the write, from the outbox or the index").contains("\"valueCode\":\"duplicate\"").contains("CT Head");
		assertThat(fhir.get("/Patient/" + patientId + "/$prior-exams").body()).contains("CT Head");
	}

	@Test
	void aLostIndexIsRebuiltFromTheFhirStoreByTheRegionsOperator() throws Exception {
		FhirHttp fhir = server.fhir();
		String patientId = patient(fhir);
		assertThat(fhir.post("/DiagnosticReport", ctHeadAtHospitalB(patientId, 5)).status()).isEqualTo(201);
		awaitPriorExams(fhir, patientId, true);

		java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
		var deleted = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(node.url() + "/onetrip-prior-exams")).DELETE().build(),
				java.net.http.HttpResponse.BodyHandlers.ofString());
		assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);

		assertThat(fhir.as(org.onetrip.server.TestTokens.hospital("hospital-a", "user/*.cruds"))
				.post("/$reindex-prior-exams", new Parameters()).status()).as("not a hospital's to start").isEqualTo(403);
		FhirHttp.Response started = fhir.post("/$reindex-prior-exams", new Parameters());
		assertThat(started.status()).as(started.toString()).isEqualTo(200);
		long deadline = System.currentTimeMillis() + 60_000;
		String state = "";
		while (!state.equals("done") && System.currentTimeMillis() < deadline) {
			Parameters status = fhir.get("/$reindex-prior-exams-status").as(Parameters.class);
			state = status.getParameter("state").getValue().primitiveValue();
			assertThat(state).isNotEqualTo("failed");
			Thread.sleep(200);
		}
		assertThat(state).isEqualTo("done");
		awaitPriorExams(fhir, patientId, true);
	}

	@Test
	void whileElasticsearchIsUnreachableTheDuplicateCheckSaysItCannotTellAndReportsStillStore() throws Exception {
		FhirHttp fhir = server.fhir();
		String patientId = patient(fhir);
		ServiceRequest order = new ServiceRequest();
		order.setStatus(ServiceRequest.ServiceRequestStatus.DRAFT);
		order.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
		order.setCode(new CodeableConcept(new Coding("http://loinc.org", "30799-1", null)));
		order.setSubject(new Reference("Patient/" + patientId));
		Parameters in = new Parameters();
		in.addParameter().setName("request").setResource(order);
		link.cut();
		try {
			FhirHttp.Response unknown = fhir.post("/ServiceRequest/$duplicate-check", in);
			assertThat(unknown.status()).as(unknown.toString()).isEqualTo(503);
			assertThat(unknown.body()).contains("cannot be checked right now");
			assertThat(fhir.post("/DiagnosticReport", ctHeadAtHospitalB(patientId, 2)).status()).as("writes do not wait for Elasticsearch").isEqualTo(201);
		} finally {
			link.restore();
		}
		awaitPriorExams(fhir, patientId, true);
		assertThat(fhir.post("/ServiceRequest/$duplicate-check", in).body()).contains("\"valueCode\":\"duplicate\"");
	}

	/** A Patient known by a citizen ID only; its id. */
	private static String patient(FhirHttp fhir) {
		Patient patient = new Patient();
		patient.addIdentifier().setSystem("urn:onetrip:citizen-id").setValue("3304021999" + (System.nanoTime() % 100_000_000));
		return fhir.post("/Patient", patient).as(Patient.class).getIdElement().getIdPart();
	}

	/** A final CT head report (hospital B's local code RAD1010) from {@code daysAgo}. */
	private static DiagnosticReport ctHeadAtHospitalB(String patientId, int daysAgo) {
		DiagnosticReport report = new DiagnosticReport();
		report.setStatus(DiagnosticReport.DiagnosticReportStatus.FINAL);
		report.setCode(new CodeableConcept(new Coding("urn:onetrip:exam-code:hospital-b", "RAD1010", null)));
		report.setSubject(new Reference("Patient/" + patientId));
		report.setEffective(new DateTimeType(Date.from(Instant.now().minus(daysAgo, ChronoUnit.DAYS))));
		report.addPerformer(new Reference("Organization/hospital-b"));
		return report;
	}

	private static void awaitPriorExams(FhirHttp fhir, String patientId, boolean present) throws InterruptedException {
		long deadline = System.currentTimeMillis() + 30_000;
		while (System.currentTimeMillis() < deadline) {
			FhirHttp.Response exams = fhir.get("/Patient/" + patientId + "/$prior-exams");
			if (exams.status() == 200 && exams.body().contains("CT Head") == present) {
				return;
			}
			Thread.sleep(200);
		}
		throw new AssertionError("prior exams of Patient/" + patientId + (present ? " never showed" : " still show") + " CT Head");
	}
}
