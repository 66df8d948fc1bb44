package org.onetrip.bench.fhir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The OneTrip server under test, as its own process, so its start-up time and RSS are its own. */
public final class ServerProcess implements AutoCloseable {

	private final Process process;
	private final URI fhirBase;
	private final double startupSeconds;

	private ServerProcess(Process process, URI fhirBase, double startupSeconds) {
		this.process = process;
		this.fhirBase = fhirBase;
		this.startupSeconds = startupSeconds;
	}

	public static ServerProcess start(Path app, Path dataDir, int port, String heap, Path log) throws IOException, InterruptedException {
		return start(app, dataDir, port, heap, log, List.of());
	}

	/** @param extraArgs more server arguments, e.g. the PostgreSQL profile and its datasource */
	public static ServerProcess start(Path app, Path dataDir, int port, String heap, Path log, List<String> extraArgs)
			throws IOException, InterruptedException {
		return start(app, dataDir, port, heap, log, extraArgs, List.of());
	}

	/** @param jvmOptions more JVM options for the server, e.g. a GC log the benchmark reads */
	public static ServerProcess start(Path app, Path dataDir, int port, String heap, Path log, List<String> extraArgs,
			List<String> jvmOptions) throws IOException, InterruptedException {
		// More JVM options for the server only, e.g. a flight recording while profiling, or another collector for an A/B:
		// BENCH_SERVER_JVM_OPTS="-XX:StartFlightRecording=filename=/tmp/jfr/,settings=profile" (a directory: one file per
		// server process), BENCH_SERVER_JVM_OPTS="-XX:+UseParallelGC".
		String environmentOptions = System.getenv().getOrDefault("BENCH_SERVER_JVM_OPTS", "").trim();
		List<String> moreOptions = environmentOptions.isEmpty() ? List.of() : List.of(environmentOptions.split("\\s+"));
		List<String> command = new ArrayList<>(List.of(
				Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-Xmx" + heap, "-XX:+ExitOnOutOfMemoryError"));
		// Same collector as ./onetrip run, with its settings (the launcher hands them over, one per line), unless the options
		// (BENCH_SERVER_JVM_OPTS or this instance's own) name another (the JVM refuses two); options given later (a reserve
		// of another size) win.
		if (Stream.concat(moreOptions.stream(), jvmOptions.stream()).noneMatch(o -> o.matches("-XX:\\+Use\\w+GC"))) {
			String collector = System.getenv("ONETRIP_SERVER_COLLECTOR_OPTS");
			if (collector == null) {
				System.err.println("ONETRIP_SERVER_COLLECTOR_OPTS is not set (a benchmark not started by ./onetrip bench): the server "
						+ "runs with the JVM's own collector choice, not ./onetrip run's, and its figures are not comparable");
			} else {
				collector.lines().filter(o -> !o.isBlank()).forEach(command::add);
			}
		}
		// The object layout ./onetrip run uses (compact headers on JDK 25), which the AOT cache below was made with; an
		// option given later (BENCH_SERVER_JVM_OPTS="-XX:-UseCompactObjectHeaders", an A/B) wins, and the JVM then starts
		// without the cache.
		System.getenv().getOrDefault("ONETRIP_SERVER_LAYOUT_OPTS", "").lines().filter(o -> !o.isBlank())
				.forEach(command::add);
		command.addAll(moreOptions);
		command.addAll(jvmOptions);
		// The AOT cache ./onetrip makes beside the server jar (ensure_class_archive), with the options it hands over, one
		// per line: a benchmark's server starts as ./onetrip run starts it.
		System.getenv().getOrDefault("ONETRIP_SERVER_ARCHIVE_OPTS", "").lines().filter(o -> !o.isBlank())
				.forEach(command::add);
		command.addAll(List.of(
				"-jar", app.toString(),
				"--spring.config.additional-location=optional:file:config/",
				"--onetrip.data-dir=" + dataDir.toAbsolutePath(),
				"--server.port=" + port));
		// Off unless a benchmark asks for it (a repeated Spring argument would become "false,true").
		if (extraArgs.stream().noneMatch(a -> a.startsWith("--onetrip.dicom.enabled="))) {
			command.add("--onetrip.dicom.enabled=false");
		}
		command.addAll(extraArgs);
		Files.createDirectories(log.getParent());
		long start = System.nanoTime();
		Process process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
		URI base = URI.create("http://127.0.0.1:" + port + "/fhir");
		HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
		while (true) {
			if (!process.isAlive()) {
				throw new IOException("server exited with " + process.exitValue() + "; see " + log);
			}
			try {
				// Ready means the region is loaded, not only that Tomcat answers.
				HttpResponse<String> r = http.send(HttpRequest.newBuilder(
						URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness")).GET().build(),
						HttpResponse.BodyHandlers.ofString());
				if (r.statusCode() == 200) break;
			} catch (IOException notYet) {
				// keep polling
			}
			if ((System.nanoTime() - start) > 300_000_000_000L) {
				process.destroyForcibly();
				throw new IOException("server not ready after 300 s; see " + log);
			}
			Thread.sleep(100);
		}
		return new ServerProcess(process, base, (System.nanoTime() - start) / 1e9);
	}

	/**
	 * {@code count} instances on one PostgreSQL: the first instance's own (durable, as {@code ./onetrip run} stores), which
	 * the others reach as an external database. Started one after the other (the first makes the schema); data in
	 * {@code work/<prefix>-data-<stamp>-<i>}, ports from {@code firstPort}. Close them in reverse order.
	 */
	public static List<ServerProcess> onOnePostgres(Path app, Path work, String prefix, String stamp, int count, int firstPort,
			String heap, List<String> extraArgs) throws IOException, InterruptedException {
		int postgresPort;
		try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			postgresPort = socket.getLocalPort();
		}
		Path firstData = work.resolve(prefix + "-data-" + stamp + "-0");
		List<ServerProcess> servers = new ArrayList<>();
		try {
			for (int i = 0; i < count; i++) {
				List<String> args = new ArrayList<>(extraArgs);
				if (i == 0) {
					args.add("--onetrip.storage.embedded.port=" + postgresPort);
				} else {
					args.addAll(List.of("--spring.profiles.active=postgres",
							"--spring.datasource.url=jdbc:postgresql://127.0.0.1:" + postgresPort + "/onetrip?reWriteBatchedInserts=true",
							"--spring.datasource.username=onetrip",
							"--spring.datasource.password=" + Files.readString(firstData.resolve("keys/postgres-password")).strip()));
				}
				// BENCH_INSTANCE<n>_JVM_OPTS: options for the n-th instance only, after BENCH_SERVER_JVM_OPTS (the later wins),
				// for an A/B of JVM options within one run, where the machine's pace moves both sides alike. The instances do
				// not run alike (G1 sizes each heap its own way: in stop 51's storms the first kept a smaller heap and marked
				// several times as often), so an option is best tried on each in turn.
				String onlyThis = System.getenv().getOrDefault("BENCH_INSTANCE" + (i + 1) + "_JVM_OPTS", "").trim();
				servers.add(start(app, i == 0 ? firstData : work.resolve(prefix + "-data-" + stamp + "-" + i), firstPort + i, heap,
						work.resolve(prefix + "-server-" + stamp + "-" + i + ".log"), args,
						onlyThis.isEmpty() ? List.of() : List.of(onlyThis.split("\\s+"))));
				System.err.printf(java.util.Locale.ROOT, "instance %d ready in %.1f s%n", i + 1, servers.get(i).startupSeconds());
			}
			return servers;
		} catch (IOException | InterruptedException | RuntimeException e) {
			closeAll(servers);
			throw e;
		}
	}

	/** Stops instances started by {@link #onOnePostgres}, the first (whose PostgreSQL serves the others) last. */
	public static void closeAll(List<ServerProcess> servers) throws InterruptedException {
		for (int i = servers.size() - 1; i >= 0; i--) {
			servers.get(i).close();
		}
	}

	/**
	 * The data directories {@link #onOnePostgres} made for these instances, deleted once they are stopped (a storm's
	 * database is ~700 MB, and nothing reads it afterwards); their logs stay.
	 */
	public static void deleteData(Path work, String prefix, String stamp, int count) throws IOException {
		for (int i = 0; i < count; i++) {
			org.onetrip.bench.WorkFiles.deleteTree(work.resolve(prefix + "-data-" + stamp + "-" + i));
		}
	}

	public URI fhirBase() {
		return fhirBase;
	}

	public double startupSeconds() {
		return startupSeconds;
	}

	/** The server's JVM, the root of its process tree (its own PostgreSQL runs under it), for its CPU time. */
	public long pid() {
		return process.pid();
	}

	/**
	 * CPU milliseconds servers have used so far: {@code all} each JVM with its process tree (the PostgreSQL it runs, or
	 * the one the first instance runs for all of them), {@code jvm} the JVMs alone, {@code jit} the JVMs' JIT compiler
	 * threads (part of {@code jvm}: in a run of minutes the JIT is still compiling a framework's thousands of warm
	 * methods, which a server that has run for hours no longer does). The machine's pace moves it less than the rates,
	 * which share the two cores with the load generator, though it still moves it.
	 */
	public record Cpu(long all, long jvm, long jit) {
		public static Cpu of(org.onetrip.bench.ProcessTreeCpu cpu, List<ServerProcess> servers) throws IOException {
			return sum(eachOf(cpu, servers));
		}

		/** Each server's own figures, read once: the sum of them is {@link #of}. */
		public static List<Cpu> eachOf(org.onetrip.bench.ProcessTreeCpu cpu, List<ServerProcess> servers) throws IOException {
			List<Cpu> each = new ArrayList<>();
			for (ServerProcess server : servers) {
				each.add(new Cpu(cpu.millis(server.pid()), cpu.processMillis(server.pid()), cpu.compilerMillis(server.pid())));
			}
			return each;
		}

		public static Cpu sum(List<Cpu> each) {
			return new Cpu(each.stream().mapToLong(Cpu::all).sum(), each.stream().mapToLong(Cpu::jvm).sum(),
					each.stream().mapToLong(Cpu::jit).sum());
		}

		public Cpu minus(Cpu earlier) {
			return new Cpu(all - earlier.all, jvm - earlier.jvm, jit - earlier.jit);
		}
	}

	/** Resident set size of the server process in MiB, from /proc. */
	public long rssMiB() throws IOException {
		for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
			if (line.startsWith("VmRSS:")) {
				return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
			}
		}
		return -1;
	}

	@Override
	public void close() throws InterruptedException {
		process.destroy();
		process.waitFor();
	}
}
