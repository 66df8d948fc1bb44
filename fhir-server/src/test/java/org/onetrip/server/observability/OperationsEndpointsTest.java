package org.onetrip.server.observability;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.onetrip.server.ServerTest;

class OperationsEndpointsTest extends ServerTest {

	@Test
	void healthIsUpAndReportsTheDatabase() {
		var health = fhir.get("http://127.0.0.1:" + port + "/actuator/health", "application/json");
		assertThat(health.status()).isEqualTo(200);
		assertThat(health.body()).contains("\"status\":\"UP\"").contains("\"db\"");
	}

	@Test
	void prometheusExposesFhirRequestTimings() {
		fhir.get("/Organization/hospital-a");
		var metrics = fhir.get("http://127.0.0.1:" + port + "/actuator/prometheus", "text/plain");
		assertThat(metrics.status()).isEqualTo(200);
		assertThat(metrics.body())
				.contains("onetrip_fhir_requests_seconds_count{")
				.contains("operation=\"read\"")
				.contains("resource=\"Organization\"")
				.contains("hikaricp_connections");
	}

	/** Spring's http.server.requests would put every FHIR request under uri="UNKNOWN"; OneTrip's own timer has them. */
	@Test
	void fhirRequestsAreTimedOnceByOneTripAndOtherEndpointsBySpring() {
		fhir.get("http://127.0.0.1:" + port + "/actuator/health", "application/json");
		String before = scrape();
		for (int i = 0; i < 5; i++) {
			assertThat(fhir.get("/Organization/hospital-a").status()).isEqualTo(200);
		}
		String after = scrape();
		String organizationReads = "onetrip_fhir_requests_seconds_count{";
		assertThat(sum(after, organizationReads, "resource=\"Organization\"", "operation=\"read\"", "status=\"200\""))
				.isEqualTo(sum(before, organizationReads, "resource=\"Organization\"", "operation=\"read\"", "status=\"200\"") + 5);
		// Only the scrape between the two readings was added to Spring's timer; the health check is in it.
		String spring = "http_server_requests_seconds_count{";
		assertThat(sum(after, spring) - sum(after, spring, "uri=\"/actuator/prometheus\""))
				.isEqualTo(sum(before, spring) - sum(before, spring, "uri=\"/actuator/prometheus\""));
		assertThat(sum(after, spring, "uri=\"/actuator/health\"")).isPositive();
	}

	private String scrape() {
		var metrics = fhir.get("http://127.0.0.1:" + port + "/actuator/prometheus", "text/plain");
		assertThat(metrics.status()).isEqualTo(200);
		return metrics.body();
	}

	/** The sum of the samples of one metric whose labels contain all of {@code labels}. */
	private static double sum(String exposition, String metric, String... labels) {
		return exposition.lines().filter(line -> line.startsWith(metric))
				.filter(line -> java.util.Arrays.stream(labels).allMatch(line::contains))
				.mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
	}
}
