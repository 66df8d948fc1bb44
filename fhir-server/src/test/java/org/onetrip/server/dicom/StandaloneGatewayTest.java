package org.onetrip.server.dicom;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.TagFromName;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.onetrip.server.ServerTest;

/**
 * The gateway as its own process-like unit next to a PACS, pointed at the running server's FHIR base URL: what a
 * hospital sends it becomes the region's Patients and ImagingStudies over FHIR REST, and its C-FIND answers
 * regionally, by the person, like the in-process gateway's; given the same TLS settings, it speaks TLS only and keeps
 * a record of every association.
 */
class StandaloneGatewayTest extends ServerTest {

	@Test
	void aStudySentToAStandaloneGatewayReachesTheRegionOverFhirAndIsFoundByThePerson() throws Exception {
		Path data = Files.createTempDirectory(Path.of("target"), "standalone-gateway-").toAbsolutePath();
		try (StandaloneGateway gateway = StandaloneGateway.start(settings(data, Map.of()))) {
			String mrnA = unique("SA");
			String mrnB = unique("SB");
			String personId = TestInstances.personAtHospitalsAAndB(fhir, mrnA, mrnB, "Standalone");
			TestInstances.Study study = TestInstances.Study.ct(mrnB);
			List<Path> files = TestInstances.study(study, 1, 2);

			String stored = run(files.get(0).getParent(), concat(List.of("storescu", "-aet", "HOSP_B", "-aec", "ONETRIP",
					"127.0.0.1", Integer.toString(gateway.port())), files));
			assertThat(stored).doesNotContain("E:");

			ImagingStudy imagingStudy = TestInstances.awaitImagingStudy(fhir, study.studyUid(), 2);
			assertThat(imagingStudy.getSubject().getReference()).as("hospital B's MRN names the person's Patient")
					.isEqualTo("Patient/" + personId);
			assertThat(imagingStudy.getProcedureCode()).as("typed with the exam catalogue").isNotEmpty();
			assertThat(imagingStudy.hasEndpoint()).as("images stay at the gateway: no DICOMweb link").isFalse();

			Path out = Files.createTempDirectory("standalone-find");
			run(out, List.of("findscu", "-S", "-aet", "HOSP_A", "-aec", "ONETRIP", "-X", "-od", out.toString(),
					"-k", "QueryRetrieveLevel=STUDY", "-k", "PatientID=" + mrnA, "-k", "StudyInstanceUID",
					"127.0.0.1", Integer.toString(gateway.port())));
			List<String> found = new ArrayList<>();
			try (Stream<Path> responses = Files.list(out)) {
				for (Path response : responses.toList()) {
					AttributeList list = new AttributeList();
					list.read(response.toFile());
					found.add(Attribute.getSingleStringValueOrEmptyString(list, TagFromName.StudyInstanceUID).trim());
				}
			}
			assertThat(found).as("hospital A finds it under its own MRN").containsExactly(study.studyUid());
		}
	}

	@Test
	void aStandaloneGatewayGivenAKeyStoreSpeaksTlsOnlyAndRecordsEveryAssociation() throws Exception {
		Path data = Files.createTempDirectory(Path.of("target"), "standalone-tls-").toAbsolutePath();
		Path keyStore = data.resolve("gateway.p12");
		Path certificate = data.resolve("gateway.pem");
		run(data, List.of("keytool", "-genkeypair", "-alias", "gateway", "-keyalg", "RSA", "-keysize", "2048",
				"-dname", "CN=localhost", "-validity", "2", "-storetype", "PKCS12", "-keystore", keyStore.toString(),
				"-storepass", "gateway-secret", "-keypass", "gateway-secret"));
		run(data, List.of("keytool", "-exportcert", "-rfc", "-alias", "gateway", "-keystore", keyStore.toString(),
				"-storepass", "gateway-secret", "-file", certificate.toString()));

		try (StandaloneGateway gateway = StandaloneGateway.start(settings(data,
				Map.of("tls.key-store", keyStore.toString(), "tls.key-store-password", "gateway-secret")))) {
			String port = Integer.toString(gateway.port());
			assertThat(exitOf(data, List.of("echoscu", "-aet", "HOSP_A", "-aec", "ONETRIP", "127.0.0.1", port)))
					.as("plain TCP to a TLS port").isNotZero();
			assertThat(exitOf(data, List.of("echoscu", "+tla", "+cf", certificate.toString(), "-aet", "HOSP_A", "-aec",
					"ONETRIP", "127.0.0.1", port))).as("over TLS, from a region AE title").isZero();
			assertThat(exitOf(data, List.of("echoscu", "+tla", "+cf", certificate.toString(), "-aet", "NOT_IN_REGION",
					"-aec", "ONETRIP", "127.0.0.1", port))).as("over TLS, from a stranger").isNotZero();
		}

		// Read once the gateway is closed: an association is recorded when it is over, after the caller has its answer.
		Map<String, JsonNode> byCaller = new HashMap<>();
		for (String line : Files.readAllLines(StandaloneGateway.associationAuditFile(data))) {
			JsonNode record = new ObjectMapper().readTree(line);
			assertThat(record.path("kind").asText()).isEqualTo("dicom-association");
			byCaller.put(record.path("agentSubject").asText(), record);
		}
		assertThat(byCaller.keySet()).containsExactlyInAnyOrder("unknown AE", "HOSP_A", "NOT_IN_REGION");
		assertThat(byCaller.get("unknown AE").path("failure").asText()).as("the plain TCP caller's failed handshake")
				.contains("SSL");
		assertThat(byCaller.get("HOSP_A").path("agentHospital").asText()).isEqualTo("hospital-a");
		assertThat(byCaller.get("HOSP_A").path("subtype").asText()).isEqualTo("{C-ECHO=1}");
		assertThat(byCaller.get("NOT_IN_REGION").path("failure").asText())
				.isEqualTo("association rejected: CALLING_AE_NOT_RECOGNIZED");
	}

	/** The gateway on a free port of loopback, pointed at the test server, with these onetrip.dicom settings. */
	private StandaloneGateway.Settings settings(Path data, Map<String, String> dicom) throws Exception {
		Map<String, String> given = new HashMap<>(dicom);
		given.put("port", "0");
		return new StandaloneGateway.Settings("http://127.0.0.1:" + port + "/fhir", data, Path.of("../config/region.yaml"),
				Path.of("../config/exams"), GatewaySettings.read(given::get, Map.of()), org.onetrip.server.TestTokens.region());
	}

	private static List<String> concat(List<String> command, List<Path> files) {
		List<String> all = new ArrayList<>(command);
		files.forEach(f -> all.add(f.toString()));
		return all;
	}

	private static String run(Path dir, List<String> command) throws Exception {
		Process process = started(dir, command);
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
		assertThat(process.exitValue()).as(output).isZero();
		return output;
	}

	private static int exitOf(Path dir, List<String> command) throws Exception {
		Process process = started(dir, command);
		process.getInputStream().readAllBytes();
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
		return process.exitValue();
	}

	private static Process started(Path dir, List<String> command) throws Exception {
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).directory(dir.toFile());
		builder.environment().put("TCP_NODELAY", "1");
		return builder.start();
	}
}
