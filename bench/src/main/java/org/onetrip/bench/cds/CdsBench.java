package org.onetrip.bench.cds;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.onetrip.bench.Args;
import org.onetrip.bench.Latencies;
import org.onetrip.bench.Progress;
import org.onetrip.bench.fhir.ServerProcess;

/**
 * Duplicate-exam hook latency as the index grows: loads patients and their exams (DiagnosticReports
 * coded with hospitals' local codes, over FHIR transactions, so the real write path feeds the index),
 * and at each checkpoint times {@code order-sign} calls for random loaded patients.
 *
 * <pre>./onetrip bench cds --patients 10000 --exams-per-patient 10 --checkpoints 1000,10000</pre>
 */
public final class CdsBench {

	/** Hospital B's local codes (config/exams/code-maps/hospital-b.csv): the prior exams. */
	private static final String[] PRIOR_CODES = {"RAD1001", "RAD1002", "RAD1003", "RAD1010", "RAD1020", "RAD2001",
			"RAD2002", "RAD3001", "US4001", "US4003", "ECG5001", "LAB6001", "LAB6002", "LAB6003"};
	/** Hospital A's local codes: what the doctor orders. */
	private static final String[] ORDER_CODES = {"CT-CHEST", "CT-HEAD", "CT-ABD", "XR-CHEST-2V", "MR-BRAIN", "US-ABD", "ECG-12"};
	private static final ObjectMapper JSON = new ObjectMapper();

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	public static void main(String[] argv) throws Exception {
		new CdsBench().run(new Args(argv));
	}

	private void run(Args args) throws Exception {
		int patients = args.integer("patients", 10_000);
		int examsPerPatient = args.integer("exams-per-patient", 10);
		int perBundle = args.integer("patients-per-bundle", 20);
		int threads = args.integer("threads", 3);
		int queries = args.integer("queries", 500);
		int port = args.integer("port", 18081);
		String heap = args.get("heap", "1536m");
		// More server arguments, e.g. --server-args "--onetrip.prior-exam.index=elasticsearch --onetrip.elasticsearch.url=..."
		String serverArgs = args.get("server-args", "").trim();
		List<String> extraServerArgs = serverArgs.isEmpty() ? List.of() : List.of(serverArgs.split("\\s+"));
		List<Integer> checkpoints = new ArrayList<>();
		for (String c : args.get("checkpoints", Integer.toString(patients)).split(",")) {
			checkpoints.add(Integer.parseInt(c.trim()));
		}
		Path work = Path.of(args.required("work"));
		String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
		Path dataDir = work.resolve("cds-bench-data-" + stamp);
		Random random = new Random(args.integer("seed", 42));
		String runId = Long.toString(System.currentTimeMillis(), 36);

		StringBuilder report = new StringBuilder();
		report.append(String.format(Locale.ROOT, "### CDS duplicate-exam hook (order-sign): %d exams per patient, %s heap, "
				+ "%d loader threads, %d sequential hook calls per checkpoint%n%n", examsPerPatient, heap, threads, queries));
		report.append("| patients | indexed exams | load res/s | p50 ms | p95 ms | p99 ms | max ms | cards/call |\n");
		report.append("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
		try (ServerProcess server = ServerProcess.start(Path.of(args.required("server-app")), dataDir, port, heap,
				work.resolve("cds-bench-server-" + stamp + ".log"), extraServerArgs)) {
			String fhir = server.fhirBase().toString();
			String cds = fhir.replaceFirst("/fhir$", "/cds-services/onetrip-duplicate-exam-sign");
			System.err.printf(Locale.ROOT, "server ready in %.1f s%n", server.startupSeconds());
			int loaded = 0;
			for (int checkpoint : checkpoints) {
				int from = loaded;
				int count = checkpoint - loaded;
				Progress progress = new Progress("loading", (count + perBundle - 1) / perBundle, "bundles");
				ExecutorService pool = Executors.newFixedThreadPool(threads);
				List<Future<?>> futures = new ArrayList<>();
				AtomicInteger failures = new AtomicInteger();
				for (int start = from; start < checkpoint; start += perBundle) {
					int first = start;
					int last = Math.min(checkpoint, start + perBundle);
					long bundleSeed = random.nextLong();
					futures.add(pool.submit(() -> {
						String bundle = bundle(runId, first, last, examsPerPatient, new Random(bundleSeed));
						try {
							HttpResponse<String> r = post(fhir, bundle, "application/fhir+json");
							if (r.statusCode() != 200) {
								failures.incrementAndGet();
								System.err.println("bundle failed: " + r.statusCode() + " " + r.body().substring(0, Math.min(300, r.body().length())));
							}
						} catch (Exception e) {
							failures.incrementAndGet();
						}
						progress.advance((long) (last - first) * (1 + examsPerPatient));
						return null;
					}));
				}
				for (Future<?> f : futures) {
					f.get();
				}
				pool.shutdown();
				progress.close();
				double rate = progress.itemsPerSecond();
				loaded = checkpoint;
				if (failures.get() > 0) {
					throw new IllegalStateException(failures.get() + " bundles failed to load");
				}

				Latencies latencies = new Latencies();
				long cards = 0;
				// Warm-up on other patients, then the measured calls.
				for (int i = 0; i < Math.min(100, queries); i++) {
					post(cds, hookRequest(runId, random.nextInt(loaded), random), "application/json");
				}
				for (int i = 0; i < queries; i++) {
					String request = hookRequest(runId, random.nextInt(loaded), random);
					long t0 = System.nanoTime();
					HttpResponse<String> r = post(cds, request, "application/json");
					latencies.record(System.nanoTime() - t0);
					if (r.statusCode() != 200) {
						throw new IllegalStateException("hook answered " + r.statusCode() + ": " + r.body());
					}
					cards += JSON.readTree(r.body()).get("cards").size();
				}
				report.append(String.format(Locale.ROOT, "| %,d | %,d | %.0f | %.1f | %.1f | %.1f | %.1f | %.2f |%n",
						loaded, (long) loaded * examsPerPatient, rate, latencies.percentile(50), latencies.percentile(95),
						latencies.percentile(99), latencies.percentile(100), (double) cards / queries));
				System.err.println(report);
			}
			report.append(String.format(Locale.ROOT, "%nServer RSS at the end: %d MiB; start-up %.1f s.%n",
					server.rssMiB(), server.startupSeconds()));
		}
		System.out.println(report);
	}

	/** Patients first..last-1 registered at hospital B, each with exams over the last two years. */
	private static String bundle(String runId, int first, int last, int examsPerPatient, Random random) {
		ObjectNode bundle = JSON.createObjectNode().put("resourceType", "Bundle").put("type", "transaction");
		ArrayNode entries = bundle.putArray("entry");
		Instant now = Instant.now();
		for (int p = first; p < last; p++) {
			String patientUrl = "urn:uuid:" + UUID.randomUUID();
			ObjectNode patient = JSON.createObjectNode().put("resourceType", "Patient");
			ArrayNode identifiers = patient.putArray("identifier");
			identifiers.addObject().put("system", "urn:onetrip:citizen-id").put("value", citizenId(runId, p));
			identifiers.addObject().put("system", "urn:onetrip:mrn:hospital-b").put("value", "B" + runId + "-" + p);
			patient.putArray("name").addObject().put("family", "Bench" + p);
			ObjectNode pe = entries.addObject().put("fullUrl", patientUrl);
			pe.set("resource", patient);
			pe.putObject("request").put("method", "POST").put("url", "Patient");
			for (int e = 0; e < examsPerPatient; e++) {
				ObjectNode report = JSON.createObjectNode().put("resourceType", "DiagnosticReport").put("status", "final");
				report.putObject("code").putArray("coding").addObject()
						.put("system", "urn:onetrip:exam-code:hospital-b")
						.put("code", PRIOR_CODES[random.nextInt(PRIOR_CODES.length)]);
				report.putObject("subject").put("reference", patientUrl);
				report.put("effectiveDateTime", now.minus(Duration.ofHours(random.nextInt(2 * 365 * 24))).toString());
				report.putArray("performer").addObject().put("reference", "Organization/hospital-b");
				report.put("conclusion", "Bench report " + e);
				ObjectNode re = entries.addObject().put("fullUrl", "urn:uuid:" + UUID.randomUUID());
				re.set("resource", report);
				re.putObject("request").put("method", "POST").put("url", "DiagnosticReport");
			}
		}
		return bundle.toString();
	}

	/** Hospital A's workstation orders an exam for a person it knows by citizen ID and its own MRN. */
	private static String hookRequest(String runId, int patient, Random random) {
		ObjectNode root = JSON.createObjectNode().put("hook", "order-sign").put("hookInstance", UUID.randomUUID().toString())
				.put("fhirServer", "https://his.hospital-a.example/fhir");
		ObjectNode context = root.putObject("context").put("userId", "PractitionerRole/hospital-a-zhang-min-role")
				.put("patientId", "his-a-" + patient);
		ObjectNode drafts = context.putObject("draftOrders").put("resourceType", "Bundle").put("type", "collection");
		ObjectNode order = drafts.putArray("entry").addObject().putObject("resource")
				.put("resourceType", "ServiceRequest").put("id", "o" + random.nextInt(1_000_000))
				.put("status", "draft").put("intent", "order");
		order.putObject("code").putArray("coding").addObject().put("system", "urn:onetrip:exam-code:hospital-a")
				.put("code", ORDER_CODES[random.nextInt(ORDER_CODES.length)]);
		order.putObject("subject").put("reference", "Patient/his-a-" + patient);
		ObjectNode prefetch = root.putObject("prefetch").putObject("patient").put("resourceType", "Patient")
				.put("id", "his-a-" + patient);
		ArrayNode identifiers = prefetch.putArray("identifier");
		identifiers.addObject().put("system", "urn:onetrip:citizen-id").put("value", citizenId(runId, patient));
		identifiers.addObject().put("system", "urn:onetrip:mrn:hospital-a").put("value", "A" + runId + "-" + patient);
		return root.toString();
	}

	private static String citizenId(String runId, int patient) {
		return "33" + runId + String.format(Locale.ROOT, "%08d", patient);
	}

	private HttpResponse<String> post(String url, String body, String contentType) throws Exception {
		return http.send(org.onetrip.bench.BearerToken.on(HttpRequest.newBuilder(URI.create(url))).timeout(Duration.ofSeconds(120))
				.header("Content-Type", contentType).header("Accept", "application/json")
				.POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
	}
}
