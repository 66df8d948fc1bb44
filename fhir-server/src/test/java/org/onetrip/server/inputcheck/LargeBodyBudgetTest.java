package org.onetrip.server.inputcheck;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Large bodies share part of the heap, at the measured heap per MB of body. No server. */
class LargeBodyBudgetTest {

	private static final long MB = 1024 * 1024;
	private static final long BUDGET_MB_OF_2G = (long) (2048 * LargeBodyBudget.HEAP_SHARE);

	@Test
	void theLargestBodyIsTheOneThatFitsTheBudgetAlone() {
		LargeBodyBudget budget = new LargeBodyBudget(2048 * MB, Duration.ofMillis(50));

		assertThat(budget.largestBodyBytes()).isEqualTo(BUDGET_MB_OF_2G / LargeBodyBudget.HEAP_PER_BODY_MB * MB);
		assertThat(budget.largestBodyBytes()).as("the largest Synthea patient of 200 (~40 MB) fits a 2 GB heap")
				.isGreaterThan(40 * MB);
		assertThat(new LargeBodyBudget(1536 * MB, Duration.ofMillis(50)).largestBodyBytes()).as("and the benchmark's 1.5 GB")
				.isGreaterThan(40 * MB);
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
		assertThat(budget.availableMegabytes()).isEqualTo((long) (64 * LargeBodyBudget.HEAP_SHARE));
	}
}
