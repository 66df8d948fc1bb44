package org.onetrip.server.inputcheck;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Large bodies share part of the heap, at the measured heap per MB of body. No server. */
class LargeBodyBudgetTest {

	private static final long MB = 1024 * 1024;
	private static final long BUDGET_MB_OF_2G = 2048 - LargeBodyBudget.RESERVED_FOR_THE_REST_MB;

	@Test
	void theLargestBodyIsTheOneThatFitsTheBudgetAlone() {
		LargeBodyBudget budget = new LargeBodyBudget(2048 * MB, Duration.ofMillis(50));

		assertThat(budget.largestBodyBytes()).isEqualTo(BUDGET_MB_OF_2G / LargeBodyBudget.HEAP_PER_BODY_MB * MB);
		LargeBodyBudget ofTheDefaultHeap = new LargeBodyBudget(1400 * MB, Duration.ofMillis(50));
		assertThat(ofTheDefaultHeap.largestBodyBytes()).as("a real-sized history, Synthea's largest of 200 one day "
				+ "(46,449,593 bytes), fits the default 1400 MB heap").isGreaterThan(46_449_593L);
		assertThat(ofTheDefaultHeap.largestEntryCount()).as("and its 29,495 entries").isGreaterThan(29_495);
	}

	@Test
	void aSmallHeapStillTakesLargeBodiesInAShareOfIt() {
		LargeBodyBudget budget = new LargeBodyBudget(512 * MB, Duration.ofMillis(50));
		assertThat(budget.budgetMegabytes()).isEqualTo((long) (512 * LargeBodyBudget.SMALLEST_SHARE));
		assertThat(budget.largestEntryCount()).isEqualTo(128 * 1024 / LargeBodyBudget.HEAP_PER_ENTRY_KB);
	}

	@Test
	void largeBodiesWaitForEachOtherAndOneThatDoesNotFitInTimeIsTurnedAway() throws Exception {
		LargeBodyBudget budget = new LargeBodyBudget(2048 * MB, Duration.ofMillis(50));
		// Two of these fit the budget, three do not.
		long bodyMb = (long) (BUDGET_MB_OF_2G / (LargeBodyBudget.HEAP_PER_BODY_MB * 2.5));

		Optional<LargeBodyBudget.Reservation> first = budget.reserve(bodyMb * MB);
		Optional<LargeBodyBudget.Reservation> second = budget.reserve(bodyMb * MB);

		assertThat(first).isPresent();
		assertThat(second).isPresent();
		assertThat(budget.reserve(bodyMb * MB)).as("a third, after waiting").isEmpty();
		first.get().close();
		first.get().close(); // given back once only
		assertThat(budget.availableMegabytes()).isEqualTo(BUDGET_MB_OF_2G - bodyMb * LargeBodyBudget.HEAP_PER_BODY_MB);
		assertThat(budget.reserve(bodyMb * MB)).isPresent();
	}

	@Test
	void smallBodiesAreNotCounted() throws Exception {
		LargeBodyBudget budget = new LargeBodyBudget(64 * MB, Duration.ofMillis(50));
		for (int i = 0; i < 1000; i++) {
			assertThat(budget.reserve(LargeBodyBudget.LARGE_BODY_BYTES - 1)).isPresent();
		}
		assertThat(budget.availableMegabytes()).isEqualTo(budget.budgetMegabytes());
	}
}
