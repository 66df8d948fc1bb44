package org.onetrip.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.OneTripInstance;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** Open access exists only when configured, and the server says so loudly when it starts. */
@ExtendWith(OutputCaptureExtension.class)
class OpenAccessTest {

	@Test
	void aServerInOpenModeTakesRequestsWithoutTokensAndWarnsAtStart(CapturedOutput output) {
		try (OneTripInstance open = OneTripInstance.start(Map.of(
				"onetrip.security.open", "true",
				"onetrip.dicom.enabled", "false",
				"onetrip.data-dir", "target/open-instance-" + java.util.UUID.randomUUID()))) {
			assertThat(output.getOut()).contains("OPEN ACCESS: onetrip.security.open=true");
			FhirHttp anonymous = open.fhir().as(null);
			Patient patient = new Patient();
			patient.addName().setFamily("Open");
			FhirHttp.Response created = anonymous.post("/Patient", anonymous.json(patient), Map.of("X-OneTrip-Hospital", "hospital-b"));
			assertThat(created.status()).as(created.toString()).isEqualTo(201);
			assertThat(created.as(Patient.class).getMeta().getTag())
					.as("the hospital the header names owns what it writes")
					.anyMatch(t -> Ownership.OWNER_SYSTEM.equals(t.getSystem()) && "hospital-b".equals(t.getCode()));
		}
	}
}
