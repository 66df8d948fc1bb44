package org.onetrip.server;

import ca.uhn.fhir.context.FhirContext;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of the integration tests: one OneTrip server (embedded H2 file database in a fresh directory)
 * shared by every test class that extends this, reached over real HTTP on a random port.
 * Keep the annotations identical in subclasses so Spring reuses the one context.
 */
// Spring Boot switches metrics export off in tests unless asked; the Prometheus endpoint is under test.
@AutoConfigureObservability
@SpringBootTest(
		webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = {
			"spring.config.additional-location=file:../config/",
			"onetrip.region=../config/region.yaml",
			"onetrip.exams=../config/exams",
			"onetrip.rosters=../config/rosters.yaml",
			"server.address=127.0.0.1",
			"onetrip.dicom.port=0"
		})
public abstract class ServerTest {

	static final Path DATA_DIR = Path.of("target", "it-data", UUID.randomUUID().toString()).toAbsolutePath();

	@DynamicPropertySource
	static void dataDirectory(DynamicPropertyRegistry registry) {
		registry.add("onetrip.data-dir", DATA_DIR::toString);
	}

	@LocalServerPort
	protected int port;

	@Autowired
	protected FhirContext fhirContext;

	protected FhirHttp fhir;

	@BeforeEach
	void connect() {
		fhir = new FhirHttp(fhirContext, "http://127.0.0.1:" + port + "/fhir");
	}

	/** A value no other test uses, so tests sharing the server never see each other's data. */
	protected static String unique(String prefix) {
		return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
	}
}
