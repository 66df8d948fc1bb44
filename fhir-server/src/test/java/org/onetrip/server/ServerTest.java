package org.onetrip.server;

import ca.uhn.fhir.context.FhirContext;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of the integration tests: one OneTrip server (its own PostgreSQL, in a fresh data directory)
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
			"onetrip.registration=../config/registration.yaml",
			"onetrip.settlement=../config/settlement.yaml",
			// Ended visits are settled on their credit line within a second (the test of it moves the clock past the visit).
			"onetrip.settlement-sweep-every=PT1S",
			"onetrip.follow-up-plans=../config/followup",
			// Overdue follow-ups are flagged and reminded within a second (the test of it moves the clock months on).
			"onetrip.follow-up-sweep-every=PT1S",
			"onetrip.security.clients=../config/clients.yaml",
			"onetrip.figures.refresh=PT1S",
			// Small limits, so that the limit tests reach them; the test suite's own region token is never limited.
			"onetrip.limits.client-requests-per-second=" + ServerTest.CLIENT_RATE_IN_TESTS,
			"onetrip.limits.client-burst=" + ServerTest.CLIENT_BURST_IN_TESTS,
			"onetrip.limits.max-bundle-entries=" + ServerTest.MAX_BUNDLE_ENTRIES_IN_TESTS,
			// The suite's JVM has a quarter of the machine's memory; its heap-derived body limit would be ~250 MB.
			"onetrip.max-request-body=20MB",
			"server.address=127.0.0.1",
			"onetrip.dicom.port=0"
		})
@Import(TestClock.Configuration.class)
public abstract class ServerTest {

	protected static final int CLIENT_RATE_IN_TESTS = 20;
	protected static final int CLIENT_BURST_IN_TESTS = 40;
	protected static final int MAX_BUNDLE_ENTRIES_IN_TESTS = 300;

	static final Path DATA_DIR = Path.of("target", "it-data", UUID.randomUUID().toString()).toAbsolutePath();

	/** Where hospital A's workstation (dcmtk's movescu, in the DICOM tests) receives what a C-MOVE sends. */
	protected static final int HOSP_A_MOVE_PORT = freePort();

	@DynamicPropertySource
	static void dataDirectory(DynamicPropertyRegistry registry) {
		registry.add("onetrip.data-dir", DATA_DIR::toString);
		registry.add("onetrip.security.key-file", TestTokens.KEY_FILE::toString);
		registry.add("onetrip.dicom.destinations.HOSP_A", () -> "127.0.0.1:" + HOSP_A_MOVE_PORT);
		// Hospital B's node has an address too, so that sending there on A's behalf is refused for the right reason.
		registry.add("onetrip.dicom.destinations.HOSP_B", () -> "127.0.0.1:" + freePort());
	}

	private static int freePort() {
		try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		} catch (java.io.IOException e) {
			throw new IllegalStateException("no free port on loopback", e);
		}
	}

	@LocalServerPort
	protected int port;

	@Autowired
	protected FhirContext fhirContext;

	/** The server's workflow clock: move it on instead of sleeping until a time rule applies. */
	@Autowired
	protected TestClock clock;

	protected FhirHttp fhir;

	@BeforeEach
	void connect() {
		fhir = new FhirHttp(fhirContext, "http://127.0.0.1:" + port + "/fhir");
	}

	/** A value no other test uses, so tests sharing the server never see each other's data. */
	protected static String unique(String prefix) {
		return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
	}

	/** AuditEvents are written off the request thread: wait (briefly) for the one the query finds. */
	protected org.hl7.fhir.r4.model.AuditEvent awaitAudit(String query) {
		long deadline = System.currentTimeMillis() + 15_000;
		while (System.currentTimeMillis() < deadline) {
			var found = fhir.getFresh("/AuditEvent?" + query + "&_sort=-date&_count=1").bundle().getEntry();
			if (!found.isEmpty()) {
				return (org.hl7.fhir.r4.model.AuditEvent) found.get(0).getResource();
			}
			try {
				Thread.sleep(200);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				break;
			}
		}
		String entity = query.replaceAll(".*entity=([^&]*).*", "$1");
		throw new AssertionError("no AuditEvent for " + query + "; those of " + entity + ": "
				+ fhir.get("/AuditEvent?entity=" + entity + "&_sort=-date&_count=5").body());
	}
}
