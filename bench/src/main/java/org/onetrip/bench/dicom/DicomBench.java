package org.onetrip.bench.dicom;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
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
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.onetrip.bench.Args;
import org.onetrip.bench.Latencies;
import org.onetrip.bench.Progress;
import org.onetrip.bench.fhir.ServerProcess;

/**
 * DICOM gateway against Orthanc, in the same run, with the same files and the same clients (dcmtk's storescu and
 * findscu, {@code TCP_NODELAY=1}):
 * <ol>
 * <li>C-STORE ingest of ~500 KB CT images over 1 and over 8 parallel associations, in instances/s. OneTrip's clock
 * stops only when every study is also in FHIR (no study pending sync), Orthanc's when storescu is done.</li>
 * <li>Study-level C-FIND latency at each population checkpoint (10,000 and 100,000 single-image studies, four per
 * patient): by PatientID (a patient's prior studies) and by StudyDate plus ModalitiesInStudy (a day's CTs). Each
 * query goes to both peers back to back, so background noise falls on both alike.</li>
 * </ol>
 *
 * <pre>./onetrip bench dicom --ingest-instances 2000 --find-checkpoints 10000,100000</pre>
 */
public final class DicomBench {

	private static final ObjectMapper JSON = new ObjectMapper();
	private static final String CALLING_AE = "HOSP_A";
	private static final String ONETRIP_AE = "ONETRIP";
	private static final int STUDIES_PER_FIND_PATIENT = 4;
	private static final int LOAD_ASSOCIATIONS = 4;
	private static final int WARM_UP_INSTANCES = 400;

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
	private int onetripHttpPort;
	private int onetripDicomPort;
	private Path logs;

	public static void main(String[] argv) throws Exception {
		new DicomBench().run(new Args(argv));
	}

	private void run(Args args) throws Exception {
		int ingestInstances = args.integer("ingest-instances", 2000);
		int instancesPerStudy = args.integer("instances-per-study", 200);
		int rows = args.integer("rows", 512);
		int queries = args.integer("queries", 200);
		List<Integer> checkpoints = new ArrayList<>();
		for (String c : args.get("find-checkpoints", "10000,100000").split(",")) {
			if (!c.isBlank()) checkpoints.add(Integer.parseInt(c.trim().replace("_", "")));
		}
		onetripHttpPort = args.integer("port", 18082);
		onetripDicomPort = args.integer("dicom-port", 11113);
		Path work = Path.of(args.required("work"));
		Path files = work.resolve("dicom-bench-files");
		String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
		Path runDir = work.resolve("dicom-bench-" + stamp);
		logs = runDir.resolve("logs");
		Files.createDirectories(logs);

		Path warmUp = ingestSet(files, "warm-up-8x" + WARM_UP_INSTANCES + "x" + rows, WARM_UP_INSTANCES, 50, rows, 8, "WARM");
		Path oneAssociation = ingestSet(files, "ingest-1x" + ingestInstances + "x" + rows, ingestInstances,
				instancesPerStudy, rows, 1, "ING1P");
		Path eightAssociations = ingestSet(files, "ingest-8x" + ingestInstances + "x" + rows, ingestInstances,
				instancesPerStudy, rows, 8, "ING8P");
		long fileBytes;
		try (var list = Files.list(oneAssociation.resolve("part-0"))) {
			fileBytes = list.findFirst().map(p -> p.toFile().length()).orElse(0L);
		}

		StringBuilder report = new StringBuilder();
		try (OrthancProcess orthanc = OrthancProcess.start(runDir.resolve("orthanc"), 4242, 8042, CALLING_AE,
				logs.resolve("orthanc.log"));
				ServerProcess onetrip = ServerProcess.start(Path.of(args.required("server-app")), runDir.resolve("onetrip"),
						onetripHttpPort, args.get("heap", "2g"), logs.resolve("onetrip.log"),
						List.of("--onetrip.dicom.enabled=true", "--onetrip.dicom.port=" + onetripDicomPort))) {
			System.err.printf(Locale.ROOT, "Orthanc and OneTrip ready (OneTrip in %.1f s)%n", onetrip.startupSeconds());
			// A server in service is warm; OneTrip's JIT is not after start-up, Orthanc is native. Not counted.
			ingestOrthanc(orthanc, warmUp, 8, WARM_UP_INSTANCES);
			ingestOneTrip(warmUp, 8, WARM_UP_INSTANCES);
			report.append(String.format(Locale.ROOT, "#### C-STORE ingest: %,d CT images of %,d bytes (%dx%d, 16 bit), "
					+ "%d per study, dcmtk storescu, after %d warm-up instances to each peer%n%n", ingestInstances, fileBytes,
					rows, rows, instancesPerStudy, WARM_UP_INSTANCES));
			report.append("| associations | Orthanc inst/s | OneTrip stored inst/s | OneTrip stored + in FHIR inst/s | OneTrip / Orthanc |\n");
			report.append("|---:|---:|---:|---:|---:|\n");
			for (var set : List.of(new Object[] {1, oneAssociation}, new Object[] {8, eightAssociations})) {
				int associations = (Integer) set[0];
				Path directory = (Path) set[1];
				double orthancRate = ingestOrthanc(orthanc, directory, associations, ingestInstances);
				double[] onetripRates = ingestOneTrip(directory, associations, ingestInstances);
				report.append(String.format(Locale.ROOT, "| %d | %.0f | %.0f | %.0f | %.2f |%n", associations, orthancRate,
						onetripRates[0], onetripRates[1], onetripRates[1] / orthancRate));
			}

			report.append(String.format(Locale.ROOT, "%n#### Study-level C-FIND, dcmtk findscu (a new process and "
					+ "association per query, as a PACS client does), %d queries of each kind per checkpoint%n%n", queries));
			report.append("| studies | load inst/s Orthanc / OneTrip+FHIR | query | Orthanc p50 / p99 ms | OneTrip p50 / p99 ms "
					+ "| p50 ratio | matches per query |\n");
			report.append("|---:|---|---|---|---|---:|---:|\n");
			int loaded = 0;
			Random random = new Random(args.integer("seed", 42));
			for (int checkpoint : checkpoints) {
				Path population = findSet(files, loaded, checkpoint);
				int count = checkpoint - loaded;
				double orthancLoad = ingestOrthanc(orthanc, population, LOAD_ASSOCIATIONS, count);
				double onetripLoad = ingestOneTrip(population, LOAD_ASSOCIATIONS, count)[1];
				loaded = checkpoint;
				String load = String.format(Locale.ROOT, "%.0f / %.0f", orthancLoad, onetripLoad);
				for (String kind : List.of("PatientID", "StudyDate+ModalitiesInStudy")) {
					Latencies orthancTimes = new Latencies();
					Latencies onetripTimes = new Latencies();
					long orthancMatches = 0;
					long onetripMatches = 0;
					try (Progress progress = new Progress("C-FIND " + kind + " at " + checkpoint, queries, "queries",
							"queries", "q/s")) {
						for (int q = 0; q < queries; q++) {
							List<String> keys = kind.equals("PatientID")
									? List.of("PatientID=" + BenchInstances.findPatientId(random.nextInt(checkpoint / STUDIES_PER_FIND_PATIENT)))
									: List.of("StudyDate=" + BenchInstances.dicomDate(BenchInstances.FIRST_STUDY_DATE
											.plusDays(random.nextInt(BenchInstances.STUDY_DATE_SPAN_DAYS))), "ModalitiesInStudy=CT");
							orthancMatches += find(OrthancProcess.AE_TITLE, orthanc.dicomPort(), keys, orthancTimes);
							onetripMatches += find(ONETRIP_AE, onetripDicomPort, keys, onetripTimes);
							progress.advance(1);
						}
					}
					if (orthancMatches != onetripMatches) {
						System.err.printf(Locale.ROOT, "WARNING: %s queries matched %d studies on Orthanc, %d on OneTrip%n",
								kind, orthancMatches, onetripMatches);
					}
					report.append(String.format(Locale.ROOT, "| %,d | %s | %s | %.1f / %.1f | %.1f / %.1f | %.2f | %.1f / %.1f |%n",
							checkpoint, load, kind, orthancTimes.percentile(50), orthancTimes.percentile(99),
							onetripTimes.percentile(50), onetripTimes.percentile(99),
							onetripTimes.percentile(50) / orthancTimes.percentile(50),
							(double) orthancMatches / queries, (double) onetripMatches / queries));
					load = "";
				}
			}
			// The floor under every C-FIND figure: starting a dcmtk process and an association, with nothing to search.
			Latencies orthancEcho = new Latencies();
			Latencies onetripEcho = new Latencies();
			for (int q = 0; q < queries; q++) {
				echo(OrthancProcess.AE_TITLE, orthanc.dicomPort(), orthancEcho);
				echo(ONETRIP_AE, onetripDicomPort, onetripEcho);
			}
			report.append(String.format(Locale.ROOT, "%nThe floor: echoscu (process + association + C-ECHO), %d each: "
					+ "Orthanc p50 / p99 %.1f / %.1f ms, OneTrip %.1f / %.1f ms%n", queries, orthancEcho.percentile(50),
					orthancEcho.percentile(99), onetripEcho.percentile(50), onetripEcho.percentile(99)));
			report.append(String.format(Locale.ROOT, "%nOneTrip RSS at the end: %,d MiB%n", onetrip.rssMiB()));
		}
		System.out.println();
		System.out.println(report);
		Files.writeString(runDir.resolve("report.md"), report);
		if (!args.flag("keep-data")) {
			// Both peers' stores hold gigabytes after a 100,000-study run; the report and logs are what is kept.
			deleteTree(runDir.resolve("orthanc"));
			deleteTree(runDir.resolve("onetrip"));
		}
		System.err.println("report also in " + runDir.resolve("report.md") + "; logs in " + logs);
	}

	/** The ingest files, generated once and kept under the work directory (a complete set is marked as such). */
	private Path ingestSet(Path files, String name, int instances, int perStudy, int rows, int parts, String patientPrefix)
			throws Exception {
		Path directory = files.resolve(name);
		if (Files.exists(directory.resolve("complete"))) {
			return directory;
		}
		deleteTree(directory);
		int studies = Math.max(1, instances / perStudy);
		try (Progress progress = new Progress("writing " + name, (long) studies * perStudy, "files", "instances", "inst/s")) {
			BenchInstances.writeCtStudies(directory, patientPrefix + System.currentTimeMillis() % 100000 + "-", studies,
					perStudy, rows, parts, () -> progress.advance(1));
		}
		Files.writeString(directory.resolve("complete"), "");
		return directory;
	}

	/** Studies {@code from..to-1} of the C-FIND population, in {@link #LOAD_ASSOCIATIONS} parts. */
	private Path findSet(Path files, int from, int to) throws Exception {
		Path directory = files.resolve("find-" + from + "-" + to);
		if (Files.exists(directory.resolve("complete"))) {
			return directory;
		}
		deleteTree(directory);
		try (Progress progress = new Progress("writing C-FIND studies " + from + "-" + to, to - from, "files",
				"instances", "inst/s")) {
			for (int i = from; i < to; i++) {
				BenchInstances.writeFindStudy(directory.resolve("part-" + (i % LOAD_ASSOCIATIONS)), i, STUDIES_PER_FIND_PATIENT);
				progress.advance(1);
			}
		}
		Files.writeString(directory.resolve("complete"), "");
		return directory;
	}

	private double ingestOrthanc(OrthancProcess orthanc, Path directory, int associations, int expected) throws Exception {
		long before = orthanc.instanceCount();
		long start = System.nanoTime();
		AtomicLong stored = new AtomicLong();
		try (Progress progress = new Progress("Orthanc C-STORE x" + associations, expected, "instances", "instances", "inst/s")) {
			storescu(OrthancProcess.AE_TITLE, orthanc.dicomPort(), directory, associations, () -> {
				stored.set(orthanc.instanceCount() - before);
				progress.advanceTo(stored.get());
			});
		}
		double seconds = (System.nanoTime() - start) / 1e9;
		long got = orthanc.instanceCount() - before;
		if (got != expected) {
			throw new IOException("Orthanc stored " + got + " of " + expected + " instances from " + directory);
		}
		return expected / seconds;
	}

	/** @return {stored inst/s, stored-and-synced-into-FHIR inst/s} */
	private double[] ingestOneTrip(Path directory, int associations, int expected) throws Exception {
		long before = onetripGateway().path("instancesStored").asLong();
		long start = System.nanoTime();
		double storedSeconds;
		try (Progress progress = new Progress("OneTrip C-STORE x" + associations, expected, "instances", "instances", "inst/s")) {
			storescu(ONETRIP_AE, onetripDicomPort, directory, associations,
					() -> progress.advanceTo(onetripGateway().path("instancesStored").asLong() - before));
		}
		storedSeconds = (System.nanoTime() - start) / 1e9;
		JsonNode gateway = onetripGateway();
		long got = gateway.path("instancesStored").asLong() - before;
		if (got != expected) {
			throw new IOException("OneTrip stored " + got + " of " + expected + " instances from " + directory);
		}
		long lastReport = System.nanoTime();
		while (gateway.path("studiesPendingSync").asLong() > 0) {
			if (System.nanoTime() - lastReport > 5_000_000_000L) {
				System.err.printf(Locale.ROOT, "waiting for FHIR sync: %d studies pending%n", gateway.path("studiesPendingSync").asLong());
				lastReport = System.nanoTime();
			}
			Thread.sleep(50);
			gateway = onetripGateway();
		}
		double syncedSeconds = (System.nanoTime() - start) / 1e9;
		return new double[] {expected / storedSeconds, expected / syncedSeconds};
	}

	private JsonNode onetripGateway() throws IOException, InterruptedException {
		HttpResponse<String> response = http.send(org.onetrip.bench.BearerToken.on(HttpRequest.newBuilder(
				URI.create("http://127.0.0.1:" + onetripHttpPort + "/actuator/health"))).GET().build(),
				HttpResponse.BodyHandlers.ofString());
		JsonNode details = JSON.readTree(response.body()).findParent("studiesPendingSync");
		if (details == null) {
			throw new IOException("OneTrip health has no DICOM gateway details: " + response.body());
		}
		return details;
	}

	interface Poll {
		void run() throws Exception;
	}

	/** One storescu per association, each sending one part directory; {@code poll} runs twice a second meanwhile. */
	private void storescu(String calledAe, int port, Path directory, int associations, Poll poll) throws Exception {
		List<Process> processes = new ArrayList<>();
		for (int part = 0; part < associations; part++) {
			Path partDirectory = directory.resolve("part-" + part);
			ProcessBuilder builder = new ProcessBuilder("storescu", "-aet", CALLING_AE, "-aec", calledAe, "-nh", "+sd",
					"127.0.0.1", Integer.toString(port), partDirectory.toString())
					.redirectErrorStream(true)
					.redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve("storescu.log").toFile()));
			builder.environment().put("TCP_NODELAY", "1");
			processes.add(builder.start());
		}
		for (Process process : processes) {
			while (process.isAlive()) {
				poll.run();
				Thread.sleep(500);
			}
			if (process.exitValue() != 0) {
				throw new IOException("storescu to " + calledAe + " exited with " + process.exitValue() + "; see "
						+ logs.resolve("storescu.log"));
			}
		}
		poll.run();
	}

	/** One study-level findscu; returns the number of matches and records the wall time. */
	private int find(String calledAe, int port, List<String> keys, Latencies times) throws Exception {
		List<String> command = new ArrayList<>(List.of("findscu", "-v", "-S", "-aet", CALLING_AE, "-aec", calledAe,
				"-k", "QueryRetrieveLevel=STUDY"));
		for (String key : keys) {
			command.add("-k");
			command.add(key);
		}
		for (String returnKey : List.of("StudyInstanceUID", "StudyDate", "StudyTime", "AccessionNumber", "PatientName",
				"PatientID", "StudyDescription", "ModalitiesInStudy")) {
			if (keys.stream().noneMatch(k -> k.startsWith(returnKey + "="))) {
				command.add("-k");
				command.add(returnKey);
			}
		}
		command.add("127.0.0.1");
		command.add(Integer.toString(port));
		String output = timed(command, times, calledAe);
		if (!output.contains("(Success)")) {
			throw new IOException("findscu to " + calledAe + " did not end in Success:\n" + output);
		}
		return (int) output.lines().filter(l -> l.contains("Find Response:") && l.contains("(Pending)")).count();
	}

	private void echo(String calledAe, int port, Latencies times) throws Exception {
		timed(List.of("echoscu", "-aet", CALLING_AE, "-aec", calledAe, "127.0.0.1", Integer.toString(port)), times, calledAe);
	}

	/** Runs a dcmtk client ({@code TCP_NODELAY=1}), records its wall time, returns its output; failure is an error. */
	private static String timed(List<String> command, Latencies times, String calledAe) throws Exception {
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
		builder.environment().put("TCP_NODELAY", "1");
		long start = System.nanoTime();
		Process process = builder.start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		int exit = process.waitFor();
		times.record(System.nanoTime() - start);
		if (exit != 0) {
			throw new IOException(command.get(0) + " to " + calledAe + " failed (" + exit + "):\n" + output);
		}
		return output;
	}

	private static void deleteTree(Path directory) throws IOException {
		if (!Files.exists(directory)) return;
		try (var walk = Files.walk(directory)) {
			for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
				Files.delete(p);
			}
		}
	}
}
