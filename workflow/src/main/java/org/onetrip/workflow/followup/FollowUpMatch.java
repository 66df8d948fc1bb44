package org.onetrip.workflow.followup;

import java.time.LocalDate;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.BiPredicate;

/**
 * Which open follow-up a result or visit completes: one of the same person, of the same kind (the same exam type, in
 * the region catalogue's sense, or a visit), already open on the day it happened; the earliest due first, so a late
 * result completes the overdue one before the next.
 */
public final class FollowUpMatch {

	/** An open follow-up Task as the rule sees it. {@code examCode}: the catalogue code, or null for a visit. */
	public record Open(String taskId, String examCode, LocalDate opens, LocalDate due) {}

	private FollowUpMatch() {}

	/**
	 * @param examCode the result's catalogue exam code, or null when it is a visit
	 * @param sameType the catalogue's "same type" rule
	 */
	public static Optional<Open> completedBy(List<Open> open, String examCode, LocalDate day, BiPredicate<String, String> sameType) {
		return open.stream()
				.filter(task -> examCode == null ? task.examCode() == null : task.examCode() != null && sameType.test(task.examCode(), examCode))
				.filter(task -> !day.isBefore(task.opens()))
				.min(Comparator.comparing(Open::due));
	}

	/** Done on time: on or before its due day. */
	public static boolean onTime(Open task, LocalDate day) {
		return !day.isAfter(task.due());
	}
}
