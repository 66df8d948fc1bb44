package org.onetrip.server.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.OneTripInstance;
import org.onetrip.server.TestTokens;

/**
 * A database made by the version before the person ledger (commit 7907cb6, see
 * {@code db-before-person-ledger/make-fixture.sh}): one Patient per citizen ID carrying several hospitals' MRNs,
 * records linked by an operator's Patient.link, and the old unique rule's index. This version starts on it, relinks
 * every Patient in the background, and from then on hospitals keep their own records.
 */
class DatabaseFromBeforeThePersonLedgerTest {

	@Test
	void theOldDatabaseIsRelinkedAtStartAndHospitalBCanNowRegisterAPersonHospitalAKnew() throws Exception {
		Path dataDir = Files.createTempDirectory(Path.of("target"), "before-ledger-").toAbsolutePath();
		unzip("/db-before-person-ledger/h2-data.zip", dataDir);

		try (OneTripInstance server = OneTripInstance.start(Map.of("onetrip.data-dir", dataDir.toString()))) {
			FhirHttp fhir = server.fhir();
			Parameters done = awaitRelink(fhir);
			assertThat(value(done, "total")).isEqualTo("8"); // four Patients, two passes
			assertThat(value(done, "conflicts")).isEqualTo("0");

			assertThat(person(fhir, "old-2")).as("the operator's Patient.link became a link of the ledger")
					.containsExactlyInAnyOrder("Patient/old-2", "Patient/old-3");
			assertThat(person(fhir, "old-1")).containsExactly("Patient/old-1");

			FhirHttp hospitalB = fhir.as(TestTokens.hospital("hospital-b", "user/*.cruds"));
			Patient atB = new Patient();
			atB.addIdentifier().setSystem("urn:onetrip:citizen-id").setValue("330100195001010044");
			atB.addIdentifier().setSystem("urn:onetrip:mrn:hospital-b").setValue("NEW-B4");
			FhirHttp.Response registered = hospitalB.post("/Patient", hospitalB.json(atB),
					Map.of("If-None-Exist", "identifier=urn:onetrip:citizen-id|330100195001010044"));

			assertThat(registered.status()).as("the old unique index no longer refuses it: " + registered).isEqualTo(201);
			String idAtB = registered.as(Patient.class).getIdElement().getIdPart();
			assertThat(person(fhir, "old-4")).containsExactlyInAnyOrder("Patient/old-4", "Patient/" + idAtB);
		}
	}

	private static Parameters awaitRelink(FhirHttp fhir) throws InterruptedException {
		Instant deadline = Instant.now().plusSeconds(60);
		while (Instant.now().isBefore(deadline)) {
			Parameters status = fhir.get("/$person-relink-status").as(Parameters.class);
			if ("done".equals(value(status, "state"))) {
				return status;
			}
			assertThat(value(status, "state")).isNotEqualTo("failed");
			Thread.sleep(200);
		}
		throw new AssertionError("the relink did not finish in 60 s");
	}

	private static String value(Parameters parameters, String name) {
		return parameters.getParameter().stream().filter(p -> name.equals(p.getName())).findFirst()
				.map(p -> p.getValue().primitiveValue()).orElse(null);
	}

	private static List<String> person(FhirHttp fhir, String patientId) {
		return fhir.get("/Patient/" + patientId + "/$person").as(Parameters.class).getParameter().stream()
				.filter(p -> "record".equals(p.getName())).map(p -> ((Reference) p.getPart().get(0).getValue()).getReference()).toList();
	}

	private static void unzip(String resource, Path into) throws Exception {
		try (InputStream in = DatabaseFromBeforeThePersonLedgerTest.class.getResourceAsStream(resource);
				ZipInputStream zip = new ZipInputStream(in)) {
			for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
				Path target = into.resolve(entry.getName()).normalize();
				if (!target.startsWith(into)) {
					throw new IllegalStateException("zip entry outside the target: " + entry.getName());
				}
				Files.createDirectories(target.getParent());
				Files.copy(zip, target);
			}
		}
	}
}
