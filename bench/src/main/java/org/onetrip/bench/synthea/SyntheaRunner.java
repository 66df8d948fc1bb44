package org.onetrip.bench.synthea;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Runs Synthea 3.3.0 in its own JVM on its own classpath (it pins an older HAPI than OneTrip), once per
 * (patients, seed): a later run with the same numbers reuses the bundles already generated.
 */
public final class SyntheaRunner {

	private final Path syntheaLib;
	private final Path workDir;

	/**
	 * The day every generated history runs up to (Synthea's reference and end dates, YYYYMMDD). Without it Synthea
	 * simulates up to the day it runs, and the same seed gave different populations on different days (231 Bundles with
	 * a 44 MB patient on 2026-12-03, 228 with a 34 MB one the day before): figures of different days were not
	 * comparable.
	 */
	static final String SIMULATED_TODAY = "20261203";

	public SyntheaRunner(Path syntheaLib, Path workDir) {
		this.syntheaLib = syntheaLib;
		this.workDir = workDir;
	}

	/** The patient transaction bundles for this population, generating them if needed. */
	public List<Path> bundles(int patients, long seed) throws IOException, InterruptedException {
		Path out = workDir.resolve("population-" + patients + "-seed-" + seed + "-to-" + SIMULATED_TODAY);
		Path done = out.resolve("complete");
		if (!Files.exists(done)) {
			generate(patients, seed, out);
			Files.writeString(done, "ok\n");
		} else {
			System.err.println("Synthea: reusing " + patients + " patients already generated in " + out);
		}
		try (Stream<Path> files = Files.list(out.resolve("fhir"))) {
			return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
		}
	}

	private void generate(int patients, long seed, Path out) throws IOException, InterruptedException {
		System.err.println("Synthea: generating " + patients + " patients (seed " + seed + ", histories to " + SIMULATED_TODAY
				+ ") into " + out
				+ "; this takes about " + Math.max(1, patients / 10) + " s");
		List<String> command = new ArrayList<>(List.of(
				Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-Xmx2g",
				"-cp", syntheaLib.toAbsolutePath() + File.separator + "*",
				"App",
				"-p", Integer.toString(patients),
				"-s", Long.toString(seed),
				"-cs", Long.toString(seed),
				"-r", SIMULATED_TODAY,
				"-e", SIMULATED_TODAY,
				"--exporter.baseDirectory", out.toAbsolutePath().toString(),
				// Plain FHIR R4: no US Core profile claims, which could not be resolved offline anyway.
				"--exporter.fhir.use_us_core_ig", "false",
				"--exporter.fhir.transaction_bundle", "true",
				"--exporter.hospital.fhir.export", "false",
				"--exporter.practitioner.fhir.export", "false",
				"--exporter.metadata.export", "false",
				"--exporter.csv.export", "false",
				"--generate.log_patients.detail", "none"));
		Files.createDirectories(out);
		Process process = new ProcessBuilder(command)
				.redirectErrorStream(true)
				.redirectOutput(out.resolve("synthea.log").toFile())
				.start();
		int exit = process.waitFor();
		if (exit != 0) {
			throw new IOException("Synthea failed with exit code " + exit + "; see " + out.resolve("synthea.log"));
		}
	}
}
