package org.onetrip.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.ServerTest;
import org.onetrip.server.TestTokens;

/** Tokens, scopes, who keeps what, patients' own records, and the audit trail that records it all. */
class AccessControlTest extends ServerTest {

	private FhirHttp hospitalA() {
		return fhir.as(TestTokens.hospital("hospital-a", "user/*.cruds"));
	}

	private FhirHttp hospitalB() {
		return fhir.as(TestTokens.hospital("hospital-b", "user/*.cruds"));
	}

	@org.springframework.beans.factory.annotation.Autowired
	@org.springframework.beans.factory.annotation.Qualifier(MvcLookupForMvcRequestsOnly.INTROSPECTOR_BEAN)
	private org.springframework.web.servlet.handler.HandlerMappingIntrospector springMvcIntrospector;

	@Test
	void fhirRequestsPassTheSecurityChainsWithoutASpringMvcHandlerLookUp() {
		assertThat(springMvcIntrospector).isInstanceOf(MvcLookupForMvcRequestsOnly.class);
		MvcLookupForMvcRequestsOnly introspector = (MvcLookupForMvcRequestsOnly) springMvcIntrospector;
		long before = introspector.uncachedLookups();

		assertThat(hospitalA().get("/Patient?_count=1").status()).isEqualTo(200);
		assertThat(fhir.as(null).get("/Patient").status()).isEqualTo(401);
		assertThat(fhir.as(null).get("/metadata").status()).isEqualTo(200);
		assertThat(hospitalA().post("/Observation", new Observation()).status()).as("an incomplete write, refused").isBetween(400, 499);

		assertThat(introspector.uncachedLookups() - before).isZero();
	}

	@Test
	void withoutAValidTokenOnlyThePublicDoorsOpen() {
		FhirHttp anonymous = fhir.as(null);
		FhirHttp.Response refused = anonymous.get("/Patient");
		assertThat(refused.status()).isEqualTo(401);
		assertThat(refused.header("WWW-Authenticate")).startsWith("Bearer");
		assertThat(refused.outcome().getIssueFirstRep().getDiagnostics()).contains("bearer token is needed");
		assertThat(anonymous.get("/metadata").status()).as("the CapabilityStatement is public").isEqualTo(200);
		assertThat(anonymous.get("http://127.0.0.1:" + port + "/actuator/health", "application/json").status()).isEqualTo(200);

		assertThat(fhir.as("not.a.jwt").get("/Patient").status()).isEqualTo(401);
		String otherKey = org.onetrip.server.security.TokenKeys.loadOrCreate(
				java.nio.file.Path.of("target", "foreign-key-" + unique("k") + ".pem")).mint("intruder", null, "system/*.cruds", null,
				Duration.ofHours(1));
		FhirHttp.Response forged = fhir.as(otherKey).get("/Patient");
		assertThat(forged.status()).as("signed with another key").isEqualTo(401);
		assertThat(forged.outcome().getIssueFirstRep().getDiagnostics()).contains("token was refused");
		String expired = org.onetrip.server.security.TokenKeys.loadOrCreate(TestTokens.KEY_FILE)
				.mint("late", null, "system/*.cruds", null, Duration.ofSeconds(-120));
		assertThat(fhir.as(expired).get("/Patient").status()).isEqualTo(401);
		assertThat(fhir.as(null).post("/Patient", new Patient()).status()).isEqualTo(401);
	}

	@Test
	void hospitalBCannotUpdateHospitalAsPatientAndTheRefusalIsAudited() {
		Patient patient = new Patient();
		patient.addName().setFamily(unique("Owned"));
		FhirHttp.Response created = hospitalA().post("/Patient", patient);
		assertThat(created.status()).isEqualTo(201);
		Patient stored = created.as(Patient.class);
		assertThat(stored.getMeta().getTag()).anyMatch(t -> Ownership.OWNER_SYSTEM.equals(t.getSystem()) && "hospital-a".equals(t.getCode()));

		stored.addName().setFamily("Overwritten");
		FhirHttp.Response refused = hospitalB().put("/Patient/" + stored.getIdElement().getIdPart(), stored);
		assertThat(refused.status()).isEqualTo(403);
		assertThat(refused.body()).contains("cannot update").contains("Hospital A");
		assertThat(fhir.get("/Patient/" + stored.getIdElement().getIdPart()).as(Patient.class).getName()).as("nothing changed").hasSize(1);
		assertThat(hospitalB().delete("/Patient/" + stored.getIdElement().getIdPart()).status()).isEqualTo(403);

		AuditEvent audit = awaitAudit("entity=Patient/" + stored.getIdElement().getIdPart() + "&agent=Organization/hospital-b&action=U&outcome=4");
		assertThat(audit.getAction()).isEqualTo(AuditEvent.AuditEventAction.U);
		assertThat(audit.getOutcomeDesc()).startsWith("403");

		stored.getName().remove(1);
		stored.setGender(org.hl7.fhir.r4.model.Enumerations.AdministrativeGender.FEMALE);
		assertThat(hospitalA().put("/Patient/" + stored.getIdElement().getIdPart(), stored).status()).as("its own").isEqualTo(200);
		awaitAudit("entity=Patient/" + stored.getIdElement().getIdPart() + "&agent=Organization/hospital-a&action=U&outcome=0");
	}

	@Test
	void aDoctorAtAReadsBsReportForTheirPatientAndTheReadIsAudited() {
		Patient patient = new Patient();
		patient.addName().setFamily(unique("Shared"));
		String patientId = hospitalA().post("/Patient", patient).as(Patient.class).getIdElement().getIdPart();
		DiagnosticReport report = new DiagnosticReport();
		report.setStatus(DiagnosticReport.DiagnosticReportStatus.FINAL);
		report.setCode(new CodeableConcept(new Coding("http://loinc.org", "24627-2", "CT Chest")));
		report.setSubject(new Reference("Patient/" + patientId));
		report.addPerformer(new Reference("Organization/hospital-b"));
		FhirHttp.Response stored = hospitalB().post("/DiagnosticReport", report);
		assertThat(stored.status()).as(stored.toString()).isEqualTo(201);
		String reportId = stored.as(DiagnosticReport.class).getIdElement().getIdPart();

		FhirHttp.Response read = hospitalA().get("/DiagnosticReport?patient=Patient/" + patientId);
		assertThat(read.status()).isEqualTo(200);
		assertThat(read.bundle().getEntry()).hasSize(1);

		AuditEvent audit = awaitAudit("entity=DiagnosticReport/" + reportId + "&agent=Organization/hospital-a");
		assertThat(audit.getPurposeOfEventFirstRep().getCodingFirstRep().getCode()).isEqualTo("TREAT");
		assertThat(audit.getEntity()).anyMatch(e -> ("Patient/" + patientId).equals(e.getWhat().getReference()));
		assertThat(fhir.get("/AuditEvent?patient=Patient/" + patientId).bundle().getEntry()).as("found by the patient").isNotEmpty();
	}

	@Test
	void aPractitionerReadsAnotherHospitalsRecordsOfAPersonOnlyOnGroundsAndAScannedCardIsOne() {
		Patient patient = new Patient();
		patient.addIdentifier().setSystem("urn:onetrip:mrn:hospital-a").setValue(unique("A"));
		patient.addName().setFamily(unique("Carded"));
		String patientId = hospitalA().post("/Patient", patient).as(Patient.class).getIdElement().getIdPart();
		String observation = observation(patientId);
		FhirHttp drWang = fhir.as(TestTokens.practitioner("hospital-b", "hospital-b-wang-fang", "user/*.rs"));
		FhirHttp.Response refused = drWang.get("/Observation/" + observation);
		assertThat(refused.status()).as("no part in the person's care").isEqualTo(403);
		assertThat(refused.body()).contains("no part in this person's care");
		awaitAudit("entity=Observation/" + observation + "&outcome=4");
		assertThat(drWang.get("/Observation?patient=Patient/" + patientId).bundle().getEntry()).as("a search leaves it out").isEmpty();
		assertThat(fhir.as(TestTokens.hospital("hospital-b", "user/*.rs")).get("/Observation/" + observation).status())
				.as("hospital B's system acts for the hospital").isEqualTo(200);

		// The person shows their health card at hospital B: B's practitioners see their records from then on.
		String token = fhir.post("/Patient/" + patientId + "/$health-card", new org.hl7.fhir.r4.model.Parameters())
				.as(org.hl7.fhir.r4.model.Parameters.class).getParameter("token").getValue().primitiveValue();
		FhirHttp.Response scanned = drWang.post("/Patient/$health-card-resolve", new org.hl7.fhir.r4.model.Parameters().addParameter("token", token));
		assertThat(scanned.status()).as(scanned.body()).isEqualTo(200);
		assertThat(scanned.bundle().getEntry()).extracting(e -> e.getResource().getIdElement().getIdPart()).contains(patientId);
		assertThat(drWang.get("/Observation/" + observation).status()).isEqualTo(200);
	}

	@Test
	void aHospitalCannotWriteInAnotherHospitalsName() {
		DiagnosticReport report = new DiagnosticReport();
		report.setStatus(DiagnosticReport.DiagnosticReportStatus.FINAL);
		report.setCode(new CodeableConcept(new Coding("http://loinc.org", "24627-2", "CT Chest")));
		report.addPerformer(new Reference("Organization/hospital-a"));
		FhirHttp.Response refused = hospitalB().post("/DiagnosticReport", report);
		assertThat(refused.status()).isEqualTo(403);
		assertThat(refused.body()).contains("a hospital writes only its own records");
	}

	@Test
	void scopesLimitWhatATokenMayDo() {
		FhirHttp readOnly = fhir.as(TestTokens.hospital("hospital-a", "user/Patient.rs user/Observation.r"));
		assertThat(readOnly.get("/Patient?_count=1").status()).isEqualTo(200);
		FhirHttp.Response noCreate = readOnly.post("/Patient", new Patient());
		assertThat(noCreate.status()).isEqualTo(403);
		assertThat(noCreate.body()).contains("do not allow create on Patient");
		assertThat(readOnly.get("/Observation?_count=1").status()).as("read but not search").isEqualTo(403);
		assertThat(readOnly.get("/Encounter?_count=1").status()).isEqualTo(403);
		assertThat(fhir.as(TestTokens.hospital("hospital-a", "user/*.read")).get("/Encounter?_count=1").status())
				.as("SMART v1 .read").isEqualTo(200);
		assertThat(fhir.as(TestTokens.hospital("hospital-z", "user/*.cruds")).get("/Patient?_count=1").status())
				.as("a hospital the region does not have").isEqualTo(403);
	}

	@Test
	void aPatientTokenOpensOnlyThatPersonsRecords() {
		String mine = hospitalA().post("/Patient", new Patient().addName(new org.hl7.fhir.r4.model.HumanName().setFamily(unique("Me"))))
				.as(Patient.class).getIdElement().getIdPart();
		String theirs = hospitalA().post("/Patient", new Patient().addName(new org.hl7.fhir.r4.model.HumanName().setFamily(unique("You"))))
				.as(Patient.class).getIdElement().getIdPart();
		String myObservation = observation(mine);
		String theirObservation = observation(theirs);
		FhirHttp me = fhir.as(TestTokens.patient(mine, "patient/*.rs"));

		assertThat(me.get("/Patient/" + mine).status()).isEqualTo(200);
		assertThat(me.get("/Observation/" + myObservation).status()).isEqualTo(200);
		assertThat(me.get("/Observation/" + theirObservation).status()).isEqualTo(403);
		assertThat(me.get("/Patient/" + theirs).status()).isEqualTo(403);
		List<String> seen = me.get("/Observation?code=http://loinc.org|8867-4&_count=500").bundle().getEntry().stream()
				.map(e -> e.getResource().getIdElement().getIdPart()).toList();
		assertThat(seen).contains(myObservation).doesNotContain(theirObservation);
		assertThat(me.get("/Organization/hospital-a").status()).as("the region's directory").isEqualTo(200);
		assertThat(me.post("/Observation", new Observation()).status()).as("read-only scopes").isEqualTo(403);
	}

	@Test
	void nobodyWritesAuditEventsButOneTripAndAuditedRecordsCanStillBeDeleted() {
		assertThat(fhir.post("/AuditEvent", new AuditEvent()).status()).isEqualTo(403);
		String patientId = hospitalA().post("/Patient", new Patient()).as(Patient.class).getIdElement().getIdPart();
		String observationId = observation(patientId);
		awaitAudit("entity=Patient/" + patientId);
		assertThat(fhir.delete("/Patient/" + patientId).status()).as("still referenced by an Observation").isEqualTo(409);
		assertThat(fhir.delete("/Observation/" + observationId).status()).isEqualTo(200);
		assertThat(fhir.delete("/Patient/" + patientId).status()).as("its AuditEvents do not pin it").isEqualTo(200);
	}

	@Test
	void dicomWebAndCdsHooksFollowTheSameRules() throws Exception {
		java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
		String url = "http://127.0.0.1:" + port + "/dicomweb/studies?PatientID=nobody";
		var noToken = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
				java.net.http.HttpResponse.BodyHandlers.ofString());
		assertThat(noToken.statusCode()).isEqualTo(401);
		var actingForAnother = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
						.header("Authorization", "Bearer " + TestTokens.hospital("hospital-b", "user/*.cruds"))
						.header("X-OneTrip-Hospital", "hospital-a").build(),
				java.net.http.HttpResponse.BodyHandlers.ofString());
		assertThat(actingForAnother.statusCode()).isEqualTo(403);
		var ownHospital = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
						.header("Authorization", "Bearer " + TestTokens.hospital("hospital-b", "user/ImagingStudy.rs")).build(),
				java.net.http.HttpResponse.BodyHandlers.ofString());
		assertThat(ownHospital.statusCode()).as(ownHospital.body()).isEqualTo(200);

		FhirHttp.Response cdsWithoutScope = fhir.as(TestTokens.hospital("hospital-a", "user/Patient.r"))
				.post("http://127.0.0.1:" + port + "/cds-services/onetrip-duplicate-exam-select", "{}", Map.of("Content-Type", "application/json"));
		assertThat(cdsWithoutScope.status()).isEqualTo(403);
		awaitAudit("subtype=urn:onetrip:audit-subtype|onetrip-duplicate-exam-select&outcome=4");
	}

	private String observation(String patientId) {
		Observation observation = new Observation();
		observation.setStatus(Observation.ObservationStatus.FINAL);
		observation.setCode(new CodeableConcept(new Coding("http://loinc.org", "8867-4", "Heart rate")));
		observation.setSubject(new Reference("Patient/" + patientId));
		FhirHttp.Response created = hospitalA().post("/Observation", observation);
		assertThat(created.status()).as(created.toString()).isEqualTo(201);
		return created.as(Observation.class).getIdElement().getIdPart();
	}
}
