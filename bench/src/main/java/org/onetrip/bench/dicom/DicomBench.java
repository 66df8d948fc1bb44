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
import java.util.concurrent.TimeUnit;
import org.onetrip.bench.Args;
import org.onetrip.bench.Latencies;
import org.onetrip.bench.ProcessTreeCpu;
import org.onetrip.bench.WorkFiles;
import org.onetrip.bench.Progress;
import org.onetrip.bench.fhir.ServerProcess;

/**
 * DICOM gateway against Orthanc, in the same run, with the same files and the same clients (dcmtk's storescu and
 * findscu, {@code TCP_NODELAY=1}):
 * <ol>
 * <li>C-STORE ingest of ~500 KB CT images for every study shape (instances per study, one patient per study: the
 * per-study work, a new Patient and an ImagingStudy in FHIR, weighs on 1 image or on 200), over 1 and over 8 parallel
 * associations, in instances/s and in CPU ms per instance of each peer's whole process tree. OneTrip's clock stops
 * only when every study is also in FHIR (no study pending sync), Orthanc's when storescu is done. Every run sends
 * files of its own, since a re-sent instance is a duplicate. The shapes also run cold, over 1 association, right
 * after start-up and before the warm-up: a server restarted in service should not be much slower than a warm one.</li>
 * <li>Study-level C-FIND latency at each population checkpoint (10,000 and 100,000 single-image studies, four per
 * patient): by PatientID (a patient's prior studies) and by StudyDate plus ModalitiesInStudy (a day's CTs). Each
 * query goes to both peers back to back, so background noise falls on both alike.</li>
 * </ol>
 *
 * <pre>./onetrip bench dicom --instances-per-study 1,4,20,200 --ingest-instances 400 --find-checkpoints 10000,100000</pre>
 */
public final class DicomBench {

	private static final ObjectMapper JSON = new ObjectMapper();
	private static final String CALLING_AE = "HOSP_A";
	private static final String ONETRIP_AE = "ONETRIP";
	private static final int STUDIES_PER_FIND_PATIENT = 4;
	private static final int LOAD_ASSOCIATIONS = 4;
	/**
	 * The warm-up, to each peer, not counted: instances per study of each warm-up set. A server in service has seen
	 * studies of every size, and the per-study path (a new Patient, an ImagingStudy) is not warmed by large studies.
	 */
	private static final List<Integer> WARM_UP_SHAPES = List.of(1, 50);
	private static final int WARM_UP_INSTANCES = 400;
	private static final List<Integer> INGEST_ASSOCIATIONS = List.of(1, 8);
	/** The target: OneTrip cold within 20 % of OneTrip warm. */
	private static final double COLD_SHARE_TARGET = 0.8;

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
	private int onetripHttpPort;
	private int onetripDicomPort;
	private Path logs;
	private ProcessTreeCpu cpu;

	public static void main(String[] argv) throws Exception {
		new DicomBench().run(new Args(argv));
	}

	private void run(Args args) throws Exception {
		int ingestInstances = args.integer("ingest-instances", 400);
		// A shape given twice would send its files twice: duplicates.
		List<Integer> shapes = integers(args.get("instances-per-study", "1,4,20,200")).stream().distinct().toList();
		if (shapes.isEmpty() || shapes.stream().anyMatch(perStudy -> perStudy < 1)) {
			throw new IllegalArgumentException("--instances-per-study must list whole numbers of 1 or more");
		}
		int rows = args.integer("rows", 512);
		int queries = args.integer("queries", 200);
		List<Integer> checkpoints = integers(args.get("find-checkpoints", "10000,100000"));
		onetripHttpPort = args.integer("port", 18082);
		onetripDicomPort = args.integer("dicom-port", 11113);
		Path work = Path.of(args.required("work"));
		Path files = work.resolve("dicom-bench-files");
		String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
		Path runDir = work.resolve("dicom-bench-" + stamp);
		logs = runDir.resolve("logs");
		Files.createDirectories(logs);
		cpu = new ProcessTreeCpu();

		// Every file is written before the servers start, so writing them costs neither peer.
		List<Path> warmUps = new ArrayList<>();
		for (int perStudy : WARM_UP_SHAPES) {
			warmUps.add(ingestSet(files, "warm-up-s" + perStudy + "-a8-" + WARM_UP_INSTANCES + "x" + rows,
					WARM_UP_INSTANCES / perStudy, perStudy, rows, 8, "WARM" + perStudy + "P"));
		}
		List<IngestRun> coldRuns = new ArrayList<>();
		List<IngestRun> warmRuns = new ArrayList<>();
		for (int perStudy : shapes) {
			coldRuns.add(ingestRun(files, "cold", perStudy, 1, ingestInstances, rows));
			for (int associations : INGEST_ASSOCIATIONS) {
				warmRuns.add(ingestRun(files, "warm", perStudy, associations, ingestInstances, rows));
			}
		}
		long fileBytes;
		try (var list = Files.list(warmRuns.get(0).directory().resolve("part-0"))) {
			fileBytes = list.findFirst().map(p -> p.toFile().length()).orElse(0L);
		}

		StringBuilder report = new StringBuilder();
		try (OrthancProcess orthanc = OrthancProcess.start(runDir.resolve("orthanc"), 4242, 8042, CALLING_AE,
				logs.resolve("orthanc.log"));
				ServerProcess onetrip = ServerProcess.start(Path.of(args.required("server-app")), runDir.resolve("onetrip"),
						onetripHttpPort, args.get("heap", "2g"), logs.resolve("onetrip.log"),
						List.of("--onetrip.dicom.enabled=true", "--onetrip.dicom.port=" + onetripDicomPort))) {
			System.err.printf(Locale.ROOT, "Orthanc and OneTrip ready (OneTrip in %.1f s)%n", onetrip.startupSeconds());
			// Cold first: a server restarted in service takes its first studies with its JIT cold.
			List<IngestResult> cold = new ArrayList<>();
			for (IngestRun run : coldRuns) {
				cold.add(ingest(orthanc, onetrip, run, "cold"));
			}
			// A server in service is warm; OneTrip's JIT is not after start-up, Orthanc is native. Not counted.
			for (Path warmUp : warmUps) {
				ingestOrthanc(orthanc, warmUp, 8, WARM_UP_INSTANCES, "warm-up");
				ingestOneTrip(onetrip, warmUp, 8, WARM_UP_INSTANCES, "warm-up");
			}
			List<IngestResult> warm = new ArrayList<>();
			for (IngestRun run : warmRuns) {
				warm.add(ingest(orthanc, onetrip, run, "warm"));
			}
			report.append(String.format(Locale.ROOT, "#### C-STORE ingest, warm: CT images of %,d bytes (%dx%d, 16 bit), "
					+ "%,d per run of each shape (rounded up to whole studies), one patient per study, new files for every run, "
					+ "dcmtk storescu, after a warm-up of %d instances in each of %s instances per study (8 associations) to "
					+ "each peer; Orthanc's clock stops when storescu ends, OneTrip's when every study is an ImagingStudy in "
					+ "FHIR%n%n", fileBytes, rows, rows, ingestInstances, WARM_UP_INSTANCES, WARM_UP_SHAPES));
			appendIngestTable(report, warm);
			report.append("\nstored: every C-STORE answered (storescu ended); in FHIR: no study pending sync; FHIR lag: from "
					+ "storescu's end to the last ImagingStudy; OneTrip / Orthanc: OneTrip in FHIR over Orthanc; CPU: utime + stime "
					+ "(and reaped children's) of each peer's process tree over the run, OneTrip's (its JVM, its PostgreSQL "
					+ "server and backends) until its FHIR sync is done.\n");
			report.append("\n#### C-STORE ingest, cold: the same measure right after both servers were ready, before the "
					+ "warm-up, 1 association, files of its own for every run, shapes in the order listed (the later ones find "
					+ "OneTrip warmed by the earlier ones)\n\n");
			appendIngestTable(report, cold);
			report.append(String.format(Locale.ROOT, "%nCold as a share of warm, 1 association, OneTrip until in FHIR (target: "
					+ "within %.0f %% of warm; Orthanc's share shows the machine's noise):%n%n", (1 - COLD_SHARE_TARGET) * 100));
			for (IngestResult coldRun : cold) {
				IngestResult warmRun = warm.stream().filter(w -> w.run().perStudy() == coldRun.run().perStudy()
						&& w.run().associations() == 1).findFirst().orElseThrow();
				double onetripShare = coldRun.onetrip().inFhirPerSecond() / warmRun.onetrip().inFhirPerSecond();
				report.append(String.format(Locale.ROOT, "- %d per study: OneTrip %.0f %% (%s), Orthanc %.0f %%%n",
						coldRun.run().perStudy(), onetripShare * 100,
						onetripShare >= COLD_SHARE_TARGET ? "within target" : "below target",
						coldRun.orthanc().perSecond() / warmRun.orthanc().perSecond() * 100));
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
				String populationLabel = "C-FIND studies " + loaded + "-" + checkpoint;
				double orthancLoad = ingestOrthanc(orthanc, population, LOAD_ASSOCIATIONS, count, populationLabel).perSecond();
				double onetripLoad = ingestOneTrip(onetrip, population, LOAD_ASSOCIATIONS, count, populationLabel)
						.inFhirPerSecond();
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
			WorkFiles.deleteTree(runDir.resolve("orthanc"));
			WorkFiles.deleteTree(runDir.resolve("onetrip"));
		}
		System.err.println("report also in " + runDir.resolve("report.md") + "; logs in " + logs);
	}

	/** One measured C-STORE run: {@code studies} of {@code perStudy} instances over {@code associations}, own files. */
	private record IngestRun(int perStudy, int studies, int associations, Path directory) {

		int instances() {
			return studies * perStudy;
		}
	}

	/** Orthanc's figures for one run: instances/s until storescu ended, CPU ms per instance of its process tree. */
	private record OrthancIngest(double perSecond, double cpuMsPerInstance) {}

	/**
	 * OneTrip's figures for one run: instances/s until storescu ended (every C-STORE answered) and until the last
	 * ImagingStudy was in FHIR, the seconds between the two, CPU ms per instance of its process tree until then.
	 */
	private record OneTripIngest(double storedPerSecond, double inFhirPerSecond, double syncLagSeconds,
			double cpuMsPerInstance) {}

	private record IngestResult(IngestRun run, OrthancIngest orthanc, OneTripIngest onetrip) {}

	/** The same files to Orthanc, then to OneTrip. */
	private IngestResult ingest(OrthancProcess orthanc, ServerProcess onetrip, IngestRun run, String pass) throws Exception {
		String label = pass + " " + run.perStudy() + "/study";
		return new IngestResult(run, ingestOrthanc(orthanc, run.directory(), run.associations(), run.instances(), label),
				ingestOneTrip(onetrip, run.directory(), run.associations(), run.instances(), label));
	}

	private static void appendIngestTable(StringBuilder report, List<IngestResult> results) {
		report.append("| instances per study | studies | associations | Orthanc inst/s | OneTrip stored inst/s "
				+ "| OneTrip in FHIR inst/s | FHIR lag s | OneTrip / Orthanc | Orthanc CPU ms/inst | OneTrip CPU ms/inst |\n");
		report.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
		for (IngestResult r : results) {
			report.append(String.format(Locale.ROOT, "| %d | %,d | %d | %.0f | %.0f | %.0f | %.2f | %.2f | %.1f | %.1f |%n",
					r.run().perStudy(), r.run().studies(), r.run().associations(), r.orthanc().perSecond(),
					r.onetrip().storedPerSecond(), r.onetrip().inFhirPerSecond(), r.onetrip().syncLagSeconds(),
					r.onetrip().inFhirPerSecond() / r.orthanc().perSecond(), r.orthanc().cpuMsPerInstance(),
					r.onetrip().cpuMsPerInstance()));
		}
	}

	/**
	 * The files of one measured run: {@code instances} rounded up to whole studies, named by pass, shape, associations
	 * and size so each run finds its own set, with patients no other set has.
	 */
	private IngestRun ingestRun(Path files, String pass, int perStudy, int associations, int instances, int rows)
			throws Exception {
		int studies = (instances + perStudy - 1) / perStudy;
		String name = "ingest-" + pass + "-s" + perStudy + "-a" + associations + "-" + studies * perStudy + "x" + rows;
		String patientPrefix = pass.toUpperCase(Locale.ROOT) + perStudy + "A" + associations + "P";
		return new IngestRun(perStudy, studies, associations,
				ingestSet(files, name, studies, perStudy, rows, associations, patientPrefix));
	}

	/** The ingest files, generated once and kept under the work directory (a complete set is marked as such). */
	private Path ingestSet(Path files, String name, int studies, int perStudy, int rows, int parts, String patientPrefix)
			throws Exception {
		Path directory = files.resolve(name);
		if (Files.exists(directory.resolve("complete"))) {
			return directory;
		}
		WorkFiles.deleteTree(directory);
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
		WorkFiles.deleteTree(directory);
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

	private OrthancIngest ingestOrthanc(OrthancProcess orthanc, Path directory, int associations, int expected,
			String label) throws Exception {
		long before = orthanc.instanceCount();
		long cpuBefore = cpu.millis(orthanc.pid());
		long start = System.nanoTime();
		long ended;
		try (Progress progress = new Progress("Orthanc C-STORE " + label + " x" + associations, expected, "instances",
				"instances", "inst/s")) {
			ended = storescu(OrthancProcess.AE_TITLE, orthanc.dicomPort(), directory, associations,
					() -> progress.advanceTo(orthanc.instanceCount() - before));
		}
		long cpuAfter = cpu.millis(orthanc.pid());
		long got = orthanc.instanceCount() - before;
		if (got != expected) {
			throw new IOException("Orthanc stored " + got + " of " + expected + " instances from " + directory);
		}
		return new OrthancIngest(expected / seconds(start, ended), (double) (cpuAfter - cpuBefore) / expected);
	}

	private OneTripIngest ingestOneTrip(ServerProcess onetrip, Path directory, int associations, int expected,
			String label) throws Exception {
		long before = onetripGateway().path("instancesStored").asLong();
		long cpuBefore = cpu.millis(onetrip.pid());
		long start = System.nanoTime();
		long ended;
		try (Progress progress = new Progress("OneTrip C-STORE " + label + " x" + associations, expected, "instances",
				"instances", "inst/s")) {
			ended = storescu(ONETRIP_AE, onetripDicomPort, directory, associations,
					() -> progress.advanceTo(onetripGateway().path("instancesStored").asLong() - before));
		}
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
		long synced = System.nanoTime();
		long cpuAfter = cpu.millis(onetrip.pid());
		return new OneTripIngest(expected / seconds(start, ended), expected / seconds(start, synced), seconds(ended, synced),
				(double) (cpuAfter - cpuBefore) / expected);
	}

	private static double seconds(long fromNanos, long toNanos) {
		return (toNanos - fromNanos) / 1e9;
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

	/**
	 * One storescu per association, each sending one part directory; {@code poll} runs twice a second meanwhile.
	 *
	 * @return {@link System#nanoTime()} when the last storescu ended, seen at once rather than at the next poll: a run
	 *         of a few hundred instances lasts seconds, and the FHIR lag is counted from there
	 */
	private long storescu(String calledAe, int port, Path directory, int associations, Poll poll) throws Exception {
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
			while (!process.waitFor(500, TimeUnit.MILLISECONDS)) {
				poll.run();
			}
			if (process.exitValue() != 0) {
				throw new IOException("storescu to " + calledAe + " exited with " + process.exitValue() + "; see "
						+ logs.resolve("storescu.log"));
			}
		}
		long ended = System.nanoTime();
		poll.run();
		return ended;
	}

	/** A comma list of whole numbers ({@code 10_000} allowed). */
	private static List<Integer> integers(String list) {
		List<Integer> values = new ArrayList<>();
		for (String value : list.split(",")) {
			if (!value.isBlank()) values.add(Integer.parseInt(value.trim().replace("_", "")));
		}
		return values;
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
}
