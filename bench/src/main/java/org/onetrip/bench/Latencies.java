package org.onetrip.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Recorded durations of one kind of request, summarised as percentiles (nearest-rank). */
public final class Latencies {

	private final List<Double> millis = new ArrayList<>();

	public synchronized void record(long nanos) {
		millis.add(nanos / 1e6);
	}

	public synchronized double percentile(double p) {
		if (millis.isEmpty()) return Double.NaN;
		List<Double> sorted = new ArrayList<>(millis);
		Collections.sort(sorted);
		int rank = (int) Math.ceil(p / 100.0 * sorted.size());
		return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
	}

	public synchronized int count() {
		return millis.size();
	}

	public String row(String name) {
		return String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f | %.1f |",
				name, count(), percentile(50), percentile(95), percentile(99), percentile(100));
	}

	public static String header() {
		return "| request | n | p50 ms | p95 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|---:|";
	}
}
