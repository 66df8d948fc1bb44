package org.onetrip.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The database found away by a failed request is refused at once until a probe outside the pool reaches it again. */
class DatabaseAvailabilityTest {

	@Test
	void awayUntilTheProbeReachesTheDatabaseAgain() throws Exception {
		AtomicBoolean databaseUp = new AtomicBoolean(false);
		AtomicInteger probes = new AtomicInteger();
		try (DatabaseAvailability availability = new DatabaseAvailability(() -> {
			probes.incrementAndGet();
			if (!databaseUp.get()) {
				throw new SQLException("Connection to 127.0.0.1:5432 refused", "08001");
			}
		})) {
			assertThat(availability.away()).isFalse();
			availability.lost("Connection to 127.0.0.1:5432 refused");
			assertThat(availability.away()).isTrue();
			availability.lost("another request failing meanwhile");
			await(() -> probes.get() >= 2, Duration.ofSeconds(5));
			assertThat(availability.away()).as("still unreachable after %d probes", probes.get()).isTrue();

			databaseUp.set(true);
			await(() -> !availability.away(), Duration.ofSeconds(5));
			int probesWhenBack = probes.get();
			Thread.sleep(1_500);
			assertThat(probes.get()).as("no probing once it is back").isEqualTo(probesWhenBack);
		}
	}

	@Test
	void aPoolThatWasOnlyBusyIsReachableAgainAfterOneProbe() throws Exception {
		AtomicInteger probes = new AtomicInteger();
		try (DatabaseAvailability availability = new DatabaseAvailability(probes::incrementAndGet)) {
			availability.lost("Connection is not available, request timed out after 30000ms");
			await(() -> !availability.away(), Duration.ofSeconds(2));
			assertThat(probes.get()).isEqualTo(1);
		}
	}

	private static void await(BooleanSupplier condition, Duration within) throws InterruptedException {
		Instant deadline = Instant.now().plus(within);
		while (!condition.getAsBoolean()) {
			assertThat(Instant.now()).as("condition not met within %s", within).isBefore(deadline);
			Thread.sleep(20);
		}
	}
}
