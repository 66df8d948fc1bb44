package org.onetrip.workflow.followup;

import java.time.LocalDate;
import java.time.Period;
import java.util.ArrayList;
import java.util.List;

/**
 * When each follow-up of a plan's action falls: the action repeats {@code count} times, every {@code every} from the
 * plan's start; occurrence k is due on start + k x every. It opens half a period before (a result a little early
 * counts: nobody repeats a test for being six weeks early on a three-month plan) and is overdue after its due day; a
 * late result still completes it, but not on time.
 */
public final class FollowUpSchedule {

	/** One follow-up: done by a result or visit on or after {@code opens}; on time if on or before {@code due}. */
	public record Occurrence(int number, LocalDate opens, LocalDate due) {
		public boolean overdueOn(LocalDate today) {
			return today.isAfter(due);
		}
	}

	private FollowUpSchedule() {}

	public static List<Occurrence> occurrences(LocalDate start, Period every, int count) {
		if (count < 1 || every.isZero() || every.isNegative()) {
			throw new IllegalArgumentException("an action repeats at least once, every positive period (not " + count + " x " + every + ")");
		}
		List<Occurrence> occurrences = new ArrayList<>();
		for (int k = 1; k <= count; k++) {
			LocalDate due = start.plus(every.multipliedBy(k));
			LocalDate previousDue = start.plus(every.multipliedBy(k - 1));
			long halfPeriodDays = Math.max(1, (due.toEpochDay() - previousDue.toEpochDay()) / 2);
			occurrences.add(new Occurrence(k, due.minusDays(halfPeriodDays), due));
		}
		return occurrences;
	}
}
