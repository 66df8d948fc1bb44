package org.onetrip.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.onetrip.server.ServerTest;
import org.springframework.beans.factory.annotation.Autowired;

/** {@code onetrip.audit.events{kind,outcome}} counts every record the trail is given, each under its own kind and outcome. */
class AuditTrailCountsTest extends ServerTest {

	@Autowired
	AuditTrail trail;

	@Autowired
	MeterRegistry meters;

	@Test
	void eachRecordIsCountedUnderItsKindAndOutcome() {
		// A kind of its own, so that what the shared server audits meanwhile is not counted here.
		String kind = unique("counted-kind");
		double successes = count(kind, "success");
		double failures = count(kind, "failure");

		trail.record(record(kind, 200));
		trail.record(record(kind, 201));
		trail.record(record(kind, 409));

		assertThat(count(kind, "success") - successes).isEqualTo(2);
		assertThat(count(kind, "failure") - failures).isEqualTo(1);
	}

	private double count(String kind, String outcome) {
		var counter = meters.find("onetrip.audit.events").tag("kind", kind).tag("outcome", outcome).counter();
		return counter == null ? 0 : counter.count();
	}

	private static AuditRecord record(String kind, int status) {
		return new AuditRecord(Instant.now(), kind, "R", "read", "counting-test", "hospital-a", "127.0.0.1", null, List.of(),
				List.of(), status, status >= 400 ? "refused" : null, false, null);
	}
}
