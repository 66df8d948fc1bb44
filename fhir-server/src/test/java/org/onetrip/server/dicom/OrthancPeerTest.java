package org.onetrip.server.dicom;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.onetrip.server.OneTripInstance;

/**
 * Orthanc (Debian's, a real PACS) as hospital A's archive talking to OneTrip over DICOM: it C-STOREs a study to
 * OneTrip, C-FINDs it there, and after deleting its own copy C-MOVEs it back from OneTrip to itself. Orthanc binds
 * every interface, so Orthanc and this OneTrip both run inside a network namespace with only loopback up
 * ({@code unshare -n}); the test drives them from outside with {@code nsenter} and Orthanc's REST API.
 */
class OrthancPeerTest {

	private static final ObjectMapper JSON = new ObjectMapper();
	private static final int ONETRIP_HTTP = 18443;
	private static final int ONETRIP_DICOM = 11112;
	private static final String ORTHANC = "http://127.0.0.1:8042";

	private final List<Process> processes = new ArrayList<>();
	private long namespacePid;

	@AfterEach
	void stop() throws Exception {
		// The servers first, the namespace's placeholder process last.
		for (int i = processes.size() - 1; i >= 0; i--) {
			Process process = processes.get(i);
			process.destroy();
			if (!process.waitFor(30, TimeUnit.SECONDS)) {
				process.destroyForcibly();
			}
		}
	}

	@Test
	void orthancStoresToFindsInAndMovesBackFromOneTrip() throws Exception {
		assertThat(System.getProperty("user.name")).as("unshare -n needs root (CI runs as root)").isEqualTo("root");
		Path work = Files.createTempDirectory(Path.of("target"), "orthanc-peer-").toAbsolutePath();
		Process namespace = new ProcessBuilder("unshare", "-n", "sh", "-c", "ip link set lo up && exec sleep 3600")
				.redirectErrorStream(true).start();
		processes.add(namespace);
		namespacePid = namespace.pid();
		awaitTrue(() -> run("ip", "-o", "link", "show", "lo").contains("UP"), "loopback up in the namespace");

		processes.add(inNamespace(work.resolve("onetrip.log"), OneTripInstance.processCommand(Map.of(
				"server.port", Integer.toString(ONETRIP_HTTP), "onetrip.dicom.port", Integer.toString(ONETRIP_DICOM),
				"onetrip.dicom.destinations.HOSP_A", "127.0.0.1:4242", "onetrip.data-dir", work.resolve("onetrip").toString()))
				.toArray(String[]::new)));
		ObjectNode config = JSON.createObjectNode();
		config.put("Name", "Hospital A PACS");
		config.put("StorageDirectory", work.resolve("orthanc/storage").toString());
		config.put("IndexDirectory", work.resolve("orthanc/index").toString());
		config.put("DicomAet", "HOSP_A");
		config.put("DicomPort", 4242);
		config.put("HttpPort", 8042);
		config.put("RemoteAccessAllowed", false);
		config.put("AuthenticationEnabled", false);
		config.put("DicomAlwaysAllowStore", true);
		config.putArray("Plugins");
		config.putObject("DicomModalities").putArray("onetrip").add("ONETRIP").add("127.0.0.1").add(ONETRIP_DICOM);
		Files.createDirectories(work.resolve("orthanc"));
		Path configFile = work.resolve("orthanc/orthanc.json");
		JSON.writeValue(configFile.toFile(), config);
		processes.add(inNamespace(work.resolve("orthanc.log"), "env", "TCP_NODELAY=1", "Orthanc", configFile.toString()));
		awaitTrue(() -> run("curl", "-sf", ORTHANC + "/system").contains("DicomAet"), "Orthanc answering");
		awaitTrue(() -> run("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
				"http://127.0.0.1:" + ONETRIP_HTTP + "/actuator/health/readiness").equals("200"), "OneTrip ready");

		// Hospital A's PACS holds a study ...
		String mrn = "ORTH-" + System.nanoTime() % 1_000_000;
		TestInstances.Study study = TestInstances.Study.ct(mrn);
		List<Path> files = TestInstances.study(study, 1, 3);
		String orthancStudy = null;
		for (Path file : files) {
			JsonNode uploaded = JSON.readTree(run("curl", "-sf", "-X", "POST", ORTHANC + "/instances", "--data-binary", "@" + file));
			orthancStudy = uploaded.path("ParentStudy").asText();
		}

		// ... and sends it to OneTrip (C-STORE, Orthanc as SCU).
		JsonNode sent = JSON.readTree(run("curl", "-sf", "-X", "POST", ORTHANC + "/modalities/onetrip/store",
				"-d", "{\"Resources\": [\"" + orthancStudy + "\"], \"Synchronous\": true}"));
		assertThat(sent.path("FailedInstancesCount").asInt(-1)).as(sent.toString()).isZero();
		JsonNode atOneTrip = JSON.readTree(run("curl", "-sf", "-H", "X-OneTrip-Hospital: hospital-a",
				"-H", "Authorization: Bearer " + org.onetrip.server.TestTokens.region(),
				"http://127.0.0.1:" + ONETRIP_HTTP + "/dicomweb/studies?PatientID=" + mrn));
		assertThat(atOneTrip).hasSize(1);
		assertThat(atOneTrip.get(0).path("00201208").path("Value").path(0).asInt()).isEqualTo(3);

		// Orthanc asks OneTrip what it has for the patient (C-FIND, Study Root).
		JsonNode query = JSON.readTree(run("curl", "-sf", "-X", "POST", ORTHANC + "/modalities/onetrip/query",
				"-d", "{\"Level\": \"Study\", \"Query\": {\"PatientID\": \"" + mrn + "\", \"StudyInstanceUID\": \"\","
						+ " \"ModalitiesInStudy\": \"\"}}"));
		JsonNode answers = JSON.readTree(run("curl", "-sf", ORTHANC + "/queries/" + query.path("ID").asText()
				+ "/answers?expand&simplify"));
		assertThat(answers).hasSize(1);
		assertThat(answers.get(0).path("StudyInstanceUID").asText()).isEqualTo(study.studyUid());

		// Orthanc loses its copy and gets it back from OneTrip (C-MOVE to itself, a region AE with an address).
		run("curl", "-sf", "-X", "DELETE", ORTHANC + "/studies/" + orthancStudy);
		assertThat(JSON.readTree(run("curl", "-sf", ORTHANC + "/studies"))).isEmpty();
		JsonNode moved = JSON.readTree(run("curl", "-sf", "-X", "POST", ORTHANC + "/modalities/onetrip/move",
				"-d", "{\"Level\": \"Study\", \"Resources\": [{\"StudyInstanceUID\": \"" + study.studyUid() + "\"}],"
						+ " \"TargetAet\": \"HOSP_A\", \"Synchronous\": true}"));
		assertThat(moved.isObject()).as(moved.toString()).isTrue();
		JsonNode back = JSON.readTree(run("curl", "-sf", ORTHANC + "/studies/" + orthancStudy + "/instances"));
		assertThat(back).as("the study is back in Orthanc").hasSize(3);
	}

	/** A long-running process inside the namespace. */
	private Process inNamespace(Path log, String... command) throws IOException {
		List<String> full = new ArrayList<>(List.of("nsenter", "-t", Long.toString(namespacePid), "-n"));
		full.addAll(List.of(command));
		return new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
				.start();
	}

	/** A short command inside the namespace; its output. */
	private String run(String... command) throws IOException, InterruptedException {
		List<String> full = new ArrayList<>(List.of("nsenter", "-t", Long.toString(namespacePid), "-n"));
		full.addAll(List.of(command));
		Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		if (!process.waitFor(120, TimeUnit.SECONDS)) {
			process.destroyForcibly();
			throw new IOException("timed out: " + full);
		}
		return output.trim();
	}

	interface Check {
		boolean ok() throws Exception;
	}

	private static void awaitTrue(Check check, String what) throws Exception {
		Instant deadline = Instant.now().plusSeconds(240);
		while (Instant.now().isBefore(deadline)) {
			if (check.ok()) {
				return;
			}
			Thread.sleep(250);
		}
		throw new AssertionError("timed out waiting for " + what);
	}
}
