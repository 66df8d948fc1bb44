package org.onetrip.server.export;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.bulk.export.api.IBulkDataExportJobSchedulingHelper;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.ServerTest;
import org.onetrip.server.TestTokens;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Bulk Data export over HTTP against the shared server: kick-off, polling, the manifest, the NDJSON files read back
 * and compared with what was stored; who may export what (the region everything, a hospital its own people, a patient
 * nothing), whose job and files are whose, bad parameters, cancelling, and the files' clean-up.
 */
class BulkExportTest extends ServerTest {

	static final String CITIZEN = "urn:onetrip:citizen-id";
	static final String MRN_A = "urn:onetrip:mrn:hospital-a";
	static final String MRN_B = "urn:onetrip:mrn:hospital-b";
	static final String RUN_CODES = "urn:onetrip:test:bulk-export";
	static final Map<String, String> ASYNC = Map.of("Prefer", "respond-async", "Accept", "application/fhir+json");
	static final ObjectMapper JSON = new ObjectMapper();

	@Autowired
	JpaStorageSettings storageSettings;
	@Autowired
	IBulkDataExportJobSchedulingHelper exportFiles;

	FhirHttp hospitalA;
	FhirHttp hospitalB;
	FhirHttp backendA;
	FhirHttp backendB;

	/** This run's people: X is a patient of both hospitals, Y of hospital B only. */
	String run;
	String xAtA;
	String xAtB;
	String yAtB;
	String observationOfX;
	String observationOfY;

	@BeforeEach
	void twoPeople() {
		hospitalA = fhir.as(TestTokens.hospital("hospital-a", "user/*.cruds"));
		hospitalB = fhir.as(TestTokens.hospital("hospital-b", "user/*.cruds"));
		backendA = fhir.as(TestTokens.mint("warehouse-a", "hospital-a", "system/*.rs", null));
		backendB = fhir.as(TestTokens.mint("warehouse-b", "hospital-b", "system/*.rs", null));
		run = unique("export");
		xAtA = created(hospitalA.post("/Patient", patient(run + "-x", MRN_A)));
		xAtB = created(hospitalB.post("/Patient", patient(run + "-x", MRN_B)));
		yAtB = created(hospitalB.post("/Patient", patient(run + "-y", MRN_B)));
		observationOfX = created(hospitalB.post("/Observation", observation(xAtB)));
		observationOfY = created(hospitalB.post("/Observation", observation(yAtB)));
	}

	private static Patient patient(String citizenId, String mrnSystem) {
		Patient patient = new Patient();
		patient.addIdentifier().setSystem(CITIZEN).setValue(citizenId);
		patient.addIdentifier().setSystem(mrnSystem).setValue(unique("mrn"));
		patient.addName().setFamily("Export").addGiven(citizenId);
		return patient;
	}

	private Observation observation(String patientId) {
		Observation observation = new Observation();
		observation.setStatus(Observation.ObservationStatus.FINAL);
		observation.getCode().addCoding().setSystem(RUN_CODES).setCode(run);
		observation.getSubject().setReference("Patient/" + patientId);
		return observation;
	}

	private static ca.uhn.fhir.context.FhirContext fhirContextOf(FhirHttp.Response response) {
		return response.fhirContext();
	}

	private static String created(FhirHttp.Response response) {
		assertThat(response.status()).as(response.toString()).isEqualTo(201);
		return fhirContextOf(response).newJsonParser().parseResource(response.body()).getIdElement().getIdPart();
	}

	/** Only this run's Patients and Observations: the shared server holds every other test's data too. */
	private String thisRun() {
		return "_type=Patient,Observation&_typeFilter=Patient?identifier=" + CITIZEN + "|" + run + "-x," + CITIZEN + "|" + run + "-y"
				+ "&_typeFilter=Observation?code=" + RUN_CODES + "|" + run;
	}

	@Test
	void theRegionExportsEverythingAskedAndTheFilesMatchTheStore() throws Exception {
		Map<String, Set<String>> exported = export(fhir, "/$export?" + thisRun());

		assertThat(exported.get("Patient")).containsExactlyInAnyOrder(xAtA, xAtB, yAtB);
		assertThat(exported.get("Observation")).containsExactlyInAnyOrder(observationOfX, observationOfY);
	}

	@Test
	void theRegionsOperatorsSeeEveryExportInTheBackgroundWorkAndHospitalsDoNot() throws Exception {
		String status = kickOff(backendA, "/Patient/$export?_type=Patient");
		String jobId = status.substring(status.indexOf("_jobId=") + "_jobId=".length());
		manifest(backendA, status);
		org.hl7.fhir.r4.model.Parameters work = fhir.get("/$background-work").as(org.hl7.fhir.r4.model.Parameters.class);
		assertThat(work.getParameter()).filteredOn(p -> "export".equals(p.getName()))
				.anySatisfy(p -> {
					assertThat(p.getPart()).anyMatch(part -> "id".equals(part.getName()) && jobId.equals(part.getValue().primitiveValue()));
					assertThat(p.getPart()).anyMatch(part -> "percent".equals(part.getName()) && "100".equals(part.getValue().primitiveValue()));
				});
		assertThat(work.getParameter()).filteredOn(p -> "task".equals(p.getName())).hasSize(2);
		assertThat(work.getParameter()).anyMatch(p -> "subscription-deliveries".equals(p.getName()));
		assertThat(backendA.get("/$background-work").status()).as("a hospital's system").isEqualTo(403);
	}

	@Test
	void aHospitalExportsItsOwnPeopleWithWhatOtherHospitalsRecordedAboutThem() throws Exception {
		Map<String, Set<String>> exportedByA = export(backendA, "/$export?" + thisRun());
		// X is hospital A's patient: both hospitals' records of X, and B's Observation of X. Y never was A's patient.
		assertThat(exportedByA.get("Patient")).containsExactlyInAnyOrder(xAtA, xAtB);
		assertThat(exportedByA.get("Observation")).containsExactlyInAnyOrder(observationOfX);

		Map<String, Set<String>> exportedByB = export(backendB, "/Patient/$export?" + thisRun());
		assertThat(exportedByB.get("Patient")).containsExactlyInAnyOrder(xAtA, xAtB, yAtB);
		assertThat(exportedByB.get("Observation")).containsExactlyInAnyOrder(observationOfX, observationOfY);
	}

	@Test
	void aGroupExportTakesItsMembersRecordsAndTheKickOffIsAudited() throws Exception {
		org.hl7.fhir.r4.model.Group group = new org.hl7.fhir.r4.model.Group();
		group.setType(org.hl7.fhir.r4.model.Group.GroupType.PERSON).setActual(true).setName("Export cohort " + run);
		group.addMember().getEntity().setReference("Patient/" + yAtB);
		String groupId = created(fhir.post("/Group", group));

		Map<String, Set<String>> exported = export(fhir, "/Group/" + groupId + "/$export?_type=Patient,Observation"
				+ "&_typeFilter=Observation?code=" + RUN_CODES + "|" + run);

		assertThat(exported.get("Patient")).containsExactly(yAtB);
		assertThat(exported.get("Observation")).containsExactly(observationOfY);
		assertThat(audited("Group/" + groupId + "/$export")).as("the kick-off is in the audit trail").isTrue();
	}

	/** Whether an AuditEvent of an $export names this request (the outbox writes it within a second or so). */
	private boolean audited(String request) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
		while (System.nanoTime() < deadline) {
			if (fhir.getFresh("/AuditEvent?subtype=urn:onetrip:audit-subtype|$export&_sort=-date&_count=50").body().contains(request)) {
				return true;
			}
			Thread.sleep(300);
		}
		return false;
	}

	@Test
	void sinceTakesOnlyWhatChangedFromThen() throws Exception {
		Instant since = Instant.parse(fhir.get("/Observation/" + observationOfY).as(Observation.class).getMeta().getLastUpdatedElement()
				.getValueAsString()).plusMillis(1);
		Thread.sleep(5);
		String later = created(hospitalB.post("/Observation", observation(xAtB)));

		Map<String, Set<String>> exported = export(fhir, "/$export?_type=Observation&_typeFilter=Observation?code=" + RUN_CODES + "|" + run
				+ "&_since=" + since);

		assertThat(exported.get("Observation")).containsExactly(later);
	}

	@Test
	void anExportIsItsRequestersAlone() throws Exception {
		String status = kickOff(backendA, "/$export?" + thisRun());
		JsonNode manifest = manifest(backendA, status);
		String file = manifest.get("output").get(0).get("url").asText();

		// Another hospital's system, with every read scope, neither sees the job nor opens its file.
		assertThat(backendB.get(status).status()).isEqualTo(404);
		FhirHttp.Response foreign = backendB.get(file, "application/fhir+ndjson");
		assertThat(foreign.status()).as(foreign.toString()).isEqualTo(403);
		assertThat(foreign.outcome().getIssueFirstRep().getDiagnostics()).contains("another caller's export");
		// Nor does a user of the same hospital: the export is its requester's, not its hospital's.
		assertThat(hospitalA.get(status).status()).isEqualTo(404);
		// A backend with only the exported types' scopes (no Binary scope) fetches its own files, and no other.
		FhirHttp narrow = fhir.as(TestTokens.mint("narrow-a", "hospital-a", "system/Patient.rs system/Observation.rs", null));
		String narrowStatus = kickOff(narrow, "/$export?" + thisRun());
		String narrowFile = manifest(narrow, narrowStatus).get("output").get(0).get("url").asText();
		assertThat(narrow.get(narrowFile, "application/fhir+ndjson").status()).isEqualTo(200);
		assertThat(narrow.get(file, "application/fhir+ndjson").status()).isEqualTo(403);
	}

	@Test
	void whatMayNotBeExportedIsRefusedAndStartsNothing() {
		FhirHttp patientApp = fhir.as(TestTokens.patient(xAtA, "patient/*.rs"));
		assertRefused(patientApp.get("/Patient/$export", ASYNC), 403, "patient");
		assertRefused(backendA.get("/$export?_type=AuditEvent", ASYNC), 403, "AuditEvent");
		FhirHttp narrow = fhir.as(TestTokens.mint("narrow-a", "hospital-a", "system/Patient.rs", null));
		assertRefused(narrow.get("/$export?_type=Patient,Observation", ASYNC), 403, "Observation");
		assertRefused(hospitalA.get("/$export?_type=Patient", ASYNC), 403, "system/");
	}

	@Test
	void badParametersAreRefused() {
		assertRefused(fhir.get("/$export?_type=NoSuchType", ASYNC), 400, "NoSuchType");
		assertRefused(fhir.get("/$export?_type=Patient,AuditEvent", ASYNC), 400, "GET /AuditEvent?");
		assertRefused(fhir.get("/$export?_since=yesterday", ASYNC), 400, "yesterday");
		assertRefused(fhir.get("/$export?_type=Patient", Map.of("Accept", "application/fhir+json")), 400, "async");
		assertRefused(fhir.get("/$export-poll-status?_jobId=" + java.util.UUID.randomUUID(), Map.of()), 404, "");
	}

	@Test
	void aCancelledExportIsGoneAndFinishedFilesAreCleanedUp() throws Exception {
		String status = kickOff(fhir, "/$export?" + thisRun());
		JsonNode manifest = manifest(fhir, status);
		String file = manifest.get("output").get(0).get("url").asText();
		assertThat(fhir.get(file, "application/fhir+ndjson").status()).isEqualTo(200);

		int keptHours = storageSettings.getBulkExportFileRetentionPeriodHours();
		storageSettings.setBulkExportFileRetentionPeriodHours(0);
		try {
			exportFiles.purgeExpiredFiles();
		} finally {
			storageSettings.setBulkExportFileRetentionPeriodHours(keptHours);
		}
		assertThat(fhir.get(file, "application/fhir+ndjson").status()).isIn(404, 410);
		assertThat(fhir.get(status).status()).isEqualTo(404);

		String cancelled = kickOff(fhir, "/$export?" + thisRun());
		FhirHttp.Response cancel = fhir.delete(cancelled);
		assertThat(cancel.status()).as(cancel.toString()).isIn(202, 404);
		assertThat(fhir.get(cancelled).status()).isEqualTo(404);
	}

	private static void assertRefused(FhirHttp.Response response, int status, String words) {
		assertThat(response.status()).as(response.toString()).isEqualTo(status);
		assertThat(response.body()).contains("OperationOutcome").contains(words);
	}

	private String kickOff(FhirHttp caller, String path) {
		FhirHttp.Response accepted = caller.get(path, ASYNC);
		assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
		String location = accepted.header("Content-Location");
		assertThat(location).contains("$export-poll-status?_jobId=");
		return location;
	}

	/** Polls until the export is done (202 with X-Progress while it runs), then the manifest. */
	private JsonNode manifest(FhirHttp caller, String status) throws Exception {
		long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
		while (true) {
			FhirHttp.Response polled = caller.get(status);
			if (polled.status() == 200) {
				JsonNode manifest = JSON.readTree(polled.body());
				assertThat(manifest.get("requiresAccessToken").asBoolean()).isTrue();
				return manifest;
			}
			assertThat(polled.status()).as(polled.toString()).isEqualTo(202);
			assertThat(polled.header("X-Progress")).matches("(queued|in progress): \\d+ %.*");
			assertThat(System.nanoTime()).as("export finished within 3 minutes").isLessThan(deadline);
			Thread.sleep(200);
		}
	}

	/** Kicks off, waits, reads every NDJSON file of the manifest: the ids exported, by type. */
	private Map<String, Set<String>> export(FhirHttp caller, String path) throws Exception {
		JsonNode manifest = manifest(caller, kickOff(caller, path));
		Map<String, Set<String>> ids = new LinkedHashMap<>();
		List<String> problems = new ArrayList<>();
		for (JsonNode output : manifest.get("output")) {
			FhirHttp.Response file = caller.get(output.get("url").asText(), "application/fhir+ndjson");
			assertThat(file.status()).as(file.toString()).isEqualTo(200);
			for (String line : file.body().split("\n")) {
				if (line.isBlank()) {
					continue;
				}
				IBaseResource resource = fhirContext.newJsonParser().parseResource(line);
				if (!resource.fhirType().equals(output.get("type").asText())) {
					problems.add(resource.fhirType() + " in a " + output.get("type").asText() + " file");
				}
				ids.computeIfAbsent(resource.fhirType(), k -> new TreeSet<>()).add(resource.getIdElement().getIdPart());
			}
		}
		assertThat(problems).isEmpty();
		ids.putIfAbsent("Patient", Set.of());
		ids.putIfAbsent("Observation", Set.of());
		return ids;
	}
}
