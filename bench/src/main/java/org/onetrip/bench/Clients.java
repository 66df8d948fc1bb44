package org.onetrip.bench;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed number of requests shared by many clients at once, each client sending to one of the instances in turn,
 * with a progress bar: every request's HTTP status and latency recorded (-1 when it failed to get an answer).
 */
public final class Clients {

	private Clients() {}

	/**
	 * The HTTP client of a load generator: its pool's threads are daemons, so they never keep the JVM (and the launcher
	 * waiting for the report) alive after the benchmark ends.
	 */
	public static HttpClient http(String threadName) {
		return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
				.executor(Executors.newFixedThreadPool(8, r -> {
					Thread thread = new Thread(r, threadName);
					thread.setDaemon(true);
					return thread;
				})).build();
	}

	/** Sends request number {@code index} to the instance at {@code base}; returns the HTTP status. */
	@FunctionalInterface
	public interface Request {
		int send(int index, String base) throws Exception;
	}

	/**
	 * @param latenciesByStatus the same durations split by the answer's status (-1: no answer)
	 * @param latenciesByBase the same durations split by the server they were sent to
	 */
	public record Run(double seconds, Map<Integer, AtomicInteger> statuses, Latencies latencies,
			Map<Integer, Latencies> latenciesByStatus, Map<String, Latencies> latenciesByBase) {
		public int count(int status) {
			return statuses.getOrDefault(status, new AtomicInteger()).get();
		}

		public int total() {
			return statuses.values().stream().mapToInt(AtomicInteger::get).sum();
		}
	}

	/**
	 * With BENCH_REQUEST_LOG set to a file, every request's start (ms into its round), duration, status, server and
	 * start on the wall clock (epoch ms) are appended to it: for reading a latency tail against time (a stall, a burst
	 * of background work) and against the servers' own logs (a collector's pause, a safepoint).
	 */
	private static final java.io.PrintStream requestLog = openRequestLog();

	private static java.io.PrintStream openRequestLog() {
		String file = System.getenv("BENCH_REQUEST_LOG");
		try {
			return file == null || file.isBlank() ? null
					: new java.io.PrintStream(new java.io.FileOutputStream(file, true), true, java.nio.charset.StandardCharsets.UTF_8);
		} catch (java.io.IOException e) {
			throw new java.io.UncheckedIOException("BENCH_REQUEST_LOG " + file, e);
		}
	}

	public static Run run(String label, int count, int clients, List<String> bases, Request request) throws Exception {
		ConcurrentHashMap<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
		Latencies latencies = new Latencies();
		ConcurrentHashMap<Integer, Latencies> latenciesByStatus = new ConcurrentHashMap<>();
		ConcurrentHashMap<String, Latencies> latenciesByBase = new ConcurrentHashMap<>();
		bases.forEach(base -> latenciesByBase.put(base, new Latencies()));
		ExecutorService pool = Executors.newFixedThreadPool(clients);
		AtomicInteger next = new AtomicInteger();
		long t0 = System.nanoTime();
		long wallT0 = System.currentTimeMillis();
		try (Progress progress = new Progress(label, count, "requests")) {
			List<Future<?>> futures = new ArrayList<>();
			for (int c = 0; c < clients; c++) {
				String base = bases.get(c % bases.size());
				futures.add(pool.submit(() -> {
					int i;
					while ((i = next.getAndIncrement()) < count) {
						long start = System.nanoTime();
						int status;
						try {
							status = request.send(i, base);
						} catch (Exception e) {
							status = -1;
						}
						long took = System.nanoTime() - start;
						if (requestLog != null) {
							requestLog.println(label + "," + (start - t0) / 1_000_000 + "," + took / 1_000_000 + "," + status + "," + base
									+ "," + (wallT0 + (start - t0) / 1_000_000));
						}
						latencies.record(took);
						latenciesByStatus.computeIfAbsent(status, s -> new Latencies()).record(took);
						latenciesByBase.get(base).record(took);
						statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
						progress.advance(1);
					}
					return null;
				}));
			}
			for (Future<?> f : futures) {
				f.get();
			}
		} finally {
			pool.shutdown();
		}
		return new Run((System.nanoTime() - t0) / 1e9, statuses, latencies, latenciesByStatus, latenciesByBase);
	}
}
