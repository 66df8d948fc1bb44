package org.onetrip.workflow.followup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.time.Period;
import java.util.List;
import org.junit.jupiter.api.Test;

class FollowUpRulesTest {

	static final LocalDate START = LocalDate.of(2026, 1, 15);

	@Test
	void everyThreeMonthsFourTimesOpeningHalfAPeriodBefore() {
		List<FollowUpSchedule.Occurrence> quarterly = FollowUpSchedule.occurrences(START, Period.ofMonths(3), 4);
		assertThat(quarterly).extracting(FollowUpSchedule.Occurrence::due)
				.containsExactly(LocalDate.of(2026, 4, 15), LocalDate.of(2026, 7, 15), LocalDate.of(2026, 10, 15), LocalDate.of(2027, 1, 15));
		assertThat(quarterly.get(0).opens()).isEqualTo(LocalDate.of(2026, 3, 1)); // 90 days / 2 = 45 days before
		assertThat(quarterly.get(0).overdueOn(LocalDate.of(2026, 4, 15))).isFalse();
		assertThat(quarterly.get(0).overdueOn(LocalDate.of(2026, 4, 16))).isTrue();
		List<FollowUpSchedule.Occurrence> daySeven = FollowUpSchedule.occurrences(START, Period.ofDays(7), 1);
		assertThat(daySeven.get(0).opens()).isEqualTo(START.plusDays(4));
		assertThatThrownBy(() -> FollowUpSchedule.occurrences(START, Period.ZERO, 1)).hasMessageContaining("positive");
	}

	@Test
	void aResultCompletesTheEarliestOpenFollowUpOfItsType() {
		List<FollowUpMatch.Open> open = List.of(
				new FollowUpMatch.Open("hba1c-2", "4548-4", LocalDate.of(2026, 5, 31), LocalDate.of(2026, 7, 15)),
				new FollowUpMatch.Open("hba1c-1", "4548-4", LocalDate.of(2026, 2, 28), LocalDate.of(2026, 4, 15)),
				new FollowUpMatch.Open("visit-1", null, LocalDate.of(2026, 2, 28), LocalDate.of(2026, 4, 15)));
		assertThat(FollowUpMatch.completedBy(open, "4548-4", LocalDate.of(2026, 6, 10), String::equals)).get()
				.extracting(FollowUpMatch.Open::taskId).as("the overdue one first").isEqualTo("hba1c-1");
		assertThat(FollowUpMatch.completedBy(open, "4548-4", LocalDate.of(2026, 2, 1), String::equals)).as("too early").isEmpty();
		assertThat(FollowUpMatch.completedBy(open, "11524-6", LocalDate.of(2026, 3, 1), String::equals)).as("another exam").isEmpty();
		assertThat(FollowUpMatch.completedBy(open, null, LocalDate.of(2026, 3, 1), String::equals)).get()
				.extracting(FollowUpMatch.Open::taskId).isEqualTo("visit-1");
		assertThat(FollowUpMatch.onTime(open.get(1), LocalDate.of(2026, 4, 15))).isTrue();
		assertThat(FollowUpMatch.onTime(open.get(1), LocalDate.of(2026, 4, 16))).isFalse();
	}
}
