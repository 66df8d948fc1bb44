package org.onetrip.server.priorexam;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.Map;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ConceptMap;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Enumerations.ConceptMapEquivalence;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.junit.jupiter.api.Test;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.ServerTest;

/**
 * The duplicate-examination alert, scenario by scenario, over real HTTP: hospitals post reports and
 * studies through FHIR, a doctor's system calls the CDS Hooks service or the FHIR operation.
 */
class DuplicateExamAlertTest extends ServerTest {

	static final String CITIZEN = "urn:onetrip:citizen-id";
	static final String MRN_A = "urn:onetrip:mrn:hospital-a";
	static final String MRN_B = "urn:onetrip:mrn:hospital-b";
	static final String CODES_A = "urn:onetrip:exam-code:hospital-a";
	static final String CODES_B = "urn:onetrip:exam-code:hospital-b";
	static final String LOINC = "http://loinc.org";
	static final String DOCTOR_AT_A = "PractitionerRole/hospital-a-zhang-min-role";
	static final ObjectMapper JSON = new ObjectMapper();

	/** A person registered at hospital B only (citizen ID + B's MRN); hospital A knows them under its own MRN. */
	record Person(String citizenId, String patientIdAtOneTrip, String mrnAtA) {}

	private Person registeredAtHospitalB() {
		Person person = new Person(unique("3301"), null, unique("A"));
		Patient atB = new Patient();
		atB.addIdentifier().setSystem(CITIZEN).setValue(person.citizenId());
		atB.addIdentifier().setSystem(MRN_B).setValue(unique("B"));
		atB.addName().setFamily("Xu").addGiven("Jinju");
		FhirHttp.Response created = fhir.post("/Patient", atB);
		assertThat(created.status()).isEqualTo(201);
		return new Person(person.citizenId(), created.as(Patient.class).getIdElement().getIdPart(), person.mrnAtA());
	}

	private String reportAtHospitalB(Person person, String localCode, int daysAgo, String status) {
		DiagnosticReport report = new DiagnosticReport();
		report.setStatus(DiagnosticReport.DiagnosticReportStatus.fromCode(status));
		report.setCode(new CodeableConcept(new Coding(CODES_B, localCode, null)));
		report.setSubject(new Reference("Patient/" + person.patientIdAtOneTrip()));
		report.setEffective(new DateTimeType(Date.from(Instant.now().minus(daysAgo, ChronoUnit.DAYS))));
		report.addPerformer(new Reference("Organization/hospital-b"));
		report.setConclusion("No pulmonary nodules.");
		FhirHttp.Response created = fhir.post("/DiagnosticReport", report);
		assertThat(created.status()).as(created.toString()).isEqualTo(201);
		return created.as(DiagnosticReport.class).getIdElement().getIdPart();
	}

	/** An order-sign request as hospital A's workstation sends it: A's own patient id and MRN, prefetched. */
	private String orderSign(Person person, String system, String code, String priority) {
		ServiceRequest order = new ServiceRequest();
		order.setId("order-" + UUID.randomUUID());
		order.setStatus(ServiceRequest.ServiceRequestStatus.DRAFT);
		order.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
		order.setCode(new CodeableConcept(new Coding(system, code, null)));
		order.setSubject(new Reference("Patient/his-a-42"));
		if (priority != null) {
			order.setPriority(ServiceRequest.ServiceRequestPriority.fromCode(priority));
		}
		Bundle drafts = new Bundle().setType(Bundle.BundleType.COLLECTION);
		drafts.addEntry().setResource(order);
		Patient asKnownAtA = new Patient();
		asKnownAtA.setId("his-a-42");
		asKnownAtA.addIdentifier().setSystem(MRN_A).setValue(person.mrnAtA());
		asKnownAtA.addIdentifier().setSystem(CITIZEN).setValue(person.citizenId());
		return """
				{"hook": "order-sign", "hookInstance": "%s", "fhirServer": "https://his.hospital-a.example/fhir",
				 "context": {"userId": "%s", "patientId": "his-a-42", "draftOrders": %s},
				 "prefetch": {"patient": %s}}
				""".formatted(UUID.randomUUID(), DOCTOR_AT_A, fhir.json(drafts), fhir.json(asKnownAtA));
	}

	private JsonNode cards(String service, String request) throws Exception {
		FhirHttp.Response response = fhir.post(cdsBase() + "/" + service, request, Map.of("Content-Type", "application/json"));
		assertThat(response.status()).as(response.toString()).isEqualTo(200);
		return JSON.readTree(response.body()).get("cards");
	}

	private String cdsBase() {
		return "http://127.0.0.1:" + port + "/cds-services";
	}

	@Test
	void aCtChestDoneAtHospitalBTenDaysAgoAlertsTheDoctorOrderingACtChestAtHospitalA() throws Exception {
		Person person = registeredAtHospitalB();
		String report = reportAtHospitalB(person, "RAD1003", 10, "final");

		JsonNode cards = cards("onetrip-duplicate-exam-sign", orderSign(person, CODES_A, "CT-CHEST", null));

		assertThat(cards).hasSize(1);
		JsonNode card = cards.get(0);
		assertThat(card.get("indicator").asText()).isEqualTo("warning");
		assertThat(card.get("summary").asText()).contains("CT Chest").contains("10 days ago").contains("Hospital B");
		assertThat(card.get("summary").asText().length()).isLessThanOrEqualTo(140);
		assertThat(card.get("detail").asText()).contains("report final").contains("No pulmonary nodules");
		assertThat(card.get("links").toString()).contains("/fhir/DiagnosticReport/" + report);
		assertThat(card.at("/suggestions/0/actions/0/type").asText()).isEqualTo("delete");
		assertThat(card.at("/suggestions/0/actions/0/resourceId/0").asText()).startsWith("ServiceRequest/order-");
		assertThat(card.get("overrideReasons").findValuesAsText("code"))
				.contains("emergency", "changed-clinical-picture", "prior-result-insufficient", "patient-request");
	}

	@Test
	void theSameCtChestDone120DaysAgoIsOutsideTheWindowAndDoesNotAlert() throws Exception {
		Person person = registeredAtHospitalB();
		reportAtHospitalB(person, "RAD1003", 120, "final");
		assertThat(cards("onetrip-duplicate-exam-sign", orderSign(person, CODES_A, "CT-CHEST", null))).isEmpty();
	}

	@Test
	void aChestRadiographDoesNotAlertForACtChestOrder() throws Exception {
		Person person = registeredAtHospitalB();
		reportAtHospitalB(person, "RAD2002", 5, "final");
		assertThat(cards("onetrip-duplicate-exam-sign", orderSign(person, CODES_A, "CT-CHEST", null))).isEmpty();
	}

	@Test
	void aPlainCtChestRepeatsAContrastCtChestOrderedByItsCatalogueCode() throws Exception {
		Person person = registeredAtHospitalB();
		reportAtHospitalB(person, "RAD1001", 30, "final"); // CT chest plain at B
		JsonNode cards = cards("onetrip-duplicate-exam-sign", orderSign(person, LOINC, "24628-0", "routine"));
		assertThat(cards).hasSize(1);
		assertThat(cards.get(0).get("indicator").asText()).isEqualTo("warning");
	}

	@Test
	void anEmergencyOrderIsOnlyInformedAndNotSuggestedForRemoval() throws Exception {
		Person person = registeredAtHospitalB();
		reportAtHospitalB(person, "RAD1003", 2, "final");
		JsonNode cards = cards("onetrip-duplicate-exam-sign", orderSign(person, CODES_A, "CT-CHEST", "stat"));
		assertThat(cards).hasSize(1);
		assertThat(cards.get(0).get("indicator").asText()).isEqualTo("info");
		assertThat(cards.get(0).has("suggestions")).isFalse();
		assertThat(cards.get(0).get("summary").asText()).startsWith("Emergency order");
	}

	@Test
	void aReportEnteredInErrorNoLongerCounts() throws Exception {
		Person person = registeredAtHospitalB();
		String report = reportAtHospitalB(person, "RAD1003", 3, "final");
		DiagnosticReport voided = fhir.get("/DiagnosticReport/" + report).as(DiagnosticReport.class);
		voided.setStatus(DiagnosticReport.DiagnosticReportStatus.ENTEREDINERROR);
		assertThat(fhir.put("/DiagnosticReport/" + report, voided).status()).isEqualTo(200);
		assertThat(cards("onetrip-duplicate-exam-sign", orderSign(person, CODES_A, "CT-CHEST", null))).isEmpty();
	}

	@Test
	void aPatientAnOperatorLinkedIsTheSamePerson() throws Exception {
		Person person = registeredAtHospitalB();
		// Hospital C registered the same person without a citizen ID; an operator linked the two records.
		Patient atClinic = new Patient();
		atClinic.addIdentifier().setSystem("urn:onetrip:mrn:clinic-c").setValue(unique("C"));
		atClinic.addLink().setOther(new Reference("Patient/" + person.patientIdAtOneTrip()))
				.setType(Patient.LinkType.SEEALSO);
		String clinicPatient = fhir.post("/Patient", atClinic).as(Patient.class).getIdElement().getIdPart();
		ImagingStudy study = new ImagingStudy();
		study.setStatus(ImagingStudy.ImagingStudyStatus.AVAILABLE);
		study.setSubject(new Reference("Patient/" + clinicPatient));
		study.setStarted(Date.from(Instant.now().minus(20, ChronoUnit.DAYS)));
		study.addIdentifier().setSystem("urn:dicom:uid").setValue("urn:oid:2.25." + UUID.randomUUID().getMostSignificantBits() / 2 * -1);
		study.addSeries().setUid("2.25.1").setModality(new Coding("http://dicom.nema.org/resources/ontology/DCM", "CT", null))
				.setBodySite(new Coding(null, null, "CHEST"));
		assertThat(fhir.post("/ImagingStudy", study).status()).isEqualTo(201);

		JsonNode cards = cards("onetrip-duplicate-exam-sign", orderSign(person, CODES_A, "CT-CHEST", null));
		assertThat(cards).hasSize(1);
		assertThat(cards.get(0).get("detail").asText()).contains("images available, no report yet");
	}

	@Test
	void anUnmappedLocalCodeGivesNoFalseAlertButAnInfoCardAndAMetric() throws Exception {
		Person person = registeredAtHospitalB();
		reportAtHospitalB(person, "RAD1003", 10, "final");
		JsonNode cards = cards("onetrip-duplicate-exam-sign", orderSign(person, CODES_A, "CT-CHEST-NEW", null));
		assertThat(cards).hasSize(1);
		assertThat(cards.get(0).get("indicator").asText()).isEqualTo("info");
		assertThat(cards.get(0).get("summary").asText()).contains("CT-CHEST-NEW").contains("not mapped");
		String metrics = fhir.get("http://127.0.0.1:" + port + "/actuator/prometheus", "text/plain").body();
		assertThat(metrics).contains("onetrip_exam_codes_unmapped_total{").contains("hospital=\"hospital-a\"");
	}

	@Test
	void aConceptMapPutThroughFhirTakesEffectWithoutARestart() throws Exception {
		Person person = registeredAtHospitalB();
		reportAtHospitalB(person, "RAD1003", 10, "final");
		String newCode = unique("CT-THORAX");
		ConceptMap map = fhir.get("/ConceptMap/exam-codes-hospital-a").as(ConceptMap.class);
		map.getGroupFirstRep().addElement().setCode(newCode).addTarget().setCode("24627-2")
				.setEquivalence(ConceptMapEquivalence.EQUIVALENT);
		assertThat(fhir.put("/ConceptMap/exam-codes-hospital-a", map).status()).isEqualTo(200);

		JsonNode cards = cards("onetrip-duplicate-exam-sign", orderSign(person, CODES_A, newCode, null));
		assertThat(cards).hasSize(1);
		assertThat(cards.get(0).get("indicator").asText()).isEqualTo("warning");
	}

	@Test
	void aDeletedConceptMapUnmapsThatHospitalsCodesAtOnce() throws Exception {
		Person person = registeredAtHospitalB();
		reportAtHospitalB(person, "RAD1003", 10, "final");
		String codesD = "urn:onetrip:exam-code:imaging-d";
		ConceptMap map = fhir.get("/ConceptMap/exam-codes-imaging-d").as(ConceptMap.class);
		assertThat(cards("onetrip-duplicate-exam-sign", orderSign(person, codesD, "D.CT.THX", null)).get(0)
				.get("indicator").asText()).isEqualTo("warning");
		try {
			assertThat(fhir.delete("/ConceptMap/exam-codes-imaging-d").status()).isEqualTo(200);
			JsonNode cards = cards("onetrip-duplicate-exam-sign", orderSign(person, codesD, "D.CT.THX", null));
			assertThat(cards.get(0).get("indicator").asText()).isEqualTo("info");
			assertThat(cards.get(0).get("summary").asText()).contains("not mapped");
		} finally {
			map.getMeta().setVersionId(null);
			assertThat(fhir.put("/ConceptMap/exam-codes-imaging-d", map).status()).isIn(200, 201);
		}
		assertThat(cards("onetrip-duplicate-exam-sign", orderSign(person, codesD, "D.CT.THX", null)).get(0)
				.get("indicator").asText()).isEqualTo("warning");
	}

	@Test
	void aConceptMapPointingOutsideTheCatalogueIsRefusedAndChangesNothing() {
		ConceptMap map = fhir.get("/ConceptMap/exam-codes-hospital-a").as(ConceptMap.class);
		String version = map.getMeta().getVersionId();
		map.getGroupFirstRep().addElement().setCode("BAD").addTarget().setCode("99999-9")
				.setEquivalence(ConceptMapEquivalence.EQUIVALENT);
		FhirHttp.Response refused = fhir.put("/ConceptMap/exam-codes-hospital-a", map);
		assertThat(refused.status()).isEqualTo(422);
		assertThat(refused.body()).contains("99999-9").contains("not in the regional exam catalogue");
		assertThat(fhir.get("/ConceptMap/exam-codes-hospital-a").as(ConceptMap.class).getMeta().getVersionId()).isEqualTo(version);
	}

	@Test
	void feedbackIsRecordedCountedAndAudited() throws Exception {
		Person person = registeredAtHospitalB();
		reportAtHospitalB(person, "RAD1010", 10, "final"); // CT head at B
		String service = "onetrip-duplicate-exam-select";
		String request = orderSign(person, CODES_A, "CT-HEAD", null).replace("\"order-sign\"", "\"order-select\"");
		String orderId = JSON.readTree(request).at("/context/draftOrders/entry/0/resource/id").asText();
		request = request.replace("\"patientId\":", "\"selections\": [\"ServiceRequest/" + orderId + "\"], \"patientId\":");
		JsonNode first = cards(service, request).get(0);
		JsonNode second = cards(service, request).get(0);

		String feedback = """
				{"feedback": [
				  {"card": "%s", "outcome": "accepted", "acceptedSuggestions": [{"id": "%s"}], "outcomeTimestamp": "%s"},
				  {"card": "%s", "outcome": "overridden", "outcomeTimestamp": "%s",
				   "overrideReason": {"reason": {"system": "urn:onetrip:cds:override-reason", "code": "changed-clinical-picture"},
				                      "userComment": "new neurological signs"}}]}
				""".formatted(first.get("uuid").asText(), first.at("/suggestions/0/uuid").asText(), Instant.now(),
				second.get("uuid").asText(), Instant.now());
		FhirHttp.Response answered = fhir.post(cdsBase() + "/" + service + "/feedback", feedback, Map.of("Content-Type", "application/json"));
		assertThat(answered.status()).as(answered.toString()).isEqualTo(200);

		Parameters stats = fhir.get("/$duplicate-exam-statistics").as(Parameters.class);
		var headAtA = stats.getParameter().stream().filter(p -> p.getName().equals("tally"))
				.filter(p -> p.getPart().stream().anyMatch(x -> x.getName().equals("examType")
						&& ((Coding) x.getValue()).getCode().equals("24725-4")))
				.filter(p -> p.getPart().stream().anyMatch(x -> x.getName().equals("hospital")
						&& ((Reference) x.getValue()).getReference().equals("Organization/hospital-a")))
				.findFirst().orElseThrow();
		assertThat(part(headAtA, "issued")).isGreaterThanOrEqualTo(2);
		assertThat(part(headAtA, "accepted")).isGreaterThanOrEqualTo(1);
		assertThat(part(headAtA, "overridden")).isGreaterThanOrEqualTo(1);

		Bundle audits = fhir.get("/AuditEvent?type=urn:onetrip:audit-event-type|duplicate-exam-feedback&entity=Patient/"
				+ person.patientIdAtOneTrip()).bundle();
		assertThat(audits.getEntry()).hasSize(2);
		String metrics = fhir.get("http://127.0.0.1:" + port + "/actuator/prometheus", "text/plain").body();
		assertThat(metrics).contains("onetrip_cds_feedback_total{").contains("reason=\"changed-clinical-picture\"");

		// The same answer again does not count twice; an unknown card is refused and changes nothing.
		assertThat(fhir.post(cdsBase() + "/" + service + "/feedback", feedback, Map.of("Content-Type", "application/json")).status())
				.isEqualTo(200);
		assertThat(fhir.get("/AuditEvent?type=urn:onetrip:audit-event-type|duplicate-exam-feedback&entity=Patient/"
				+ person.patientIdAtOneTrip()).bundle().getEntry()).hasSize(2);
		String unknown = feedback.replace(second.get("uuid").asText(), UUID.randomUUID().toString());
		assertThat(fhir.post(cdsBase() + "/" + service + "/feedback", unknown, Map.of("Content-Type", "application/json")).status())
				.isEqualTo(404);
	}

	private static int part(Parameters.ParametersParameterComponent p, String name) {
		return p.getPart().stream().filter(x -> x.getName().equals(name)).findFirst()
				.map(x -> ((org.hl7.fhir.r4.model.IntegerType) x.getValue()).getValue()).orElse(0);
	}

	@Test
	void malformedHookRequestsGet400WithAReason() {
		Map<String, String> json = Map.of("Content-Type", "application/json");
		String sign = cdsBase() + "/onetrip-duplicate-exam-sign";
		FhirHttp.Response notJson = fhir.post(sign, "{not json", json);
		assertThat(notJson.status()).isEqualTo(400);
		assertThat(notJson.body()).contains("not JSON");
		FhirHttp.Response wrongHook = fhir.post(sign, "{\"hook\":\"patient-view\",\"hookInstance\":\"x\",\"context\":{}}", json);
		assertThat(wrongHook.status()).isEqualTo(400);
		assertThat(wrongHook.body()).contains("order-sign");
		FhirHttp.Response noOrders = fhir.post(sign, "{\"hook\":\"order-sign\",\"hookInstance\":\"x\",\"context\":{\"patientId\":\"p\"}}", json);
		assertThat(noOrders.status()).isEqualTo(400);
		assertThat(noOrders.body()).contains("draftOrders");
		FhirHttp.Response badFhir = fhir.post(sign, "{\"hook\":\"order-sign\",\"hookInstance\":\"x\",\"context\":{\"patientId\":\"p\","
				+ "\"draftOrders\":{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entri\":[{\"fullUrl\":\"x\"}]}}}", json);
		assertThat(badFhir.status()).isEqualTo(400);
		assertThat(badFhir.body()).contains("draftOrders").contains("entri");
		assertThat(fhir.post(cdsBase() + "/no-such-service", "{}", json).status()).isEqualTo(404);
	}

	@Test
	void withoutPrefetchThePatientIsReadFromOneTrip() throws Exception {
		Person person = registeredAtHospitalB();
		reportAtHospitalB(person, "RAD1003", 10, "final");
		String request = orderSign(person, CODES_A, "CT-CHEST", null);
		JsonNode tree = JSON.readTree(request);
		((com.fasterxml.jackson.databind.node.ObjectNode) tree).remove("prefetch");
		((com.fasterxml.jackson.databind.node.ObjectNode) tree).remove("fhirServer");
		((com.fasterxml.jackson.databind.node.ObjectNode) tree.get("context")).put("patientId", person.patientIdAtOneTrip());
		assertThat(cards("onetrip-duplicate-exam-sign", tree.toString())).hasSize(1);

		((com.fasterxml.jackson.databind.node.ObjectNode) tree.get("context")).put("patientId", "nobody-" + UUID.randomUUID());
		FhirHttp.Response unknown = fhir.post(cdsBase() + "/onetrip-duplicate-exam-sign", tree.toString(),
				Map.of("Content-Type", "application/json"));
		assertThat(unknown.status()).isEqualTo(412);
	}

	@Test
	void systemsWithoutCdsHooksGetTheSameDecisionFromDuplicateCheck() {
		Person person = registeredAtHospitalB();
		String report = reportAtHospitalB(person, "RAD1003", 10, "final");
		ServiceRequest order = new ServiceRequest();
		order.setStatus(ServiceRequest.ServiceRequestStatus.DRAFT);
		order.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
		order.setCode(new CodeableConcept(new Coding(CODES_A, "CT-CHEST", null)));
		order.getSubject().setIdentifier(new org.hl7.fhir.r4.model.Identifier().setSystem(CITIZEN).setValue(person.citizenId()));
		Parameters in = new Parameters();
		in.addParameter().setName("request").setResource(order);
		FhirHttp.Response response = fhir.post("/ServiceRequest/$duplicate-check", in);
		assertThat(response.status()).as(response.toString()).isEqualTo(200);
		String body = response.body();
		assertThat(body).contains("\"valueCode\":\"duplicate\"").contains("DiagnosticReport/" + report).contains("Hospital B");

		Parameters empty = new Parameters();
		assertThat(fhir.post("/ServiceRequest/$duplicate-check", empty).status()).isEqualTo(400);
		assertThat(fhir.get("/Patient/" + person.patientIdAtOneTrip() + "/$prior-exams").body())
				.contains("DiagnosticReport/" + report).contains("24627-2");
	}
}
