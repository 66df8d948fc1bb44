package org.onetrip.bench.results;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.onetrip.bench.Args;
import org.onetrip.bench.BearerToken;
import org.onetrip.bench.Latencies;
import org.onetrip.bench.Progress;
import org.onetrip.bench.fhir.ServerProcess;

/**
 * Results reaching the hospitals, measured over HTTP against a server of its own:
 * <ol>
 * <li><b>subscription delivery</b>: a receiver on loopback (in this JVM) subscribed to a code; Observations of that code
 * written at {@code --rate} per second for {@code --seconds}; the time from each write's 201 (its commit is before it)
 * to the receiver holding it, p50/p99, and from the write's start;</li>
 * <li><b>bulk export</b>: a system-level {@code $export} of everything the server holds (with {@code --data}, a database
 * an earlier {@code ./onetrip bench fhir} loaded with Synthea), kick-off to manifest, then every NDJSON file read:
 * resources per second.</li>
 * </ol>
 * <pre>./onetrip bench results --rate 100 --seconds 30 [--data .cache/synthea/bench-data-...]</pre>
 */
public final class ResultsBench {

	private static final ObjectMapper JSON = new ObjectMapper();
	private static final String CODES = "urn:onetrip:bench:delivery";

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
	private final String fhirBase;

	private ResultsBench(String fhirBase) {
		this.fhirBase = fhirBase;
	}

	public static void main(String[] argv) throws Exception {
		// The JDK's HTTP server leaves Nagle's algorithm on unless told: with the client's delayed ACK that is ~40 ms per
		// small response on loopback, which measured the receiver, not OneTrip (set before the server class loads).
		System.setProperty("sun.net.httpserver.nodelay", "true");
		Args args = new Args(argv);
		Path work = Path.of(args.get("work", ".cache"));
		String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
		Path dataDir = args.get("data", null) != null ? Path.of(args.get("data", null)) : work.resolve("results-bench-data-" + stamp);
		try (ServerProcess server = ServerProcess.start(Path.of(args.required("server-app")), dataDir, args.integer("port", 18097),
				args.get("heap", "2g"), work.resolve("results-bench-server-" + stamp + ".log"))) {
			System.err.printf(Locale.ROOT, "server ready in %.1f s%n", server.startupSeconds());
			ResultsBench bench = new ResultsBench(server.fhirBase().toString().replaceAll("/+$", ""));
			StringBuilder report = new StringBuilder();
			report.append(bench.delivery(args.integer("rate", 100), args.integer("seconds", 30), stamp));
			report.append(bench.export(args.get("data", null) != null ? "the database at --data" : "this run's writes only"));
			report.append(String.format(Locale.ROOT, "Server start-up %.1f s, RSS at the end %,d MiB.%n", server.startupSeconds(),
					server.rssMiB()));
			System.out.println(report);
		}
		System.exit(0); // the receiver's HTTP server leaves threads behind; the report is out, the run is over
	}

	private String delivery(int rate, int seconds, String stamp) throws Exception {
		String code = "delivery-" + stamp;
		Map<String, Long> answeredAt = new ConcurrentHashMap<>();
		Map<String, Long> startedAt = new ConcurrentHashMap<>();
		Map<String, Long> arrivedAt = new ConcurrentHashMap<>();
		AtomicInteger repeats = new AtomicInteger();
		HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
		receiver.setExecutor(Executors.newFixedThreadPool(8, r -> {
			Thread thread = new Thread(r, "receiver");
			thread.setDaemon(true);
			return thread;
		}));
		receiver.createContext("/", exchange -> {
			long now = System.nanoTime();
			exchange.getRequestBody().readAllBytes();
			String path = exchange.getRequestURI().getPath();
			if (arrivedAt.putIfAbsent(path.substring(path.lastIndexOf('/') + 1), now) != null) {
				repeats.incrementAndGet();
			}
			exchange.sendResponseHeaders(200, -1);
			exchange.close();
		});
		receiver.start();
		try {
			String subscription = """
					{"resourceType": "Subscription", "status": "requested", "reason": "bench %s",
					 "criteria": "Observation?code=%s|%s",
					 "channel": {"type": "rest-hook", "endpoint": "http://127.0.0.1:%d/hook", "payload": "application/fhir+json"}}
					""".formatted(stamp, CODES, code, receiver.getAddress().getPort());
			HttpResponse<String> created = send("POST", "/Subscription", subscription);
			if (created.statusCode() != 201) {
				throw new IllegalStateException("Subscription refused: " + created.statusCode() + " " + created.body());
			}
			Thread.sleep(3000); // the subscription is read by the matcher within its refresh

			int writes = rate * seconds;
			Latencies writeLatency = new Latencies();
			AtomicInteger refused = new AtomicInteger();
			ExecutorService writers = Executors.newFixedThreadPool(16);
			Semaphore inFlight = new Semaphore(64);
			long t0 = System.nanoTime();
			long intervalNanos = 1_000_000_000L / rate;
			try (Progress progress = new Progress("writes at " + rate + "/s", writes, "writes", "writes", "/s")) {
				for (int i = 0; i < writes; i++) {
					long due = t0 + i * intervalNanos;
					long wait = due - System.nanoTime();
					if (wait > 0) {
						TimeUnit.NANOSECONDS.sleep(wait);
					}
					inFlight.acquire();
					writers.execute(() -> {
						try {
							long start = System.nanoTime();
							HttpResponse<String> response = send("POST", "/Observation", """
									{"resourceType": "Observation", "status": "final", "code": {"coding": [{"system": "%s", "code": "%s"}]}}
									""".formatted(CODES, code));
							long answered = System.nanoTime();
							writeLatency.record(answered - start);
							if (response.statusCode() == 201) {
								String id = JSON.readTree(response.body()).get("id").asText();
								startedAt.put(id, start);
								answeredAt.put(id, answered);
							} else {
								refused.incrementAndGet();
							}
						} catch (Exception e) {
							refused.incrementAndGet();
						} finally {
							inFlight.release();
							progress.advance(1);
						}
					});
				}
				writers.shutdown();
				writers.awaitTermination(5, TimeUnit.MINUTES);
			}
			double writeSeconds = (System.nanoTime() - t0) / 1e9;
			long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
			while (!arrivedAt.keySet().containsAll(answeredAt.keySet()) && System.nanoTime() < deadline) {
				Thread.sleep(100);
			}
			Thread.sleep(1000); // repeats, if any, would come now
			Latencies fromAnswer = new Latencies();
			Latencies fromStart = new Latencies();
			int early = 0;
			for (Map.Entry<String, Long> written : answeredAt.entrySet()) {
				Long arrived = arrivedAt.get(written.getKey());
				if (arrived != null) {
					if (arrived < written.getValue()) {
						early++; // the receiver had it before the writer had its 201
					}
					fromAnswer.record(Math.max(0, arrived - written.getValue()));
					fromStart.record(arrived - startedAt.get(written.getKey()));
				}
			}
			long missing = answeredAt.keySet().stream().filter(id -> !arrivedAt.containsKey(id)).count();
			StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
					"### Subscription delivery: Observations written at %d/s for %d s, one rest-hook subscriber on loopback%n%n",
					rate, seconds));
			report.append("| figure | value |\n|---|---:|\n");
			report.append(String.format(Locale.ROOT, "| writes answered 201 / refused | %,d / %d |%n", answeredAt.size(), refused.get()));
			report.append(String.format(Locale.ROOT, "| write rate achieved | %.0f /s |%n", answeredAt.size() / writeSeconds));
			report.append(String.format(Locale.ROOT, "| notified / missing / repeats | %,d / %d / %d |%n",
					answeredAt.size() - missing, missing, repeats.get()));
			report.append(String.format(Locale.ROOT, "| arrived before the writer had its 201 | %d |%n%n", early));
			report.append(Latencies.header()).append('\n');
			report.append(writeLatency.row("write (POST Observation, 201)")).append('\n');
			report.append(fromAnswer.row("**delivery: the write's 201 -> the receiver has it**")).append('\n');
			report.append(fromStart.row("delivery: the write sent -> the receiver has it")).append('\n').append('\n');
			return report.toString();
		} finally {
			receiver.stop(0);
		}
	}

	private String export(String what) throws Exception {
		long t0 = System.nanoTime();
		HttpResponse<String> kickOff = http.send(BearerToken.on(HttpRequest.newBuilder(URI.create(fhirBase + "/$export"))
				.header("Prefer", "respond-async").header("Accept", "application/fhir+json").header("Cache-Control", "no-cache")).GET().build(),
				HttpResponse.BodyHandlers.ofString());
		if (kickOff.statusCode() != 202) {
			throw new IllegalStateException("$export refused: " + kickOff.statusCode() + " " + kickOff.body());
		}
		String status = kickOff.headers().firstValue("Content-Location").orElseThrow();
		JsonNode manifest;
		String lastProgress = "";
		while (true) {
			HttpResponse<String> polled = http.send(BearerToken.on(HttpRequest.newBuilder(URI.create(status))).GET().build(),
					HttpResponse.BodyHandlers.ofString());
			if (polled.statusCode() == 200) {
				manifest = JSON.readTree(polled.body());
				break;
			}
			if (polled.statusCode() != 202) {
				throw new IllegalStateException("export failed: " + polled.statusCode() + " " + polled.body());
			}
			String progress = polled.headers().firstValue("X-Progress").orElse("");
			if (!progress.equals(lastProgress)) {
				System.err.println("export " + progress);
				lastProgress = progress;
			}
			Thread.sleep(500);
		}
		double built = (System.nanoTime() - t0) / 1e9;
		long t1 = System.nanoTime();
		Map<String, AtomicLong> byType = new TreeMap<>();
		long bytes = 0;
		for (JsonNode output : manifest.get("output")) {
			HttpResponse<InputStream> file = http.send(BearerToken.on(HttpRequest.newBuilder(URI.create(output.get("url").asText())))
					.header("Accept", "application/fhir+ndjson").GET().build(), HttpResponse.BodyHandlers.ofInputStream());
			try (BufferedReader lines = new BufferedReader(new InputStreamReader(file.body(), StandardCharsets.UTF_8))) {
				String line;
				while ((line = lines.readLine()) != null) {
					if (!line.isBlank()) {
						byType.computeIfAbsent(output.get("type").asText(), t -> new AtomicLong()).incrementAndGet();
						bytes += line.length() + 1;
					}
				}
			}
		}
		double fetched = (System.nanoTime() - t1) / 1e9;
		long resources = byType.values().stream().mapToLong(AtomicLong::get).sum();
		StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
				"### Bulk export: system-level $export of %s, every type%n%n", what));
		report.append("| figure | value |\n|---|---:|\n");
		report.append(String.format(Locale.ROOT, "| resources exported / files | %,d / %d |%n", resources, manifest.get("output").size()));
		report.append(String.format(Locale.ROOT, "| kick-off -> manifest | %.1f s |%n", built));
		report.append(String.format(Locale.ROOT, "| **export rate (kick-off -> manifest)** | **%,.0f resources/s** |%n", resources / built));
		report.append(String.format(Locale.ROOT, "| files read (%.0f MB) | %.1f s |%n", bytes / 1e6, fetched));
		report.append(String.format(Locale.ROOT, "| types, largest first | %s |%n%n", byType.entrySet().stream()
				.sorted((a, b) -> Long.compare(b.getValue().get(), a.getValue().get())).limit(6)
				.map(e -> e.getKey() + " " + String.format(Locale.ROOT, "%,d", e.getValue().get())).toList()));
		return report.toString();
	}

	private HttpResponse<String> send(String method, String path, String body) throws Exception {
		return http.send(BearerToken.on(HttpRequest.newBuilder(URI.create(fhirBase + path)))
				.header("Content-Type", "application/fhir+json").header("Accept", "application/fhir+json")
				.method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
	}
}
