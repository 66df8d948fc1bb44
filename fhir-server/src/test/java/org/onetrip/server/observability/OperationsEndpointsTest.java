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
}
