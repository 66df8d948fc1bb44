package org.onetrip.bench.cds;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
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
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.onetrip.bench.Args;
import org.onetrip.bench.Latencies;
import org.onetrip.bench.Progress;
import org.onetrip.bench.fhir.ServerProcess;

/**
 * Duplicate-exam hook latency as the index grows, on the relational index, on Elasticsearch, or both in one run.
 * Two ways to fill it: {@code --load fhir} (the default) loads patients and their exams as DiagnosticReports coded
 * with hospital B's local codes over FHIR transactions, so the real write path feeds the index, and measures at
 * each checkpoint; {@code --load synthetic} loads the Patients through FHIR and their exams straight into the index
 * ({@code $synthetic-prior-exams}), which reaches a province's 10,000,000 exams in minutes instead of days.
 * Each row times {@code order-sign} calls from hospital A's workstation for random loaded patients.
 *
 * <pre>./onetrip bench cds --patients 10000 --exams-per-patient 10 --checkpoints 1000,10000
 *./onetrip bench cds --load synthetic --patients 1000000 --index both --elasticsearch-url http://127.0.0.1:9200</pre>
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
		Settings settings = new Settings(args);
		StringBuilder report = new StringBuilder();
		report.append(String.format(Locale.ROOT, "### CDS duplicate-exam hook (order-sign): %d hospital record(s) per person, "
				+ "%d exams per person, exams loaded %s, %s heap, %d loader threads, %d sequential hook calls per row%n%n",
				settings.recordsPerPerson, settings.examsPerPatient,
				settings.synthetic ? "synthetically ($synthetic-prior-exams), Patients through FHIR" : "through FHIR transactions",
				settings.heap, settings.threads, settings.queries));
		report.append("| prior-exam index | persons | indexed exams | load | p50 ms | p95 ms | p99 ms | max ms | cards/call |\n");
		report.append("|---|---:|---:|---|---:|---:|---:|---:|---:|\n");
		List<String> footnotes = new ArrayList<>();
		for (String kind : settings.indexes) {
			// Synthetic runs share one database: its Patients are loaded once, each index is filled for them.
			Path dataDir = settings.work.resolve("cds-bench-data-" + settings.stamp + (settings.synthetic ? "" : "-" + kind));
			try (ServerProcess server = ServerProcess.start(settings.serverApp, dataDir, settings.port, settings.heap,
					settings.work.resolve("cds-bench-server-" + settings.stamp + "-" + kind + ".log"), settings.serverArgs(kind))) {
				System.err.printf(Locale.ROOT, "%s: server ready in %.1f s%n", kind, server.startupSeconds());
				String fhir = server.fhirBase().toString();
				if (settings.synthetic) {
					String load = loadSynthetic(settings, fhir, kind);
					report.append(measure(settings, fhir, kind, settings.patients, load));
				} else {
					int loaded = 0;
					for (int checkpoint : settings.checkpoints) {
						double rate = loadThroughFhir(settings, fhir, loaded, checkpoint);
						loaded = checkpoint;
						report.append(measure(settings, fhir, kind, loaded, String.format(Locale.ROOT, "%.0f res/s", rate)));
					}
				}
				footnotes.add(String.format(Locale.ROOT, "%s: server start-up %.1f s, RSS at the end %d MiB%s.", kind,
						server.startupSeconds(), server.rssMiB(), storage(settings, kind, dataDir)));
			}
			System.err.println(report);
		}
		if (settings.synthetic && settings.indexes.contains("elasticsearch") && !args.flag("keep-index")) {
			http.send(HttpRequest.newBuilder(URI.create(settings.elasticsearchUrl + "/" + settings.elasticsearchIndex)).DELETE().build(),
					HttpResponse.BodyHandlers.discarding());
		}
		report.append('\n');
		footnotes.forEach(f -> report.append(f).append('\n'));
		System.out.println(report);
	}

	/** What the command line asked for. */
	private static final class Settings {
		final int patients;
		final int examsPerPatient;
		/** Hospital records of each person: B's (with the exams), then A's, then clinic C's, linked by the citizen ID. */
		final int recordsPerPerson;
		final int perBundle;
		final int threads;
		final int queries;
		final int port;
		final String heap;
		final boolean synthetic;
		final List<String> indexes;
		final String elasticsearchUrl;
		final String elasticsearchIndex;
		final List<String> extraServerArgs;
		final List<Integer> checkpoints = new ArrayList<>();
		final Path work;
		final Path serverApp;
		final String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
		final Random random;
		/** Part of every identifier and id this run makes, so runs on one database never meet. */
		final String runId = Long.toString(System.currentTimeMillis(), 36);

		Settings(Args args) {
			patients = args.integer("patients", 10_000);
			examsPerPatient = args.integer("exams-per-patient", 10);
			recordsPerPerson = args.integer("records-per-person", 1);
			if (recordsPerPerson < 1 || recordsPerPerson > 3) {
				throw new IllegalArgumentException("--records-per-person is 1 (hospital B), 2 (+ hospital A) or 3 (+ clinic C)");
			}
			synthetic = switch (args.get("load", "fhir")) {
				case "fhir" -> false;
				case "synthetic" -> true;
				default -> throw new IllegalArgumentException("--load is fhir (reports through FHIR) or synthetic");
			};
			perBundle = args.integer("patients-per-bundle", synthetic ? 500 : 20);
			threads = args.integer("threads", 3);
			queries = args.integer("queries", 500);
			port = args.integer("port", 18081);
			heap = args.get("heap", "1536m");
			String index = args.get("index", "relational");
			indexes = index.equals("both") ? List.of("relational", "elasticsearch") : List.of(index);
			if (!List.of("relational", "elasticsearch").containsAll(indexes)) {
				throw new IllegalArgumentException("--index is relational, elasticsearch or both");
			}
			elasticsearchUrl = args.get("elasticsearch-url", "http://127.0.0.1:9200").replaceFirst("/+$", "");
			elasticsearchIndex = "onetrip-bench-prior-exams-" + runId;
			// More server arguments, e.g. --server-args="--onetrip.audit.enabled=false"
			String more = args.get("server-args", "").trim();
			extraServerArgs = more.isEmpty() ? List.of() : List.of(more.split("\\s+"));
			for (String c : args.get("checkpoints", Integer.toString(patients)).split(",")) {
				checkpoints.add(Integer.parseInt(c.trim()));
			}
			work = Path.of(args.required("work"));
			serverApp = Path.of(args.required("server-app"));
			random = new Random(args.integer("seed", 42));
		}

		List<String> serverArgs(String kind) {
			List<String> all = new ArrayList<>(extraServerArgs);
			if (kind.equals("elasticsearch")) {
				all.add("--onetrip.prior-exam.index=elasticsearch");
				all.add("--onetrip.elasticsearch.url=" + elasticsearchUrl);
				all.add("--onetrip.elasticsearch.index=" + elasticsearchIndex);
			}
			if (synthetic) {
				all.add("--onetrip.bench.synthetic-prior-exams=true");
			}
			return all;
		}

		String patientIdPrefix() {
			return "bench-" + runId + "-";
		}
	}

	/** Patients and their reports through FHIR transactions, from {@code from} to {@code to}; resources per second. */
	private double loadThroughFhir(Settings settings, String fhir, int from, int to) throws Exception {
		int perBundle = settings.perBundle;
		Progress progress = new Progress("loading", (to - from + perBundle - 1) / perBundle, "bundles");
		List<Callable<Void>> bundles = new ArrayList<>();
		for (int start = from; start < to; start += perBundle) {
			int first = start;
			int last = Math.min(to, start + perBundle);
			long bundleSeed = settings.random.nextLong();
			bundles.add(() -> {
				postTransaction(fhir, bundle(settings.runId, first, last, settings.examsPerPatient, settings.recordsPerPerson, new Random(bundleSeed), null));
				progress.advance((long) (last - first) * (settings.recordsPerPerson + settings.examsPerPatient));
				return null;
			});
		}
		runAll(bundles, settings.threads);
		progress.close();
		return progress.itemsPerSecond();
	}

	/**
	 * The Patients through FHIR (once per database: ids {@code bench-<run>-<n>}), then their exams straight into the
	 * index by {@code $synthetic-prior-exams} in ranges of patients. Returns what the load column shows.
	 */
	private String loadSynthetic(Settings settings, String fhir, String kind) throws Exception {
		String patientsRate = "";
		if (!patientsLoaded) {
			int perBundle = settings.perBundle;
			Progress progress = new Progress("patients", (settings.patients + perBundle - 1) / perBundle, "bundles",
					"records", "records/s");
			List<Callable<Void>> bundles = new ArrayList<>();
			for (int start = 0; start < settings.patients; start += perBundle) {
				int first = start;
				int last = Math.min(settings.patients, start + perBundle);
				bundles.add(() -> {
					postTransaction(fhir, bundle(settings.runId, first, last, 0, settings.recordsPerPerson, null, settings.patientIdPrefix()));
					progress.advance((long) (last - first) * settings.recordsPerPerson);
					return null;
				});
			}
			runAll(bundles, settings.threads);
			progress.close();
			patientsLoaded = true;
			patientsRate = String.format(Locale.ROOT, "%.0f hospital records/s (FHIR, linked), ", progress.itemsPerSecond());
		}
		// Ranges of patients sized so one call writes about 100,000 exams; two calls at a time keep the index busy.
		int range = Math.max(1, 100_000 / settings.examsPerPatient);
		Progress progress = new Progress("exams " + kind, (settings.patients + range - 1) / range, "calls", "exams", "exams/s");
		List<Callable<Void>> calls = new ArrayList<>();
		for (int start = 0; start < settings.patients; start += range) {
			int first = start;
			int last = Math.min(settings.patients, start + range);
			calls.add(() -> {
				HttpResponse<String> r = post(fhir + "/$synthetic-prior-exams", syntheticRequest(settings, first, last),
						"application/fhir+json");
				if (r.statusCode() != 200) {
					throw new IllegalStateException("$synthetic-prior-exams answered " + r.statusCode() + ": " + r.body());
				}
				progress.advance((long) (last - first) * settings.examsPerPatient);
				return null;
			});
		}
		runAll(calls, 2);
		progress.close();
		return patientsRate + String.format(Locale.ROOT, "%.0f exams/s (bulk)", progress.itemsPerSecond());
	}

	private boolean patientsLoaded;

	private static String syntheticRequest(Settings settings, int first, int last) {
		ObjectNode parameters = JSON.createObjectNode().put("resourceType", "Parameters");
		ArrayNode list = parameters.putArray("parameter");
		list.addObject().put("name", "patientIdPrefix").put("valueString", settings.patientIdPrefix());
		list.addObject().put("name", "from").put("valueInteger", first);
		list.addObject().put("name", "to").put("valueInteger", last);
		list.addObject().put("name", "examsPerPatient").put("valueInteger", settings.examsPerPatient);
		list.addObject().put("name", "hospital").put("valueString", "hospital-b");
		list.addObject().put("name", "seed").put("valueInteger", 42);
		for (String code : PRIOR_CODES) {
			list.addObject().put("name", "localCode").putObject("valueCoding")
					.put("system", "urn:onetrip:exam-code:hospital-b").put("code", code);
		}
		return parameters.toString();
	}

	/** After 100 warm-up calls, {@code queries} sequential hook calls for random loaded patients: one table row. */
	private String measure(Settings settings, String fhir, String kind, int loaded, String load) throws Exception {
		String cds = fhir.replaceFirst("/fhir$", "/cds-services/onetrip-duplicate-exam-sign");
		Random random = settings.random;
		Latencies latencies = new Latencies();
		long cards = 0;
		for (int i = 0; i < Math.min(100, settings.queries); i++) {
			post(cds, hookRequest(settings.runId, random.nextInt(loaded), random), "application/json");
		}
		for (int i = 0; i < settings.queries; i++) {
			String request = hookRequest(settings.runId, random.nextInt(loaded), random);
			long t0 = System.nanoTime();
			HttpResponse<String> r = post(cds, request, "application/json");
			latencies.record(System.nanoTime() - t0);
			if (r.statusCode() != 200) {
				throw new IllegalStateException("hook answered " + r.statusCode() + ": " + r.body());
			}
			cards += JSON.readTree(r.body()).get("cards").size();
		}
		return String.format(Locale.ROOT, "| %s | %,d | %,d | %s | %.1f | %.1f | %.1f | %.1f | %.2f |%n", kind,
				loaded, (long) loaded * settings.examsPerPatient, load, latencies.percentile(50), latencies.percentile(95),
				latencies.percentile(99), latencies.percentile(100), (double) cards / settings.queries);
	}

	/** Where the index's data lives and how big it is, for the footnote. */
	private String storage(Settings settings, String kind, Path dataDir) {
		try {
			if (kind.equals("elasticsearch")) {
				HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(settings.elasticsearchUrl + "/"
						+ settings.elasticsearchIndex + "/_stats/docs,store")).GET().build(), HttpResponse.BodyHandlers.ofString());
				var primaries = JSON.readTree(r.body()).path("_all").path("primaries");
				return String.format(Locale.ROOT, "; Elasticsearch index %,d documents, %,d MiB", primaries.path("docs").path("count").asLong(),
						primaries.path("store").path("size_in_bytes").asLong() / (1024 * 1024));
			}
			Path postgres = dataDir.resolve("postgres");
			if (!Files.isDirectory(postgres)) {
				return "";
			}
			long bytes;
			try (var files = Files.walk(postgres)) {
				bytes = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
			}
			return String.format(Locale.ROOT, "; PostgreSQL data directory %,d MiB", bytes / (1024 * 1024));
		} catch (Exception e) {
			return "; storage size unknown (" + e.getMessage() + ")";
		}
	}

	private void postTransaction(String fhir, String bundle) throws Exception {
		HttpResponse<String> r = post(fhir, bundle, "application/fhir+json");
		if (r.statusCode() != 200) {
			throw new IllegalStateException("bundle failed: " + r.statusCode() + " " + r.body().substring(0, Math.min(300, r.body().length())));
		}
	}

	/** Runs the tasks on {@code threads} threads; the first failure stops the benchmark. */
	private static void runAll(List<Callable<Void>> tasks, int threads) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		try {
			List<Future<Void>> futures = new ArrayList<>();
			tasks.forEach(t -> futures.add(pool.submit(t)));
			for (Future<Void> f : futures) {
				f.get();
			}
		} finally {
			pool.shutdownNow();
		}
	}

	/**
	 * Persons first..last-1 registered at hospital B, each with exams over the last two years; with more records per
	 * person also at hospital A and clinic C (own MRN, same citizen ID: the region links them). With an id prefix the
	 * Patients are written with those ids (PUT), so that synthetic exams can name them.
	 */
	private static String bundle(String runId, int first, int last, int examsPerPatient, int recordsPerPerson, Random random,
			String idPrefix) {
		ObjectNode bundle = JSON.createObjectNode().put("resourceType", "Bundle").put("type", "transaction");
		ArrayNode entries = bundle.putArray("entry");
		Instant now = Instant.now();
		for (int p = first; p < last; p++) {
			String patientUrl = idPrefix == null ? "urn:uuid:" + UUID.randomUUID() : "Patient/" + idPrefix + p;
			ObjectNode patient = JSON.createObjectNode().put("resourceType", "Patient");
			ArrayNode identifiers = patient.putArray("identifier");
			identifiers.addObject().put("system", "urn:onetrip:citizen-id").put("value", citizenId(runId, p));
			identifiers.addObject().put("system", "urn:onetrip:mrn:hospital-b").put("value", "B" + runId + "-" + p);
			patient.putArray("name").addObject().put("family", "Bench" + p);
			ObjectNode pe = entries.addObject();
			if (idPrefix == null) {
				pe.put("fullUrl", patientUrl);
			}
			pe.set("resource", patient);
			if (idPrefix == null) {
				pe.putObject("request").put("method", "POST").put("url", "Patient");
			} else {
				patient.put("id", idPrefix + p);
				pe.putObject("request").put("method", "PUT").put("url", patientUrl);
			}
			String[][] otherRecords = {{"hospital-a", "A"}, {"clinic-c", "C"}};
			for (int r = 0; r < recordsPerPerson - 1; r++) {
				String suffix = "-" + otherRecords[r][1].toLowerCase(Locale.ROOT);
				ObjectNode other = JSON.createObjectNode().put("resourceType", "Patient");
				ArrayNode ids = other.putArray("identifier");
				ids.addObject().put("system", "urn:onetrip:citizen-id").put("value", citizenId(runId, p));
				ids.addObject().put("system", "urn:onetrip:mrn:" + otherRecords[r][0]).put("value", otherRecords[r][1] + runId + "-" + p);
				other.putArray("name").addObject().put("family", "Bench" + p);
				ObjectNode oe = entries.addObject();
				oe.set("resource", other);
				if (idPrefix == null) {
					oe.put("fullUrl", "urn:uuid:" + UUID.randomUUID());
					oe.putObject("request").put("method", "POST").put("url", "Patient");
				} else {
					other.put("id", idPrefix + p + suffix);
					oe.putObject("request").put("method", "PUT").put("url", "Patient/" + idPrefix + p + suffix);
				}
			}
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
