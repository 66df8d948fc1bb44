package org.onetrip.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.onetrip.server.OneTripInstance;

/**
 * OneTrip's own PostgreSQL keeps its cluster under the data directory: stop the server (PostgreSQL stops with it),
 * start it, the data is there.
 */
class DataSurvivesRestartTest {

	@Test
	void aPatientCreatedBeforeAStopIsReadAfterTheNextStart() throws Exception {
		Path dataDir = Files.createTempDirectory(Path.of("target"), "restart-").toAbsolutePath();
		Map<String, String> settings = Map.of("onetrip.data-dir", dataDir.toString());

		String id;
		String regionVersion;
		try (OneTripInstance first = OneTripInstance.start(settings)) {
			Patient patient = new Patient();
			patient.addIdentifier().setSystem("urn:onetrip:citizen-id").setValue("330102198805050017");
			patient.addName().setFamily("Durable");
			id = first.fhir().post("/Patient", patient).as(Patient.class).getIdElement().getIdPart();
			regionVersion = first.fhir().get("/Organization/hospital-a").as(Organization.class).getMeta().getVersionId();
		}
		assertThat(dataDir.resolve("postgres/PG_VERSION")).exists();
		assertThat(dataDir.resolve("postgres/postmaster.pid")).as("PostgreSQL stopped with the server").doesNotExist();

		try (OneTripInstance second = OneTripInstance.start(settings)) {
			Patient read = second.fhir().get("/Patient/" + id).as(Patient.class);
			assertThat(read.getNameFirstRep().getFamily()).isEqualTo("Durable");
			// The region is loaded again at start, but unchanged config makes no new versions.
			assertThat(second.fhir().get("/Organization/hospital-a").as(Organization.class).getMeta().getVersionId())
					.isEqualTo(regionVersion);
			// And the person-identifier rule still holds across the restart.
			Patient twin = new Patient();
			twin.addIdentifier().setSystem("urn:onetrip:citizen-id").setValue("330102198805050017");
			assertThat(second.fhir().post("/Patient", twin).status()).isEqualTo(409);
		}
	}
}
