package org.onetrip.bench.fhir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.onetrip.bench.Args;
import org.onetrip.bench.synthea.BundleLoader;
import org.onetrip.bench.synthea.Regionaliser;
import org.onetrip.bench.synthea.SyntheaRunner;
import org.onetrip.terminology.region.RegionConfig;

/**
 * How much heap a large transaction Bundle takes while OneTrip stores it: what {@code onetrip.max-request-body} is
 * set from. The largest Synthea patients of a population are posted one at a time to a server whose body limit is
 * out of the way; before each, a full GC ({@code jcmd GC.run}) gives the live heap, and the server's GC log gives the
 * highest heap after a collection while the Bundle is stored (live data plus what young collections cannot free: an
 * upper bound of what the Bundle holds). The difference, per MB of request body, is the figure.
 *
 * <pre>./onetrip bench bundles --patients 100 --largest 4</pre>
 */
public final class LargeBundles {

	/** "GC(12) Pause Young (Normal) (G1 Evacuation Pause) 812M->301M(2048M) 12.3ms": before, after, capacity. */
	private static final Pattern PAUSE = Pattern.compile("Pause .*?(\\d+)M->(\\d+)M\\((\\d+)M\\)");

	private LargeBundles() {}

	public static void main(String[] argv) throws Exception {
		Args args = new Args(argv);
		int patients = args.integer("patients", 100);
		long seed = args.integer("seed", 42);
		int largest = args.integer("largest", 4);
		String heap = args.get("heap", "2g");
		int port = args.integer("port", 18083);
		Path work = Path.of(args.required("work"));
		String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
		Path dataDir = work.resolve("bench-data-" + stamp);
		Path log = work.resolve("bench-server-" + stamp + ".log");
		Path gcLog = work.resolve("bench-gc-" + stamp + ".log");

		List<Path> bundles = new ArrayList<>(new SyntheaRunner(Path.of(args.required("synthea-lib")), work)
				.bundles(patients, seed));
		bundles.sort(Comparator.comparingLong((Path p) -> p.toFile().length()).reversed());
		List<Path> measured = bundles.subList(0, Math.min(largest, bundles.size()));

		StringBuilder report = new StringBuilder();
		report.append(String.format(Locale.ROOT, "### Large transaction Bundles: the %d largest of %d Synthea patients "
				+ "(seed %d), one at a time, %s heap%n%n", measured.size(), patients, seed, heap));
		report.append("| body MB (as sent) | resources | stored in s | live heap before MB | live heap at the peak MB "
				+ "| held by the Bundle MB | heap MB per body MB | highest heap after a young GC MB |\n"
				+ "|---:|---:|---:|---:|---:|---:|---:|---:|\n");
		double lowest = Double.MAX_VALUE;
		double highest = 0;
		try (ServerProcess server = ServerProcess.start(Path.of(args.required("server-app")), dataDir, port, heap, log,
				List.of("--onetrip.max-request-body=1GB", "--onetrip.limits.max-bundle-entries=1000000"),
				List.of("-Xlog:gc:file=" + gcLog))) {
			BundleLoader loader = new BundleLoader(server.fhirBase(),
					new Regionaliser(RegionConfig.load(Path.of(args.required("region")))), 1);
			for (Path bundle : measured) {
				long liveBefore = fullGcLiveMb(server.pid(), gcLog);
				long gcLogFrom = Files.size(gcLog);
				// The live heap while the Bundle is stored, by a full collection every few seconds: the highest heap after
				// a young collection counts old garbage too, and in a heap near its limit that is most of the heap.
				LivePeak livePeak = new LivePeak(server.pid(), gcLog, liveBefore);
				Thread sampler = new Thread(livePeak, "live-heap-sampler");
				sampler.start();
				BundleLoader.Result result;
				try {
					result = loader.load(List.of(bundle));
				} finally {
					sampler.interrupt();
					sampler.join();
				}
				livePeak.check();
				if (!result.failures().isEmpty()) {
					throw new IOException("the Bundle was not stored: " + result.failures().get(0));
				}
				// The body as sent (compact JSON), what the server's budget counts: Synthea's files are pretty-printed,
				// 1.4 times larger.
				double megabytes = result.bodyBytes() / 1048576.0;
				long afterYoung = highestAfterGc(gcLog, gcLogFrom, liveBefore);
				double held = livePeak.highest() - liveBefore;
				lowest = Math.min(lowest, held / megabytes);
				highest = Math.max(highest, held / megabytes);
				report.append(String.format(Locale.ROOT, "| %.1f | %,d | %.0f | %,d | %,d | %,.0f | %.1f | %,d |%n", megabytes,
						result.resources(), result.seconds(), liveBefore, livePeak.highest(), held, held / megabytes, afterYoung));
			}
		}
		double budget = heapMegabytes(heap) - SERVER_RESERVE_MB;
		report.append(String.format(Locale.ROOT, "%n%.1f to %.1f MB of live heap per MB of body (sampled by a full collection "
				+ "every %d s while storing, so the true peak may be a little higher). The large-body budget of a %s heap (the "
				+ "heap less %d MB) holds bodies of %.0f to %.0f MB in all at these rates.%n", lowest, highest,
				LivePeak.EVERY_SECONDS, heap, SERVER_RESERVE_MB, budget / highest, budget / lowest));
		System.out.println();
		System.out.println(report);
	}

	/**
	 * The heap the server keeps from large bodies: its {@code LargeBodyBudget.RESERVED_FOR_THE_REST_MB}, restated here
	 * because the benchmark knows the server only over HTTP (keep the two equal).
	 */
	private static final int SERVER_RESERVE_MB = 400;

	/** The highest live heap seen by full collections made every few seconds until interrupted. */
	private static final class LivePeak implements Runnable {
		static final int EVERY_SECONDS = 4;
		private final long pid;
		private final Path gcLog;
		private volatile long highest;
		private volatile IOException failure;

		LivePeak(long pid, Path gcLog, long floor) {
			this.pid = pid;
			this.gcLog = gcLog;
			this.highest = floor;
		}

		long highest() {
			return highest;
		}

		@Override
		public void run() {
			try {
				while (true) {
					Thread.sleep(EVERY_SECONDS * 1000L);
					highest = Math.max(highest, fullGcLiveMb(pid, gcLog));
				}
			} catch (InterruptedException e) {
				// the Bundle is stored
			} catch (IOException e) {
				failure = e;
			}
		}

		/** A peak missed because a collection could not be made or read is an error of the run, not a lower figure. */
		void check() throws IOException {
			if (failure != null) {
				throw new IOException("the live heap could not be sampled: " + failure.getMessage(), failure);
			}
		}
	}

	/** A full collection, then the heap it left: the live data. */
	private static long fullGcLiveMb(long pid, Path gcLog) throws IOException, InterruptedException {
		long from = Files.size(gcLog);
		Process jcmd = new ProcessBuilder("jcmd", Long.toString(pid), "GC.run").redirectErrorStream(true).start();
		String output = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		if (jcmd.waitFor() != 0) {
			throw new IOException("jcmd GC.run failed: " + output);
		}
		for (int attempt = 0; attempt < 50; attempt++) {
			for (String line : newLines(gcLog, from)) {
				Matcher pause = PAUSE.matcher(line);
				if (line.contains("Pause Full") && pause.find()) {
					return Long.parseLong(pause.group(2));
				}
			}
			Thread.sleep(100);
		}
		throw new IOException("no full GC in " + gcLog + " after jcmd GC.run");
	}

	private static long highestAfterGc(Path gcLog, long from, long floor) throws IOException {
		long highest = floor;
		for (String line : newLines(gcLog, from)) {
			Matcher pause = PAUSE.matcher(line);
			if (pause.find()) {
				highest = Math.max(highest, Long.parseLong(pause.group(2)));
			}
		}
		return highest;
	}

	private static List<String> newLines(Path file, long from) throws IOException {
		byte[] all = Files.readAllBytes(file);
		return new String(all, (int) Math.min(from, all.length), (int) Math.max(0, all.length - from),
				StandardCharsets.UTF_8).lines().toList();
	}

	private static double heapMegabytes(String heap) {
		String h = heap.trim().toLowerCase(Locale.ROOT);
		double value = Double.parseDouble(h.replaceAll("[^0-9.]", ""));
		return h.endsWith("g") ? value * 1024 : h.endsWith("k") ? value / 1024 : value;
	}
}
