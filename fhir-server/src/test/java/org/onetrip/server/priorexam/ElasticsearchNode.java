package org.onetrip.server.priorexam;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A real Elasticsearch node for the tests: the registry's integ-test distribution (unpacked by Maven into
 * target/elasticsearch), started as the unprivileged user {@code nobody} (Elasticsearch refuses root), single node,
 * security off, loopback only, with its own data, logs and configuration under target/. {@link #close()} stops it.
 */
public final class ElasticsearchNode implements AutoCloseable {

	private static final Path DISTRIBUTION_PARENT = Path.of("target", "elasticsearch").toAbsolutePath();
	private static final String USER = "nobody";

	private final Process process;
	private final int httpPort;
	private final Path home;

	private ElasticsearchNode(Process process, int httpPort, Path home) {
		this.process = process;
		this.httpPort = httpPort;
		this.home = home;
	}

	public static ElasticsearchNode start() throws Exception {
		Path distribution;
		try (Stream<Path> found = Files.list(DISTRIBUTION_PARENT)) {
			distribution = found.filter(p -> p.getFileName().toString().startsWith("elasticsearch-")).findFirst()
					.orElseThrow(() -> new IllegalStateException("no Elasticsearch under " + DISTRIBUTION_PARENT
							+ " (the build unpacks it in generate-test-resources)"));
		}
		Path home = Path.of("target", "es-node-" + UUID.randomUUID().toString().substring(0, 8)).toAbsolutePath();
		for (String dir : List.of("data", "logs", "tmp")) {
			Files.createDirectories(home.resolve(dir));
		}
		run("cp", "-r", distribution.resolve("config").toString(), home.resolve("config").toString());
		run("chown", "-R", USER, home.toString());
		int httpPort = freePort();
		int transportPort = freePort();
		List<String> command = new ArrayList<>(List.of("runuser", "-u", USER, "--", "env",
				"ES_JAVA_HOME=" + System.getProperty("java.home"),
				"ES_PATH_CONF=" + home.resolve("config"),
				"ES_TMPDIR=" + home.resolve("tmp"),
				"ES_JAVA_OPTS=-Xms384m -Xmx384m",
				distribution.resolve("bin/elasticsearch").toString(),
				"-E", "discovery.type=single-node", "-E", "network.host=127.0.0.1",
				"-E", "http.port=" + httpPort, "-E", "transport.port=" + transportPort,
				"-E", "path.data=" + home.resolve("data"), "-E", "path.logs=" + home.resolve("logs"),
				"-E", "xpack.security.enabled=false", "-E", "cluster.routing.allocation.disk.threshold_enabled=false"));
		Process process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(home.resolve("elasticsearch.out").toFile()).start();
		ElasticsearchNode node = new ElasticsearchNode(process, httpPort, home);
		// Elasticsearch runs as another user: a test JVM that dies must not leave it behind.
		Runtime.getRuntime().addShutdownHook(new Thread(node::close, "stop-elasticsearch-" + httpPort));
		node.awaitGreen(Duration.ofSeconds(120));
		return node;
	}

	public String url() {
		return "http://127.0.0.1:" + httpPort;
	}

	public int httpPort() {
		return httpPort;
	}

	private void awaitGreen(Duration timeout) throws Exception {
		HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			if (!process.isAlive()) {
				throw new IllegalStateException("Elasticsearch exited with " + process.exitValue() + "; see " + home.resolve("elasticsearch.out"));
			}
			try {
				HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(url() + "/_cluster/health")).build(),
						HttpResponse.BodyHandlers.ofString());
				if (health.statusCode() == 200 && !health.body().contains("\"red\"")) {
					return;
				}
			} catch (IOException notYet) {
				// still starting
			}
			Thread.sleep(500);
		}
		close();
		throw new IllegalStateException("Elasticsearch not up within " + timeout + "; see " + home.resolve("elasticsearch.out"));
	}

	@Override
	public void close() {
		// runuser waits for its child: stop Elasticsearch itself (the JVM under it), then the wrapper.
		process.descendants().forEach(ProcessHandle::destroy);
		process.destroy();
		try {
			process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
		process.descendants().forEach(ProcessHandle::destroyForcibly);
		process.destroyForcibly();
	}

	static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

	private static void run(String... command) throws Exception {
		Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
		String output = new String(p.getInputStream().readAllBytes());
		if (p.waitFor() != 0) {
			throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
		}
	}
}
