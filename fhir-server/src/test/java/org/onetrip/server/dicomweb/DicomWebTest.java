package org.onetrip.server.dicomweb;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.TagFromName;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.Endpoint;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.onetrip.server.ServerTest;
import org.onetrip.server.dicom.TestInstances;

/** DICOMweb over real HTTP: STOW-RS in, QIDO-RS and WADO-RS out, the regional person behind a PatientID, bad input. */
class DicomWebTest extends ServerTest {

	private static final ObjectMapper JSON = new ObjectMapper();
	private final HttpClient http = HttpClient.newHttpClient();

	private String dicomweb() {
		return "http://127.0.0.1:" + port + "/dicomweb";
	}

	private HttpResponse<byte[]> stow(String hospital, String contentType, byte[] body) throws Exception {
		HttpRequest.Builder request = authorised(HttpRequest.newBuilder(URI.create(dicomweb() + "/studies")))
				.header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body));
		if (hospital != null) {
			request.header(DicomWebController.HOSPITAL_HEADER, hospital);
		}
		return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
	}

	private static byte[] multipart(String boundary, List<byte[]> parts) throws Exception {
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		for (byte[] part : parts) {
			body.write(("--" + boundary + "\r\nContent-Type: application/dicom\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
			body.write(part);
			body.write("\r\n".getBytes(StandardCharsets.US_ASCII));
		}
		body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
		return body.toByteArray();
	}

	private static String multipartType(String boundary) {
		return "multipart/related; type=\"application/dicom\"; boundary=" + boundary;
	}

	private JsonNode getJson(String path, String hospital) throws Exception {
		HttpRequest.Builder request = authorised(HttpRequest.newBuilder(URI.create(dicomweb() + path))).header("Accept", "application/dicom+json");
		if (hospital != null) {
			request.header(DicomWebController.HOSPITAL_HEADER, hospital);
		}
		HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return JSON.readTree(response.body());
	}

	private static String first(JsonNode dataSet, String tag) {
		JsonNode value = dataSet.path(tag).path("Value").path(0);
		return value.isObject() ? value.path("Alphabetic").asText() : value.asText();
	}

	@Test
	void aStudyStoredWithStowIsFoundWithQidoAndRetrievedWithWadoAcrossHospitals() throws Exception {
		String mrnA = unique("WA");
		String mrnB = unique("WB");
		TestInstances.personAtHospitalsAAndB(fhir, mrnA, mrnB, "Web");
		TestInstances.Study study = TestInstances.Study.ct(mrnB);
		List<Path> files = TestInstances.study(study, 1, 3);
		List<byte[]> parts = new ArrayList<>();
		for (Path file : files) {
			parts.add(Files.readAllBytes(file));
		}
		String boundary = "b-" + UUID.randomUUID();

		HttpResponse<byte[]> stored = stow("hospital-b", multipartType(boundary), multipart(boundary, parts));

		assertThat(stored.statusCode()).as(new String(stored.body(), StandardCharsets.UTF_8)).isEqualTo(200);
		JsonNode stowAnswer = JSON.readTree(stored.body());
		assertThat(stowAnswer.path("00081199").path("Value")).hasSize(3);

		// QIDO: hospital B by its own MRN; hospital A by its MRN for the same person; no caller = the stored value.
		JsonNode byB = getJson("/studies?PatientID=" + mrnB + "&includefield=all", "hospital-b");
		assertThat(byB).hasSize(1);
		assertThat(first(byB.get(0), "0020000D")).isEqualTo(study.studyUid());
		assertThat(first(byB.get(0), "00080061")).isEqualTo("CT");
		assertThat(byB.get(0).path("00201208").path("Value").path(0).asInt()).isEqualTo(3);
		assertThat(first(byB.get(0), "00081190")).endsWith("/dicomweb/studies/" + study.studyUid());
		JsonNode byA = getJson("/studies?00100020=" + mrnA, "hospital-a");
		assertThat(byA).hasSize(1);
		assertThat(first(byA.get(0), "00100020")).as("answered under A's PatientID").isEqualTo(mrnA);
		assertThat(getJson("/studies?PatientID=" + mrnA, "clinic-c")).isEmpty();
		assertThat(getJson("/studies/" + study.studyUid() + "/series", null)).hasSize(1);
		assertThat(getJson("/studies/" + study.studyUid() + "/instances?limit=2", null)).hasSize(2);
		assertThat(getJson("/studies/" + study.studyUid() + "/instances?limit=2&offset=2", null)).hasSize(1);

		// WADO-RS: the study as multipart/related application/dicom, the files as they were sent.
		HttpResponse<byte[]> retrieved = http.send(authorised(HttpRequest.newBuilder(URI.create(dicomweb() + "/studies/" + study.studyUid())))
				.header("Accept", "multipart/related; type=\"application/dicom\"; transfer-syntax=*").build(),
				HttpResponse.BodyHandlers.ofByteArray());
		assertThat(retrieved.statusCode()).isEqualTo(200);
		String type = retrieved.headers().firstValue("Content-Type").orElseThrow();
		assertThat(type).startsWith("multipart/related");
		MultipartRelated reader = new MultipartRelated(new ByteArrayInputStream(retrieved.body()),
				MultipartRelated.parameter(type, "boundary"));
		List<String> sopUids = new ArrayList<>();
		boolean more = reader.start();
		while (more) {
			assertThat(reader.headers().get("content-type")).startsWith("application/dicom");
			ByteArrayOutputStream part = new ByteArrayOutputStream();
			more = reader.body(part);
			Path file = Files.createTempFile("wado", ".dcm");
			Files.write(file, part.toByteArray());
			AttributeList list = new AttributeList();
			list.read(file.toFile());
			sopUids.add(Attribute.getSingleStringValueOrEmptyString(list, TagFromName.SOPInstanceUID));
			assertThat(list.get(TagFromName.PixelData)).isNotNull();
		}
		assertThat(sopUids).containsExactlyInAnyOrderElementsOf(TestInstances.sopInstanceUids(files));

		JsonNode metadata = getJson("/studies/" + study.studyUid() + "/metadata", null);
		assertThat(metadata).hasSize(3);
		assertThat(first(metadata.get(0), "00100010")).isEqualTo("TEST^PATIENT");
		assertThat(metadata.get(0).has("7FE00010")).as("no bulk data in metadata").isFalse();
		assertThat(first(metadata.get(0), "00083002")).as("the stored syntax, for viewers").isEqualTo("1.2.840.10008.1.2.1");

		// The ImagingStudy points at the DICOMweb Endpoint.
		ImagingStudy imagingStudy = TestInstances.awaitImagingStudy(fhir, study.studyUid(), 3);
		assertThat(imagingStudy.getEndpointFirstRep().getReference()).isEqualTo("Endpoint/onetrip-dicomweb");
		assertThat(fhir.get("Endpoint/onetrip-dicomweb").as(Endpoint.class).getAddress()).endsWith("/dicomweb");
	}

	@Test
	void badStowInputIsRefusedWithAReasonAndStoresNothing() throws Exception {
		String boundary = "b-" + UUID.randomUUID();
		byte[] garbage = "this is not DICOM at all, just text pretending".getBytes(StandardCharsets.US_ASCII);

		HttpResponse<byte[]> allBad = stow("hospital-b", multipartType(boundary), multipart(boundary, List.of(garbage)));
		assertThat(allBad.statusCode()).isEqualTo(409);
		JsonNode failure = JSON.readTree(allBad.body()).path("00081198").path("Value").path(0);
		assertThat(failure.path("00081197").path("Value").path(0).asInt()).isEqualTo(0xC000);

		TestInstances.Study study = TestInstances.Study.ct(unique("WX"));
		List<Path> files = TestInstances.study(study, 1, 1);
		HttpResponse<byte[]> mixed = stow("hospital-b", multipartType(boundary),
				multipart(boundary, List.of(Files.readAllBytes(files.get(0)), garbage)));
		assertThat(mixed.statusCode()).as("one stored, one refused").isEqualTo(202);

		TestInstances.Study other = TestInstances.Study.ct(unique("WT"));
		byte[] truncatedOther = java.util.Arrays.copyOf(Files.readAllBytes(TestInstances.study(other, 1, 1).get(0)), 700);
		assertThat(stow("hospital-b", multipartType(boundary), multipart(boundary, List.of(truncatedOther))).statusCode())
				.isEqualTo(409);
		assertThat(getJson("/studies?StudyInstanceUID=" + other.studyUid(), null)).as("nothing half-stored").isEmpty();

		assertThat(stow("hospital-b", "application/dicom", garbage).statusCode()).isEqualTo(415);
		assertThat(stow(null, multipartType(boundary), multipart(boundary, List.of(garbage))).statusCode()).isEqualTo(400);
		assertThat(stow("hospital-z", multipartType(boundary), multipart(boundary, List.of(garbage))).statusCode()).isEqualTo(400);
		assertThat(stow("hospital-b", multipartType(boundary), "no parts here".getBytes(StandardCharsets.US_ASCII))
				.statusCode()).isEqualTo(400);

		HttpResponse<String> unknownKey = http.send(authorised(HttpRequest.newBuilder(URI.create(dicomweb() + "/studies?PatientAge=040Y")))
				.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(unknownKey.statusCode()).isEqualTo(400);
		assertThat(unknownKey.body()).contains("PatientAge");
		HttpResponse<String> missing = http.send(authorised(HttpRequest.newBuilder(URI.create(dicomweb() + "/studies/2.25.1")))
				.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(missing.statusCode()).isEqualTo(404);
		HttpResponse<String> notAUid = http.send(authorised(HttpRequest.newBuilder(URI.create(dicomweb() + "/studies/..%2F..%2Fetc/metadata")))
				.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(notAUid.statusCode()).isIn(400, 404);
	}

	/** DICOMweb requests carry a bearer token like FHIR ones (the region's service; the hospital in the header). */
	private static HttpRequest.Builder authorised(HttpRequest.Builder request) {
		return request.header("Authorization", "Bearer " + org.onetrip.server.TestTokens.region());
	}
}
