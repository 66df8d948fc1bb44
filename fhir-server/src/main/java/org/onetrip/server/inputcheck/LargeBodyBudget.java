package org.onetrip.server.inputcheck;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The heap that large FHIR request bodies may hold at once: the heap less what the rest of the server needs. A
 * transaction Bundle of n MB holds about {@link #HEAP_PER_BODY_MB} times n MB of heap while HAPI parses and stores it
 * (measured with {@code ./onetrip bench bundles}, bench/RESULTS.md), so the limit that protects the heap is on their
 * sum, not on one patient's history: a large body reserves its share of the budget before it is read and gives it back
 * when its request ends; one that does not fit waits for others to finish, up to a while, then is told to come back
 * (503). The largest single body, and the most entries of one Bundle, are those that fit the whole budget alone.
 */
public final class LargeBodyBudget {

	/**
	 * Heap held per MB of body while it is stored, the body as clients send it (compact JSON): 19.9-21.0 MB live at the
	 * peak for the 4 largest Synthea patients of 200 ({@code ./onetrip bench bundles}, a full collection every 4 s), 22.3
	 * by a class histogram late in the largest one's store (a 44 MB body of 29,495 entries: 990 MB), 2026-12-03. The
	 * earlier 21 was per MB of Synthea's pretty-printed file, which is 1.4 times the body.
	 */
	static final int HEAP_PER_BODY_MB = 22;
	/**
	 * Heap held per entry of a transaction or batch, the same measurement (990 MB for 29,495 entries): what a Bundle of
	 * many small entries holds, which its byte size undercounts (each entry is a resource row, its history row, index
	 * rows and Hibernate's bookkeeping for each until the commit).
	 */
	static final int HEAP_PER_ENTRY_KB = 34;
	/** Smaller bodies are not counted: hundreds of ordinary requests at once hold little. */
	static final long LARGE_BODY_BYTES = 1024 * 1024;
	/**
	 * Heap kept for everything but large bodies: the server's own live data (215-230 MB after a full collection of a
	 * server that has stored 100-200 Synthea patients), ordinary requests, and room for the collector (with G1's reserve
	 * raised to 20 % of the heap by the launcher: bench/HISTORY.md, 2026-12-04). A fixed amount,
	 * not a share: what the rest needs does not grow with the heap. The bundles benchmark restates it
	 * ({@code LargeBundles.SERVER_RESERVE_MB}, which reaches the server over HTTP only).
	 */
	static final long RESERVED_FOR_THE_REST_MB = 400;
	/** On a heap too small for that reserve to leave much, large bodies still get this share of it. */
	static final double SMALLEST_SHARE = 0.25;

	private final long budgetMegabytes;
	private final Semaphore megabytes;
	private final Duration wait;

	LargeBodyBudget(long heapBytes, Duration wait) {
		long heapMegabytes = heapBytes / (1024 * 1024);
		this.budgetMegabytes = Math.max(1, Math.max(heapMegabytes - RESERVED_FOR_THE_REST_MB,
				(long) (heapMegabytes * SMALLEST_SHARE)));
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

	/** The most entries a transaction or batch may have: the number whose heap fits the budget alone. */
	public int largestEntryCount() {
		return (int) Math.min(Integer.MAX_VALUE, Math.max(1000, budgetMegabytes * 1024 / HEAP_PER_ENTRY_KB));
	}

	long budgetMegabytes() {
		return budgetMegabytes;
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
