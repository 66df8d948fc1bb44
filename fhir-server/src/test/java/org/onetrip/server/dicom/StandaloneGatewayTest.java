package org.onetrip.server.dicom;

import static org.assertj.core.api.Assertions.assertThat;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.TagFromName;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
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
 * regionally, by the person, like the in-process gateway's.
 */
class StandaloneGatewayTest extends ServerTest {

	@Test
	void aStudySentToAStandaloneGatewayReachesTheRegionOverFhirAndIsFoundByThePerson() throws Exception {
		Path data = Files.createTempDirectory(Path.of("target"), "standalone-gateway-").toAbsolutePath();
		StandaloneGateway.Settings settings = new StandaloneGateway.Settings("http://127.0.0.1:" + port + "/fhir", data,
				Path.of("../config/region.yaml"), Path.of("../config/exams"), "ONETRIP", InetAddress.getLoopbackAddress(), 0,
				Map.of(), ZoneId.systemDefault(), org.onetrip.server.TestTokens.region());
		try (StandaloneGateway gateway = StandaloneGateway.start(settings)) {
			String mrnA = unique("SA");
			String mrnB = unique("SB");
			String personId = TestInstances.personAtHospitalsAAndB(fhir, mrnA, mrnB, "Standalone");
			TestInstances.Study study = TestInstances.Study.ct(mrnB);
			List<Path> files = TestInstances.study(study, 1, 2);

			String stored = dcmtk(files.get(0).getParent(), concat(List.of("storescu", "-aet", "HOSP_B", "-aec", "ONETRIP",
					"127.0.0.1", Integer.toString(gateway.port())), files));
			assertThat(stored).doesNotContain("E:");

			ImagingStudy imagingStudy = TestInstances.awaitImagingStudy(fhir, study.studyUid(), 2);
			assertThat(imagingStudy.getSubject().getReference()).as("hospital B's MRN names the person's Patient")
					.isEqualTo("Patient/" + personId);
			assertThat(imagingStudy.getProcedureCode()).as("typed with the exam catalogue").isNotEmpty();
			assertThat(imagingStudy.hasEndpoint()).as("images stay at the gateway: no DICOMweb link").isFalse();

			Path out = Files.createTempDirectory("standalone-find");
			dcmtk(out, List.of("findscu", "-S", "-aet", "HOSP_A", "-aec", "ONETRIP", "-X", "-od", out.toString(),
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

	private static List<String> concat(List<String> command, List<Path> files) {
		List<String> all = new ArrayList<>(command);
		files.forEach(f -> all.add(f.toString()));
		return all;
	}

	private static String dcmtk(Path dir, List<String> command) throws Exception {
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).directory(dir.toFile());
		builder.environment().put("TCP_NODELAY", "1");
		Process process = builder.start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
		assertThat(process.exitValue()).as(output).isZero();
		return output;
	}
}
