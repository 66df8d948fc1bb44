package org.onetrip.bench.fhir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.onetrip.bench.Args;
import org.onetrip.bench.Latencies;
import org.onetrip.bench.ProcessTreeCpu;
import org.onetrip.bench.Progress;
import org.onetrip.bench.synthea.BundleLoader;
import org.onetrip.bench.synthea.Regionaliser;
import org.onetrip.bench.synthea.SyntheaRunner;
import org.onetrip.terminology.region.RegionConfig;

/**
 * {@code ./onetrip bench fhir [--patients 200] [--queries 300] [--threads 3] [--heap 1400m]}:
 * start-up, Synthea ingest and per-patient search latency of a fresh OneTrip server, printed as the
 * markdown that goes into bench/RESULTS.md.
 */
public final class FhirBench {

	private final ObjectMapper json = new ObjectMapper();
	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
	private List<String> extraServerArgs = List.of();

	public static void main(String[] argv) throws Exception {
		new FhirBench().run(new Args(argv));
	}

	private void run(Args args) throws Exception {
		int patients = args.integer("patients", 200);
		long seed = args.integer("seed", 42);
		int threads = args.integer("threads", 3);
		int queries = args.integer("queries", 300);
		int port = args.integer("port", 18080);
		String heap = args.get("heap", "1400m");
		// More server arguments for an A/B run, e.g. --server-args "--spring.datasource.url=..." (space-separated).
		String serverArgs = args.get("server-args", "").trim();
		extraServerArgs = serverArgs.isEmpty() ? List.of() : List.of(serverArgs.split("\\s+"));
		Path work = Path.of(args.required("work"));
		Path app = Path.of(args.required("server-app"));
		String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
		Path log = work.resolve("bench-server-" + stamp + ".log");
		if (args.get("data", null) != null) {
			searchOnly(Path.of(args.get("data", null)), app, port, heap, log, queries, seed, work, stamp);
			return;
		}
		Path dataDir = work.resolve("bench-data-" + stamp);

		List<Path> bundles = new SyntheaRunner(Path.of(args.required("synthea-lib")), work).bundles(patients, seed);
		StringBuilder report = new StringBuilder();
		report.append(String.format(Locale.ROOT, "### FHIR: %d Synthea patients (seed %d), %s heap, %d loader threads%s%n%n",
				patients, seed, heap, threads, extraServerArgs.isEmpty() ? "" : ", server " + String.join(" ", extraServerArgs)));

		BundleLoader.Result load;
		ProcessTreeCpu cpu = new ProcessTreeCpu();
		ServerProcess.Cpu loadCpu;
		long loaderCpuMillis;
		HeapWork loadHeapWork;
		Map<String, Latencies> latencies;
		long rssAfterLoad;
		long rssAfterQueries;
		double freshStartup;
		try (ServerProcess server = ServerProcess.start(app, dataDir, port, heap, log, extraServerArgs)) {
			freshStartup = server.startupSeconds();
			System.err.printf(Locale.ROOT, "server ready in %.1f s (empty database)%n", freshStartup);
			BundleLoader loader = new BundleLoader(server.fhirBase(), new Regionaliser(RegionConfig.load(Path.of(args.required("region")))),
					threads);
			ServerProcess.Cpu before = ServerProcess.Cpu.of(cpu, List.of(server));
			long loaderBefore = cpu.processMillis(ProcessHandle.current().pid());
			HeapWork heapBefore = heapWork(server);
			load = loader.load(bundles);
			loadCpu = ServerProcess.Cpu.of(cpu, List.of(server)).minus(before);
			loaderCpuMillis = cpu.processMillis(ProcessHandle.current().pid()) - loaderBefore;
			loadHeapWork = heapWork(server).minus(heapBefore);
			if (!load.failures().isEmpty()) {
				System.err.println(load.failures().size() + " bundles failed, first: " + load.failures().get(0));
			}
			rssAfterLoad = server.rssMiB();
			latencies = measureSearches(server.fhirBase(), load.patientIds(), queries, seed);
			rssAfterQueries = server.rssMiB();
		}
		double warmStartup;
		try (ServerProcess again = ServerProcess.start(app, dataDir, port, heap, log, extraServerArgs)) {
			warmStartup = again.startupSeconds();
		}

		report.append("| figure | value |\n|---|---:|\n");
		report.append(String.format(Locale.ROOT, "| start-up to ready, empty database | %.1f s |%n", freshStartup));
		report.append(String.format(Locale.ROOT, "| start-up to ready, after the load (restart) | %.1f s |%n", warmStartup));
		report.append(String.format(Locale.ROOT, "| ingest: %d transaction bundles, %,d resources | %.0f s |%n",
				load.bundles(), load.resources(), load.seconds()));
		report.append(String.format(Locale.ROOT, "| **ingest rate** | **%,.0f resources/s** |%n", load.resourcesPerSecond()));
		long resources = load.resources();
		report.append(String.format(Locale.ROOT, "| CPU ms per resource during the ingest: server (JVM / PostgreSQL); loader | %.2f (%.2f / %.2f); %.2f |%n",
				perResource(loadCpu.all(), resources), perResource(loadCpu.jvm(), resources),
				perResource(loadCpu.all() - loadCpu.jvm(), resources), perResource(loaderCpuMillis, resources)));
		report.append(String.format(Locale.ROOT, "| heap allocated per resource during the ingest; collector pauses: count, time | %,.0f KB; %,d, %.1f s |%n",
				perResource(loadHeapWork.allocatedBytes() / 1024.0, resources), loadHeapWork.pauses(), loadHeapWork.pauseSeconds()));
		report.append(String.format(Locale.ROOT, "| failed bundles | %d |%n", load.failures().size()));
		report.append(String.format(Locale.ROOT, "| bundles sent again after 503 (large-body budget taken) | %d |%n",
				load.retriesAfter503()));
		report.append(String.format(Locale.ROOT, "| server RSS after ingest / after searches | %,d / %,d MiB |%n%n",
				rssAfterLoad, rssAfterQueries));
		report.append("Per-patient requests, one client, sequential, after one warm-up pass over other patients:\n\n");
		report.append(Latencies.header()).append('\n');
		latencies.forEach((name, l) -> report.append(l.row(name)).append('\n'));

		System.out.println();
		System.out.println(report);
		Files.writeString(work.resolve("bench-fhir-" + stamp + ".md"), report);
		if (!args.flag("keep-data")) {
			deleteEarlierData(work, dataDir);
		}
	}

	/**
	 * A loaded database is ~4 GB: the newest is kept for {@code --data} runs and {@code bench results}, the earlier
	 * ones go.
	 */
	private static void deleteEarlierData(Path work, Path newest) throws IOException {
		try (var dirs = Files.list(work)) {
			for (Path earlier : dirs.filter(d -> d.getFileName().toString().startsWith("bench-data-") && !d.equals(newest)).toList()) {
				System.err.println("deleting the database of an earlier run: " + earlier);
				org.onetrip.bench.WorkFiles.deleteTree(earlier);
			}
		}
	}

	/**
	 * {@code --data <dir>}: start on a database an earlier run loaded and measure only start-up, searches
	 * and RSS, so a change to the read path is measured in minutes instead of a full re-ingest.
	 */
	private void searchOnly(Path dataDir, Path app, int port, String heap, Path log, int queries, long seed, Path work,
			String stamp) throws Exception {
		StringBuilder report = new StringBuilder();
		try (ServerProcess server = ServerProcess.start(app, dataDir, port, heap, log, extraServerArgs)) {
			List<String> ids = new ArrayList<>();
			String next = server.fhirBase() + "/Patient?_count=500&_elements=id";
			while (next != null) {
				JsonNode page = json.readTree(get(next));
				page.path("entry").forEach(e -> ids.add(e.path("resource").path("id").asText()));
				next = null;
				for (JsonNode link : page.path("link")) {
					if ("next".equals(link.path("relation").asText())) next = link.path("url").asText();
				}
			}
			Map<String, Latencies> latencies = measureSearches(server.fhirBase(), ids, queries, seed);
			report.append(String.format(Locale.ROOT, "### FHIR searches on an existing database (%s), %s heap%n%n", dataDir.getFileName(), heap));
			report.append(String.format(Locale.ROOT, "start-up to ready: %.1f s; %d patients; server RSS after searches: %,d MiB%n%n",
					server.startupSeconds(), ids.size(), server.rssMiB()));
			report.append(Latencies.header()).append('\n');
			latencies.forEach((name, l) -> report.append(l.row(name)).append('\n'));
		}
		System.out.println();
		System.out.println(report);
		Files.writeString(work.resolve("bench-fhir-search-" + stamp + ".md"), report);
	}

	private Map<String, Latencies> measureSearches(URI base, List<String> patientIds, int queries, long seed) throws Exception {
		List<String> ids = new ArrayList<>(patientIds);
		Collections.shuffle(ids, new Random(seed));
		int half = Math.max(1, ids.size() / 2);
		List<String> warmUp = ids.subList(0, half);
		List<String> measured = ids.subList(half, ids.size()).isEmpty() ? warmUp : ids.subList(half, ids.size());

		// The citizen ID of each patient, for the identifier search.
		Map<String, String> citizenIds = new LinkedHashMap<>();
		for (String id : ids) {
			JsonNode patient = json.readTree(get(base + "/Patient/" + id));
			for (JsonNode identifier : patient.path("identifier")) {
				if ("urn:onetrip:citizen-id".equals(identifier.path("system").asText())) {
					citizenIds.put(id, identifier.path("value").asText());
				}
			}
		}

		Map<String, Function<String, String>> requests = new LinkedHashMap<>();
		requests.put("Patient/{id}", id -> "/Patient/" + id);
		requests.put("Patient?identifier=citizen-id\\|X", id -> "/Patient?identifier="
				+ URLEncoder.encode("urn:onetrip:citizen-id|" + citizenIds.get(id), StandardCharsets.UTF_8));
		requests.put("DiagnosticReport?patient=X&_sort=-date", id -> "/DiagnosticReport?patient=" + id + "&_sort=-date");
		requests.put("Encounter?patient=X&_sort=-date&_count=20", id -> "/Encounter?patient=" + id + "&_sort=-date&_count=20");
		requests.put("Observation?patient=X&_count=50", id -> "/Observation?patient=" + id + "&_count=50");
		requests.put("Condition?patient=X", id -> "/Condition?patient=" + id);
		requests.put("ImagingStudy?patient=X", id -> "/ImagingStudy?patient=" + id);

		Map<String, Latencies> results = new LinkedHashMap<>();
		try (Progress progress = new Progress("searching", (long) requests.size() * 2, "passes")) {
			for (var request : requests.entrySet()) {
				for (int i = 0; i < Math.min(queries, warmUp.size() * 4); i++) {
					get(base + request.getValue().apply(warmUp.get(i % warmUp.size())));
				}
				progress.advance(0);
				Latencies latency = new Latencies();
				for (int i = 0; i < queries; i++) {
					String url = base + request.getValue().apply(measured.get(i % measured.size()));
					long start = System.nanoTime();
					get(url);
					latency.record(System.nanoTime() - start);
				}
				results.put(request.getKey(), latency);
				progress.advance(0);
			}
		}
		return results;
	}

	/** An amount of the ingest's work (CPU ms, KB) per resource stored; 0 resources count as 1. */
	private static double perResource(double amount, long resources) {
		return amount / Math.max(1, resources);
	}

	/**
	 * Work of the server's heap, from its Prometheus endpoint: bytes allocated and the collector's pauses. Unlike time,
	 * these count work in units, so a change to what the server allocates shows in them even when the machine's own
	 * speed, which moves resources per second and CPU time by ±10 % between runs here, hides it (bench/HISTORY.md, stop
	 * 47). Each figure is summed over its label sets (young, mixed, full collections).
	 */
	record HeapWork(double allocatedBytes, long pauses, double pauseSeconds) {
		HeapWork minus(HeapWork earlier) {
			return new HeapWork(allocatedBytes - earlier.allocatedBytes, pauses - earlier.pauses, pauseSeconds - earlier.pauseSeconds);
		}

		static HeapWork fromPrometheus(String exposition) {
			double allocated = 0;
			double pauses = 0;
			double pauseSeconds = 0;
			for (String line : exposition.split("\n")) {
				if (line.startsWith("#") || line.isBlank()) {
					continue;
				}
				String name = line.substring(0, line.indexOf(line.contains("{") ? '{' : ' '));
				double value = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
				switch (name) {
					case "jvm_gc_memory_allocated_bytes_total" -> allocated += value;
					case "jvm_gc_pause_seconds_count" -> pauses += value;
					case "jvm_gc_pause_seconds_sum" -> pauseSeconds += value;
					default -> { }
				}
			}
			return new HeapWork(allocated, Math.round(pauses), pauseSeconds);
		}
	}

	private HeapWork heapWork(ServerProcess server) throws Exception {
		URI prometheus = server.fhirBase().resolve("/actuator/prometheus");
		HttpResponse<String> response = http.send(HttpRequest.newBuilder(prometheus).header("Accept", "text/plain").GET().build(),
				HttpResponse.BodyHandlers.ofString());
		if (response.statusCode() != 200) {
			throw new IllegalStateException("GET " + prometheus + " -> " + response.statusCode() + " " + response.body());
		}
		return HeapWork.fromPrometheus(response.body());
	}

	private String get(String url) throws Exception {
		HttpResponse<String> response = http.send(
				org.onetrip.bench.BearerToken.on(HttpRequest.newBuilder(URI.create(url))).header("Accept", "application/fhir+json").GET().build(),
				HttpResponse.BodyHandlers.ofString());
		if (response.statusCode() != 200) {
			throw new IllegalStateException("GET " + url + " -> " + response.statusCode() + " " + response.body());
		}
		return response.body();
	}
}
