package org.onetrip.server.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.ServerTest;
import org.onetrip.server.TestTokens;

/** A hospital's transaction of a person's recent reports: each charged once, on one Account the transaction opens. */
class TransactionChargesTest extends ServerTest {

	@Test
	void aTransactionOfRecentReportsChargesEachOnOneAccount() {
		FhirHttp hospitalB = fhir.as(TestTokens.hospital("hospital-b", "user/*.cruds"));
		Patient patient = new Patient();
		patient.addIdentifier().setSystem("urn:onetrip:mrn:hospital-b").setValue(unique("TX"));
		patient.addName().setFamily(unique("Charged"));
		String id = hospitalB.post("/Patient", patient).as(Patient.class).getIdElement().getIdPart();
		StringBuilder bundle = new StringBuilder("{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[");
		for (int i = 0; i < 4; i++) {
			String when = Instant.now().minus(Duration.ofHours(6 + 24L * i)).toString();
			bundle.append(i == 0 ? "" : ",").append("{\"resource\":{\"resourceType\":\"DiagnosticReport\",\"status\":\"final\","
					+ "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"24627-2\",\"display\":\"CT Chest\"}]},"
					+ "\"performer\":[{\"reference\":\"Organization/hospital-b\"}],"
					+ "\"subject\":{\"reference\":\"Patient/" + id + "\"},\"effectiveDateTime\":\"" + when + "\"},"
					+ "\"request\":{\"method\":\"POST\",\"url\":\"DiagnosticReport\"}}");
		}
		FhirHttp.Response stored = hospitalB.post("", bundle.append("]}").toString(), java.util.Map.of("Content-Type", "application/fhir+json"));
		assertThat(stored.status()).as(stored.body()).isEqualTo(200);
		assertThat(fhir.getFresh("/Account?subject=Patient/" + id).bundle().getEntry()).as("one Account for the episode").hasSize(1);
	}
}
