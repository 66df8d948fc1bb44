package org.onetrip.server.inputcheck;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The heap that large FHIR request bodies may hold at once. A transaction Bundle of n MB holds about
 * {@link #HEAP_PER_BODY_MB} times n MB of heap while HAPI parses and stores it (measured with
 * {@code ./onetrip bench bundles}, bench/RESULTS.md), so the limit that protects the heap is on their sum, not on one
 * patient's history: a large body reserves its share of the budget before it is read and gives it back when its
 * request ends; one that does not fit waits for others to finish, up to a while, then is told to come back (503).
 * The largest single body is the one that fits the whole budget alone.
 */
public final class LargeBodyBudget {

	/**
	 * Heap held per MB of body while it is stored: 19-21 MB for Synthea Bundles of 20-33 MB after a full GC (bench
	 * bundles, 2026-12-02; one reading of 40 counted old garbage that only a later collection frees).
	 */
	static final int HEAP_PER_BODY_MB = 21;
	/** Smaller bodies are not counted: hundreds of ordinary requests at once hold little. */
	static final long LARGE_BODY_BYTES = 1024 * 1024;
	/**
	 * The share of the heap large bodies may hold together; the rest is for everything else (~230 MB live after a
	 * full GC of a server that has stored 100 Synthea patients).
	 */
	static final double HEAP_SHARE = 0.6;

	private final long budgetMegabytes;
	private final Semaphore megabytes;
	private final Duration wait;

	LargeBodyBudget(long heapBytes, Duration wait) {
		this.budgetMegabytes = Math.max(1, (long) (heapBytes * HEAP_SHARE / (1024 * 1024)));
		this.megabytes = new Semaphore((int) Math.min(Integer.MAX_VALUE, budgetMegabytes), true);
		this.wait = wait;
	}

	/** The budget of this JVM's maximum heap. */
	public static LargeBodyBudget ofThisHeap() {
		return new LargeBodyBudget(Runtime.getRuntime().maxMemory(), Duration.ofSeconds(60));
	}

	/** The largest body that fits the budget alone: the request body limit when none is configured. */
	public long largestBodyBytes() {
		// Never below the large-body threshold: a small heap still takes ordinary requests.
		return Math.max(LARGE_BODY_BYTES, budgetMegabytes / HEAP_PER_BODY_MB * 1024 * 1024);
	}

	/** A reservation; closing it gives the heap back. */
	public interface Reservation extends AutoCloseable {
		@Override
		void close();
	}

	/**
	 * Reserves the heap a body of this size holds, waiting for others to end when the budget is taken.
	 *
	 * @return empty when it did not fit in time: the caller answers 503
	 */
	public Optional<Reservation> reserve(long bodyBytes) throws InterruptedException {
		if (bodyBytes < LARGE_BODY_BYTES) {
			return Optional.of(() -> {});
		}
		int needed = (int) Math.min(budgetMegabytes, ceilMegabytes(bodyBytes) * HEAP_PER_BODY_MB);
		if (!megabytes.tryAcquire(needed, wait.toMillis(), TimeUnit.MILLISECONDS)) {
			return Optional.empty();
		}
		return Optional.of(new Reservation() {
			private boolean released;

			@Override
			public synchronized void close() {
				if (!released) {
					released = true;
					megabytes.release(needed);
				}
			}
		});
	}

	long availableMegabytes() {
		return megabytes.availablePermits();
	}

	private static long ceilMegabytes(long bytes) {
		return (bytes + 1024 * 1024 - 1) / (1024 * 1024);
	}
}
