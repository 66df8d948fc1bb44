package org.onetrip.server.priorexam;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.Endpoint;
import org.junit.jupiter.api.Test;

/** The Endpoints kept for index records: read once, read again after a write or after a while. No server. */
class KnownEndpointsTest {

	private final List<String> reads = new ArrayList<>();
	private Instant now = Instant.parse("2026-12-02T08:00:00Z");
	private String address = "http://onetrip.example/dicomweb";

	private final KnownEndpoints endpoints = new KnownEndpoints(reference -> {
		reads.add(reference);
		return reference.equals("Endpoint/gone") ? Optional.empty()
				: Optional.of((Endpoint) new Endpoint().setAddress(address).setId(reference));
	}, new Clock() {
		@Override
		public ZoneOffset getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(java.time.ZoneId zone) {
			return this;
		}

		@Override
		public Instant instant() {
			return now;
		}
	});

	@Test
	void anEndpointIsReadOnceForManyRecords() {
		for (int i = 0; i < 100; i++) {
			assertThat(endpoints.apply("Endpoint/dicomweb")).map(Endpoint::getAddress).contains(address);
		}
		assertThat(endpoints.apply("Endpoint/gone")).isEmpty();
		assertThat(endpoints.apply("Endpoint/gone")).isEmpty();

		assertThat(reads).containsExactly("Endpoint/dicomweb", "Endpoint/gone");
	}

	@Test
	void anEndpointWrittenHereIsReadAgainAtOnce() {
		endpoints.apply("Endpoint/dicomweb");
		address = "https://moved.example/dicomweb";

		endpoints.updated(new Endpoint().setId("Endpoint/dicomweb"), new Endpoint().setId("Endpoint/dicomweb"));

		assertThat(endpoints.apply("Endpoint/dicomweb")).map(Endpoint::getAddress).contains("https://moved.example/dicomweb");
		assertThat(reads).hasSize(2);
	}

	@Test
	void anEndpointWrittenThroughAnotherServerIsReadAgainAfterAWhile() {
		endpoints.apply("Endpoint/dicomweb");
		address = "https://moved.example/dicomweb";

		now = now.plus(KnownEndpoints.KEPT_FOR.minus(Duration.ofSeconds(1)));
		assertThat(endpoints.apply("Endpoint/dicomweb")).map(Endpoint::getAddress).contains("http://onetrip.example/dicomweb");
		now = now.plus(Duration.ofSeconds(2));
		assertThat(endpoints.apply("Endpoint/dicomweb")).map(Endpoint::getAddress).contains("https://moved.example/dicomweb");
	}
}
