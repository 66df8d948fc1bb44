package org.onetrip.server.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The door's count of bookings in flight: who goes on, who waits, and that waiting never blocks for good. */
class BookingsInFlightTest {

	private final BookingsInFlight inFlight = new BookingsInFlight(Duration.ofSeconds(10));

	@Test
	void bookingsGoOnWhileFewerAreInFlightThanPlacesAreLeft() {
		long deadline = inFlight.deadlineFromNow();
		assertThat(inFlight.enterOrWait(Map.of("s1", 2), deadline)).isTrue();
		assertThat(inFlight.enterOrWait(Map.of("s1", 2), deadline)).isTrue();
		assertThat(inFlight.inFlight("s1")).isEqualTo(2);
		inFlight.leave(List.of("s1"));
		inFlight.leave(List.of("s1"));
		assertThat(inFlight.inFlight("s1")).isZero();
	}

	@Test
	void aBookingForPlacesAllInFlightWaitsUntilOneOfThemFinishesAndIsThenLookedAtAgain() throws Exception {
		assertThat(inFlight.enterOrWait(Map.of("s1", 1), inFlight.deadlineFromNow())).isTrue();

		CompletableFuture<Boolean> second = CompletableFuture.supplyAsync(() -> inFlight.enterOrWait(Map.of("s1", 1),
				inFlight.deadlineFromNow()));
		Thread.sleep(300);
		assertThat(second).as("waits while the only place left is being claimed").isNotDone();

		inFlight.leave(List.of("s1"));
		assertThat(second.get(5, TimeUnit.SECONDS)).as("woken to look at the slot again, not counted in yet").isFalse();
		assertThat(inFlight.inFlight("s1")).isZero();
	}

	@Test
	void aBookingThatWaitedTheLongestItMayGoesOnRegardless() {
		BookingsInFlight briefly = new BookingsInFlight(Duration.ofMillis(200));
		assertThat(briefly.enterOrWait(Map.of("s1", 1), briefly.deadlineFromNow())).isTrue();

		long started = System.nanoTime();
		long deadline = briefly.deadlineFromNow();
		int looks = 1;
		while (!briefly.enterOrWait(Map.of("s1", 1), deadline)) {
			looks++;
		}
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(190));
		assertThat(looks).as("one wait until the deadline, then in").isEqualTo(2);
		assertThat(briefly.inFlight("s1")).isEqualTo(2);
	}

	@Test
	void whileWaitingForOneSlotABookingIsNotCountedInItsOthers() throws Exception {
		assertThat(inFlight.enterOrWait(Map.of("b", 1), inFlight.deadlineFromNow())).isTrue();
		Map<String, Integer> both = new TreeMap<>(Map.of("a", 5, "b", 1));

		CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> inFlight.enterOrWait(both, inFlight.deadlineFromNow()));
		Thread.sleep(300);
		assertThat(waiting).isNotDone();
		assertThat(inFlight.inFlight("a")).as("given back while it waits for b").isZero();

		inFlight.leave(List.of("b"));
		assertThat(waiting.get(5, TimeUnit.SECONDS)).isFalse();
		assertThat(inFlight.enterOrWait(both, inFlight.deadlineFromNow())).as("the next look: places in both").isTrue();
		assertThat(inFlight.inFlight("a")).isEqualTo(1);
		assertThat(inFlight.inFlight("b")).isEqualTo(1);
	}

	@Test
	void anInterruptedBookingDoesNotWait() {
		assertThat(inFlight.enterOrWait(Map.of("s1", 1), inFlight.deadlineFromNow())).isTrue();
		Thread.currentThread().interrupt();
		try {
			assertThat(inFlight.enterOrWait(Map.of("s1", 1), inFlight.deadlineFromNow())).isTrue();
			assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is kept for the caller").isTrue();
		} finally {
			Thread.interrupted();
		}
	}
}
