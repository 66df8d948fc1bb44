package org.onetrip.workflow.consultation;

import java.time.Instant;
import java.util.Collection;
import java.util.List;

/** When everyone on a multidisciplinary consult is free: the candidate times none of them is busy in. */
public final class CommonTimes {

	/** A half-open time interval [start, end). */
	public record Interval(Instant start, Instant end) {
		public Interval {
			if (!start.isBefore(end)) {
				throw new IllegalArgumentException("an interval ends after it starts: " + start + " - " + end);
			}
		}

		public boolean overlaps(Interval other) {
			return start.isBefore(other.end) && other.start.isBefore(end);
		}
	}

	private CommonTimes() {}

	/**
	 * @param candidates the times that could be booked (consultation slots), in the order they are offered
	 * @param busyOfEach for each participant, the times they are already booked
	 * @return the candidates that overlap no participant's busy time, in the same order
	 */
	public static List<Interval> whenAllFree(List<Interval> candidates, Collection<List<Interval>> busyOfEach) {
		return candidates.stream()
				.filter(c -> busyOfEach.stream().noneMatch(busy -> busy.stream().anyMatch(c::overlaps)))
				.toList();
	}
}
