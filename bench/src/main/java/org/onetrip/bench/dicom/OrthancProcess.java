package org.onetrip.bench.dicom;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Debian's Orthanc as the peer PACS, with its own configuration and empty storage. Orthanc binds every interface,
 * so the benchmark runs inside a network namespace with only loopback up ({@code ./onetrip bench dicom} does that).
 */
final class OrthancProcess implements AutoCloseable {

	static final String AE_TITLE = "ORTHANC";
	private static final ObjectMapper JSON = new ObjectMapper();

	private final Process process;
	private final int dicomPort;
	private final URI http;
	private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

	private OrthancProcess(Process process, int dicomPort, URI http) {
		this.process = process;
		this.dicomPort = dicomPort;
		this.http = http;
	}

	static OrthancProcess start(Path directory, int dicomPort, int httpPort, String callingAeTitle, Path log)
			throws IOException, InterruptedException {
		Files.createDirectories(directory);
		ObjectNode config = JSON.createObjectNode();
		config.put("Name", "OneTrip benchmark peer");
		config.put("StorageDirectory", directory.resolve("storage").toString());
		config.put("IndexDirectory", directory.resolve("index").toString());
		config.put("DicomAet", AE_TITLE);
		config.put("DicomPort", dicomPort);
		config.put("HttpPort", httpPort);
		config.put("RemoteAccessAllowed", false);
		config.put("AuthenticationEnabled", false);
		config.put("DicomCheckCalledAet", false);
		config.put("DicomAlwaysAllowStore", true);
		config.put("DicomAlwaysAllowFind", true);
		// As many association threads as the benchmark opens, so Orthanc is not throttled by its default of 4.
		config.put("DicomThreadsCount", 8);
		config.put("SaveJobs", false);
		config.putArray("Plugins");
		config.putObject("DicomModalities").putArray("bench").add(callingAeTitle).add("127.0.0.1").add(104);
		Path file = directory.resolve("orthanc.json");
		JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), config);
		ProcessBuilder builder = new ProcessBuilder("Orthanc", file.toString()).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
		// Orthanc's DICOM layer is dcmtk, which leaves Nagle's algorithm on unless told: give the peer its best.
		builder.environment().put("TCP_NODELAY", "1");
		Process process = builder.start();
		OrthancProcess orthanc = new OrthancProcess(process, dicomPort, URI.create("http://127.0.0.1:" + httpPort));
		long deadline = System.nanoTime() + 60_000_000_000L;
		while (true) {
			if (!process.isAlive()) {
				throw new IOException("Orthanc exited with " + process.exitValue() + "; see " + log);
			}
			try {
				orthanc.get("/system");
				return orthanc;
			} catch (IOException notYet) {
				if (System.nanoTime() > deadline) {
					process.destroyForcibly();
					throw new IOException("Orthanc not answering after 60 s; see " + log);
				}
				Thread.sleep(100);
			}
		}
	}

	int dicomPort() {
		return dicomPort;
	}

	/** The root of Orthanc's process tree, for its CPU time. */
	long pid() {
		return process.pid();
	}

	long instanceCount() throws IOException, InterruptedException {
		return get("/statistics").path("CountInstances").asLong();
	}

	private JsonNode get(String path) throws IOException, InterruptedException {
		HttpResponse<String> response = client.send(HttpRequest.newBuilder(http.resolve(path)).GET().build(),
				HttpResponse.BodyHandlers.ofString());
		if (response.statusCode() != 200) {
			throw new IOException("Orthanc " + path + " answered " + response.statusCode());
		}
		return JSON.readTree(response.body());
	}

	@Override
	public void close() throws InterruptedException {
		process.destroy();
		process.waitFor();
	}
}
