package org.onetrip.bench.synthea;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.onetrip.bench.Progress;

/**
 * Posts regionalised Synthea transaction bundles to a FHIR server from a few client threads, with a
 * progress bar, and reports resources per second. A failed bundle is reported with the server's
 * diagnostics; the others still load. A 503 with Retry-After (the server's heap budget for large bodies is taken by
 * others for now) is sent again after the time it names, as an integration engine would, a few times at most.
 */
public final class BundleLoader {

	private static final int MAX_RETRIES_AFTER_503 = 5;

	private final ObjectMapper json = new ObjectMapper();
	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
	private final URI fhirBase;
	private final Regionaliser regionaliser;
	private final int threads;

	public BundleLoader(URI fhirBase, Regionaliser regionaliser, int threads) {
		this.fhirBase = fhirBase;
		this.regionaliser = regionaliser;
		this.threads = threads;
	}

	/**
	 * The outcome of one load: what went in, how fast, and the Patient ids for later queries.
	 *
	 * @param bodyBytes the request bodies' bytes as sent (compact JSON), stored or not, retries not counted
	 */
	public record Result(int bundles, long resources, double seconds, List<String> patientIds, List<String> failures,
			long bodyBytes, int retriesAfter503) {
		public double resourcesPerSecond() {
			return seconds == 0 ? 0 : resources / seconds;
		}
	}

	public Result load(List<Path> bundleFiles) throws InterruptedException {
		List<String> patientIds = Collections.synchronizedList(new ArrayList<>());
		List<String> failures = Collections.synchronizedList(new ArrayList<>());
		AtomicLong bodyBytes = new AtomicLong();
		AtomicInteger retries = new AtomicInteger();
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		Progress progress = new Progress("loading", bundleFiles.size(), "bundles");
		List<Future<?>> futures = new ArrayList<>();
		for (Path file : bundleFiles) {
			futures.add(pool.submit(() -> {
				try {
					int resources = post(file, patientIds, bodyBytes, retries);
					progress.advance(resources);
				} catch (Exception e) {
					failures.add(file.getFileName() + ": " + e.getMessage());
					progress.advance(0);
				}
			}));
		}
		for (Future<?> f : futures) {
			try {
				f.get();
			} catch (java.util.concurrent.ExecutionException e) {
				failures.add(e.getCause().toString());
			}
		}
		pool.shutdown();
		progress.close();
		return new Result(bundleFiles.size(), progress.items(), progress.seconds(), List.copyOf(patientIds), List.copyOf(failures),
				bodyBytes.get(), retries.get());
	}

	private int post(Path file, List<String> patientIds, AtomicLong bodyBytes, AtomicInteger retries)
			throws IOException, InterruptedException {
		ObjectNode bundle = (ObjectNode) json.readTree(file.toFile());
		regionaliser.regionalise(bundle);
		int resources = bundle.path("entry").size();
		byte[] body = json.writeValueAsBytes(bundle);
		bodyBytes.addAndGet(body.length);
		HttpRequest request = org.onetrip.bench.BearerToken.on(HttpRequest.newBuilder(fhirBase))
				.timeout(Duration.ofMinutes(10))
				.header("Content-Type", "application/fhir+json")
				.header("Accept", "application/fhir+json")
				// Only the per-entry status and location are needed back, not every resource re-encoded.
				.header("Prefer", "return=minimal")
				.POST(HttpRequest.BodyPublishers.ofByteArray(body))
				.build();
		HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
		for (int attempt = 1; attempt <= MAX_RETRIES_AFTER_503 && response.statusCode() == 503; attempt++) {
			long seconds = response.headers().firstValueAsLong("Retry-After").orElse(-1);
			if (seconds < 0) {
				break;
			}
			retries.incrementAndGet();
			Thread.sleep(seconds * 1000);
			response = http.send(request, HttpResponse.BodyHandlers.ofString());
		}
		if (response.statusCode() != 200) {
			throw new IOException("HTTP " + response.statusCode() + " " + diagnostics(response.body()));
		}
		JsonNode reply = json.readTree(response.body());
		for (JsonNode entry : reply.path("entry")) {
			String location = entry.path("response").path("location").asText("");
			if (location.startsWith("Patient/")) {
				patientIds.add(location.split("/")[1]);
			}
		}
		return resources;
	}

	private String diagnostics(String body) {
		try {
			StringBuilder sb = new StringBuilder();
			for (JsonNode issue : json.readTree(body).path("issue")) {
				sb.append(issue.path("diagnostics").asText()).append(' ');
			}
			return sb.toString().trim();
		} catch (IOException e) {
			return body.length() > 300 ? body.substring(0, 300) : body;
		}
	}
}
