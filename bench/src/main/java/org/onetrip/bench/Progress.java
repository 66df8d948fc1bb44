package org.onetrip.bench;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A one-line progress bar on stderr, redrawn at most twice a second:
 * {@code loading [#########-----------]  57/200 bundles  68,412 resources  812 res/s  ETA 2m56s}.
 */
public final class Progress implements AutoCloseable {

	private static final int WIDTH = 30;

	private final String label;
	private final long totalUnits;
	private final String unitName;
	private final String itemName;
	private final String rateName;
	private final AtomicLong units = new AtomicLong();
	private final AtomicLong items = new AtomicLong();
	private final long startNanos = System.nanoTime();
	private final PrintStream out = System.err;
	private final boolean interactive = System.console() != null;
	private volatile long lastDrawNanos;
	private volatile boolean closed;

	public Progress(String label, long totalUnits, String unitName) {
		this(label, totalUnits, unitName, "resources", "res/s");
	}

	/** A bar whose items are not FHIR resources ({@code "instances", "inst/s"}). */
	public Progress(String label, long totalUnits, String unitName, String itemName, String rateName) {
		this.label = label;
		this.totalUnits = totalUnits;
		this.unitName = unitName;
		this.itemName = itemName;
		this.rateName = rateName;
	}

	/** Sets the units done so far (one item each) from a counter read elsewhere, e.g. a server's statistics. */
	public void advanceTo(long unitsDone) {
		long delta = unitsDone - units.get();
		if (delta > 0) {
			units.addAndGet(delta);
			items.addAndGet(delta);
			maybeDraw();
		}
	}

	/** One more unit (a bundle) done, carrying {@code itemsInUnit} items (resources). */
	public void advance(long itemsInUnit) {
		units.incrementAndGet();
		items.addAndGet(itemsInUnit);
		maybeDraw();
	}

	private void maybeDraw() {
		long now = System.nanoTime();
		// Non-interactive output (CI logs) gets a line every 5 s instead of carriage-return redraws.
		long interval = interactive ? 500_000_000L : 5_000_000_000L;
		if (now - lastDrawNanos > interval) {
			lastDrawNanos = now;
			draw(false);
		}
	}

	public long items() {
		return items.get();
	}

	public double seconds() {
		return (System.nanoTime() - startNanos) / 1e9;
	}

	public double itemsPerSecond() {
		double s = seconds();
		return s == 0 ? 0 : items.get() / s;
	}

	private synchronized void draw(boolean last) {
		if (closed) return;
		long done = units.get();
		double fraction = totalUnits == 0 ? 1 : Math.min(1.0, (double) done / totalUnits);
		int filled = (int) Math.round(fraction * WIDTH);
		double elapsed = seconds();
		long etaSeconds = done == 0 ? 0 : Math.round(elapsed / done * (totalUnits - done));
		String line = String.format(Locale.ROOT, "%s [%s%s] %d/%d %s  %,d %s  %,.0f %s  %s",
				label, "#".repeat(filled), "-".repeat(WIDTH - filled), done, totalUnits, unitName,
				items.get(), itemName, itemsPerSecond(), rateName, last ? "in " + duration(Math.round(elapsed)) : "ETA " + duration(etaSeconds));
		if (interactive) {
			out.print("\r" + line + "   ");
			if (last) out.println();
		} else {
			out.println(line);
		}
		out.flush();
	}

	private static String duration(long seconds) {
		return seconds >= 60 ? (seconds / 60) + "m" + String.format(Locale.ROOT, "%02d", seconds % 60) + "s" : seconds + "s";
	}

	@Override
	public void close() {
		draw(true);
		closed = true;
	}
}
