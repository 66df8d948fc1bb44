package org.onetrip.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.SOPClass;
import com.pixelmed.dicom.TagFromName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.onetrip.server.CdsHookRequests;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.OneTripInstance;
import org.onetrip.server.dicom.RawStoreClient;
import org.onetrip.server.dicom.TestInstances;

/**
 * The database goes away under a serving OneTrip and comes back: meanwhile every FHIR request gets 503 with an
 * OperationOutcome and Retry-After and nothing is stored; afterwards OneTrip serves again with no restart and no
 * operator, and what was committed before is there.
 */
class DatabaseOutageTest {

	@Test
	void whileTheDatabaseIsAwayClientsGet503AndWhenItIsBackOneTripServesAgain() throws Exception {
		Path databaseDir = Files.createTempDirectory(Path.of("target"), "outage-pg-").toAbsolutePath();
		LocalPostgres postgres = LocalPostgres.start(LocalPostgres.Settings.under(databaseDir));
		int port = postgres.port();
		Map<String, String> settings = Map.of(
				"spring.profiles.active", "postgres",
				"onetrip.data-dir", Files.createTempDirectory(Path.of("target"), "outage-").toAbsolutePath().toString(),
				"spring.datasource.url", postgres.jdbcUrl(),
				"spring.datasource.username", postgres.user(),
				"spring.datasource.password", postgres.password(),
				// The first request of the outage waits up to this long for a connection before it is told the database
				// is away; the ones after it are told at once.
				"spring.datasource.hikari.connection-timeout", "5000");
		try (OneTripInstance server = OneTripInstance.start(settings)) {
			FhirHttp fhir = server.fhir();
			String before = fhir.post("/Patient", patient("Before")).as(Patient.class).getIdElement().getIdPart();

			postgres.close();
			FhirHttp.Response read = fhir.get("/Patient/" + before);
			assertThat(read.status()).as(read.toString()).isEqualTo(503);
			assertThat(read.header("Retry-After")).isEqualTo(DatabaseUnavailable.RETRY_AFTER_SECONDS);
			assertThat(read.outcome().getIssueFirstRep().getSeverity()).isEqualTo(OperationOutcome.IssueSeverity.ERROR);
			assertThat(read.outcome().getIssueFirstRep().getDiagnostics()).contains("database is unavailable");
			long writeStarted = System.nanoTime();
			FhirHttp.Response write = fhir.post("/Patient", patient("During"));
			long writeMillis = (System.nanoTime() - writeStarted) / 1_000_000;
			assertThat(write.status()).as(write.toString()).isEqualTo(503);
			assertThat(write.header("Retry-After")).isEqualTo(DatabaseUnavailable.RETRY_AFTER_SECONDS);
			assertThat(write.outcome().getIssueFirstRep().getDiagnostics()).contains("database is unavailable");
			assertThat(writeMillis).as("refused at once, the database known to be away, not after the pool's 5 s").isLessThan(2_000);
			// A doctor's EHR asking the duplicate-exam service meanwhile is told the same, not a failure of the service.
			FhirHttp.Response hook = fhir.post("http://127.0.0.1:" + server.httpPort() + "/cds-services/onetrip-duplicate-exam-sign",
					CdsHookRequests.orderSignCtChestAtHospitalA(before), Map.of("Content-Type", "application/json"));
			assertThat(hook.status()).as(hook.toString()).isEqualTo(503);
			assertThat(hook.header("Retry-After")).isEqualTo(DatabaseUnavailable.RETRY_AFTER_SECONDS);
			assertThat(hook.outcome().getIssueFirstRep().getDiagnostics()).contains("database is unavailable");

			// A monitor hears it as quickly.
			long healthStarted = System.nanoTime();
			FhirHttp.Response health = fhir.get("http://127.0.0.1:" + server.httpPort() + "/actuator/health", "application/json");
			assertThat(health.status()).as(health.toString()).isEqualTo(503);
			assertThat(health.body()).contains("\"db\":{\"status\":\"DOWN\"");
			assertThat((System.nanoTime() - healthStarted) / 1_000_000).as("at once").isLessThan(2_000);
			// A client asking for a token hears it as OAuth clients read errors.
			FhirHttp.Response token = fhir.post("http://127.0.0.1:" + server.httpPort() + "/oauth2/token",
					"grant_type=client_credentials&scope=system%2FPatient.rs", Map.of("Content-Type", "application/x-www-form-urlencoded"));
			assertThat(token.status()).as(token.toString()).isEqualTo(503);
			assertThat(token.header("Retry-After")).isEqualTo(DatabaseUnavailable.RETRY_AFTER_SECONDS);
			assertThat(token.body()).contains("\"error\":\"temporarily_unavailable\"");
			// A modality sending meanwhile hears Out of Resources at once, and nothing is kept.
			TestInstances.Study study = TestInstances.Study.ct("OUTAGE-1");
			AttributeList instance = TestInstances.ct(study, TestInstances.uid(), 1, 1, 32);
			byte[] dataSet = RawStoreClient.dataSetBytes(instance);
			String sopUid = instance.get(TagFromName.SOPInstanceUID).getSingleStringValueOrEmptyString();
			long storeStarted = System.nanoTime();
			assertThat(RawStoreClient.store(server.dicomPort(), "HOSP_B", SOPClass.CTImageStorage, sopUid, dataSet))
					.as("Out of Resources").isEqualTo(0xA700);
			assertThat((System.nanoTime() - storeStarted) / 1_000_000).as("refused at once").isLessThan(2_000);

			postgres = LocalPostgres.start(LocalPostgres.Settings.under(databaseDir).withPort(port));
			FhirHttp.Response again = awaitStatus200(fhir, "/Patient/" + before);
			assertThat(again.as(Patient.class).getNameFirstRep().getFamily()).isEqualTo("Before");
			assertThat(fhir.get("/Patient?family=During").bundle().getEntry()).as("nothing of a refused write").isEmpty();
			assertThat(fhir.post("/Patient", patient("After")).status()).isEqualTo(201);
			assertThat(RawStoreClient.store(server.dicomPort(), "HOSP_B", SOPClass.CTImageStorage, sopUid, dataSet))
					.as("the same instance once the database is back").isZero();
			assertThat(TestInstances.awaitImagingStudy(fhir, study.studyUid(), 1).getNumberOfInstances()).isEqualTo(1);
		} finally {
			postgres.close();
		}
	}

	private static Patient patient(String family) {
		Patient patient = new Patient();
		patient.addName().setFamily(family);
		return patient;
	}

	private static FhirHttp.Response awaitStatus200(FhirHttp fhir, String path) throws InterruptedException {
		Instant deadline = Instant.now().plusSeconds(60);
		FhirHttp.Response last = null;
		while (Instant.now().isBefore(deadline)) {
			last = fhir.get(path);
			if (last.status() == 200) {
				return last;
			}
			Thread.sleep(200);
		}
		throw new AssertionError("OneTrip did not serve again within 60 s of the database's return: " + last);
	}
}
