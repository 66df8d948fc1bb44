package org.onetrip.workflow.consultation;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Consult turnaround figures: the time from request to first opinion, as percentiles (nearest rank). */
public final class Turnaround {

	private Turnaround() {}

	/** The p-th percentile (0 < p <= 100) by nearest rank; empty when there is nothing to rank. */
	public static Optional<Duration> percentile(List<Duration> durations, int p) {
		if (p <= 0 || p > 100) {
			throw new IllegalArgumentException("a percentile is in (0, 100], was " + p);
		}
		if (durations.isEmpty()) {
			return Optional.empty();
		}
		List<Duration> sorted = durations.stream().sorted().toList();
		int rank = (int) Math.ceil(p / 100.0 * sorted.size());
		return Optional.of(sorted.get(Math.max(0, rank - 1)));
	}
}
