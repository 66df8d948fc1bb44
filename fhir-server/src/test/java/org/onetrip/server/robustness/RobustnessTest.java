package org.onetrip.server.robustness;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import com.pixelmed.dicom.SOPClass;
import org.junit.jupiter.api.Test;
import org.onetrip.dicom.DimseListener;
import org.onetrip.dicom.store.ImagingIndex;
import org.onetrip.server.ServerTest;
import org.onetrip.server.TestTokens;
import org.onetrip.server.dicom.RawStoreClient;
import org.onetrip.server.dicom.TestInstances;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Malformed input at every door: FHIR JSON and XML, transactions, CDS Hooks, DICOMweb multipart, DICOM PDUs and
 * DICOM data sets. Every case must get a clear refusal (a 4xx with an OperationOutcome, a DICOM failure status, or
 * a closed association), store nothing, and leave the server serving the next request. The number of cases tried
 * is printed (and kept in target/robustness-cases.txt).
 */
class RobustnessTest extends ServerTest {

	private static final AtomicInteger CASES = new AtomicInteger();
	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
	private final Random random = new Random(20261201);

	@Autowired
	DimseListener listener;

	@Autowired
	ImagingIndex index;

	@Test
	void fhirJsonThatIsTruncatedMistypedDeepOrHugeIsRefusedAndNothingIsStored() throws Exception {
		String marker = unique("Robust");
		String valid = "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"" + marker + "\",\"given\":[\"Ada\"]}],"
				+ "\"birthDate\":\"1970-01-01\",\"gender\":\"female\",\"active\":true}";
		List<String> bodies = new ArrayList<>();
		for (int cut = 1; cut < valid.length() - 1; cut += 6) {
			bodies.add(valid.substring(0, cut));
		}
		String[][] wrongTypes = {
				{"\"birthDate\":\"1970-01-01\"", "\"birthDate\":19700101"},
				{"\"birthDate\":\"1970-01-01\"", "\"birthDate\":\"1970-13-45\""},
				{"\"active\":true", "\"active\":\"yes\""},
				{"\"gender\":\"female\"", "\"gender\":1"},
				{"\"gender\":\"female\"", "\"gender\":\"purple\""},
				{"\"name\":[{", "\"name\":{\"x\":[{"},
				{"\"given\":[\"Ada\"]", "\"given\":[{\"a\":1}]"},
				{"\"resourceType\":\"Patient\"", "\"resourceType\":\"Patientx\""},
				{"\"resourceType\":\"Patient\",", ""},
				{"\"active\":true", "\"active\":true,\"multipleBirthInteger\":1e400"},
				{"\"active\":true", "\"active\":true,\"unknownElement\":\"" + "x".repeat(2_000_000) + "\""},
		};
		for (String[] change : wrongTypes) {
			bodies.add(valid.replace(change[0], change[1]));
		}
		bodies.add("");
		bodies.add("null");
		bodies.add("[]");
		bodies.add("[" + valid + "]");
		bodies.add("\u00ef\u00bb\u00bf{garbage");
		bodies.add(valid.replace("\"Ada\"", "\"A\u0000da\""));
		StringBuilder deep = new StringBuilder("{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"" + marker + "\"}],\"extension\":");
		int depth = 5000;
		for (int i = 0; i < depth; i++) {
			deep.append("[{\"url\":\"urn:x\",\"extension\":");
		}
		deep.append("[]");
		for (int i = 0; i < depth; i++) {
			deep.append("}]");
		}
		bodies.add(deep.append("}").toString());
		bodies.add("{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"" + marker + "\",\"given\":[" + "[".repeat(3000) + "]".repeat(3000) + "]}]}");

		for (String body : bodies) {
			expectRefusal(post("/fhir/Patient", body.getBytes(StandardCharsets.UTF_8), "application/fhir+json"), "JSON " + shorten(body));
		}
		String pathInId = valid.replace("\"active\":true", "\"active\":true,\"id\":\"../../etc/passwd\"");
		expectRefusal(put("/fhir/Patient/" + marker, pathInId.getBytes(StandardCharsets.UTF_8), "application/fhir+json"), "PUT id ../../etc/passwd");
		// Tomcat refuses an encoded slash in the path itself, before OneTrip sees it (its own HTML 400 page).
		assertThat(put("/fhir/Patient/..%2F..%2Fetc%2Fpasswd", valid.getBytes(StandardCharsets.UTF_8), "application/fhir+json").statusCode())
				.isEqualTo(400);
		CASES.incrementAndGet();
		byte[] invalidUtf8 = valid.replace("Ada", "A\u0001da").getBytes(StandardCharsets.UTF_8);
		invalidUtf8[invalidUtf8.length / 2] = (byte) 0xC3;
		invalidUtf8[invalidUtf8.length / 2 + 1] = (byte) 0x28;
		expectRefusal(post("/fhir/Patient", invalidUtf8, "application/fhir+json"), "invalid UTF-8");
		byte[] huge = ("{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"" + "y".repeat(21 * 1024 * 1024) + "\"}]}")
				.getBytes(StandardCharsets.UTF_8);
		HttpResponse<String> tooLarge = post("/fhir/Patient", huge, "application/fhir+json");
		expectRefusal(tooLarge, "21 MB body");
		assertThat(tooLarge.statusCode()).isEqualTo(413);

		assertNothingStored(marker);
		assertStillServing();
	}

	@Test
	void fhirXmlThatIsTruncatedOrCarriesEntitiesIsRefusedAndLeaksNothing() throws Exception {
		String marker = unique("RobustXml");
		String valid = "<Patient xmlns=\"http://hl7.org/fhir\"><name><family value=\"" + marker + "\"/></name>"
				+ "<birthDate value=\"1970-01-01\"/></Patient>";
		List<String> bodies = new ArrayList<>();
		for (int cut = 1; cut < valid.length() - 1; cut += 9) {
			bodies.add(valid.substring(0, cut));
		}
		bodies.add("<?xml version=\"1.0\"?><!DOCTYPE p [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
				+ "<Patient xmlns=\"http://hl7.org/fhir\"><name><family value=\"&xxe;\"/></name></Patient>");
		bodies.add("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
				+ "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\"><!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">]>"
				+ "<Patient xmlns=\"http://hl7.org/fhir\"><name><family value=\"&lol4;\"/></name></Patient>");
		bodies.add(valid.replace("http://hl7.org/fhir", "http://example.org/not-fhir"));
		bodies.add(valid.replace("<birthDate value=\"1970-01-01\"/>", "<birthDate value=\"yesterday\"/>"));
		bodies.add(valid.replace("<birthDate", "<unknownElement value=\"1\"/><birthDate"));
		bodies.add("<Patient xmlns=\"http://hl7.org/fhir\">" + "<extension url=\"urn:x\">".repeat(3000) + "</extension>".repeat(3000) + "</Patient>");
		bodies.add("not xml at all");
		for (String body : bodies) {
			HttpResponse<String> answer = post("/fhir/Patient", body.getBytes(StandardCharsets.UTF_8), "application/fhir+xml");
			expectRefusal(answer, "XML " + shorten(body));
			assertThat(answer.body()).as("no file contents leak").doesNotContain("root:");
		}
		assertNothingStored(marker);
		assertStillServing();
	}

	@Test
	void aTransactionWithOneBadEntryStoresNoneOfItsEntries() throws Exception {
		String marker = unique("RobustTx");
		String good = "{\"resource\":{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"" + marker + "\"}]},"
				+ "\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}}";
		String[] bad = {
				"{\"resource\":{\"resourceType\":\"Observation\",\"code\":{\"text\":\"x\"}},\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}",
				"{\"resource\":{\"resourceType\":\"Patient\",\"birthDate\":\"soon\"},\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}}",
				"{\"resource\":{\"resourceType\":\"Patient\"},\"request\":{\"method\":\"FETCH\",\"url\":\"Patient\"}}",
				"{\"resource\":{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},"
						+ "\"subject\":{\"reference\":\"Patient/does-not-exist-" + marker + "\"}},\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}",
				"{\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}}",
		};
		for (String entry : bad) {
			String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[" + good + "," + entry + "," + good + "]}";
			expectRefusal(post("/fhir", bundle.getBytes(StandardCharsets.UTF_8), "application/fhir+json"), "transaction " + shorten(entry));
		}
		assertNothingStored(marker);
	}

	@Test
	void cdsHooksRequestsThatAreMalformedGet400() throws Exception {
		String valid = "{\"hook\":\"order-select\",\"hookInstance\":\"d1577c69-dfbe-44ad-ba6d-3e05e953b2ea\",\"context\":{\"userId\":"
				+ "\"PractitionerRole/hospital-a-zhang-min-role\",\"patientId\":\"p1\",\"selections\":[\"ServiceRequest/o1\"],"
				+ "\"draftOrders\":{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[]}}}";
		List<String> bodies = new ArrayList<>();
		for (int cut = 1; cut < valid.length() - 1; cut += 15) {
			bodies.add(valid.substring(0, cut));
		}
		bodies.add(valid.replace("\"context\":{", "\"context\":\"x\",\"c\":{"));
		bodies.add(valid.replace("\"hook\":\"order-select\"", "\"hook\":42"));
		bodies.add(valid.replace("\"hook\":\"order-select\",", ""));
		bodies.add(valid.replace("\"resourceType\":\"Bundle\"", "\"resourceType\":\"Patient\""));
		bodies.add(valid.replace("\"entry\":[]", "\"entry\":{}"));
		bodies.add("[" + "[".repeat(5000) + "]".repeat(5000) + "]");
		bodies.add("{\"hook\":\"order-select\",\"x\":\"" + "z".repeat(3_000_000) + "\"}");
		bodies.add("");
		for (String body : bodies) {
			HttpResponse<String> answer = post("/cds-services/onetrip-duplicate-exam-select", body.getBytes(StandardCharsets.UTF_8),
					"application/json");
			expectRefusal(answer, "CDS " + shorten(body));
		}
		assertStillServing();
	}

	@Test
	void dicomWebMultipartThatIsBrokenStoresNothing() throws Exception {
		long before = index.instanceCount();
		byte[] preambleAndGarbage = new byte[132 + 400];
		preambleAndGarbage[128] = 'D';
		preambleAndGarbage[129] = 'I';
		preambleAndGarbage[130] = 'C';
		preambleAndGarbage[131] = 'M';
		for (int i = 132; i < preambleAndGarbage.length; i++) {
			preambleAndGarbage[i] = (byte) random.nextInt(256);
		}
		String type = "multipart/related; type=\"application/dicom\"; boundary=XYZ";
		List<Map.Entry<String, byte[]>> cases = List.of(
				Map.entry(type, "no parts at all".getBytes(StandardCharsets.US_ASCII)),
				Map.entry(type, "--XYZ\r\nContent-Type: application/dicom\r\n\r\n".getBytes(StandardCharsets.US_ASCII)),
				Map.entry(type, concat("--XYZ\r\nContent-Type: application/dicom\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
						preambleAndGarbage, "\r\n--XYZ--\r\n".getBytes(StandardCharsets.US_ASCII))),
				Map.entry(type, concat("--XYZ\r\nContent-Type: application/dicom\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
						java.util.Arrays.copyOf(preambleAndGarbage, 100))),
				Map.entry("multipart/related; type=\"application/dicom\"", "--XYZ\r\n\r\n--XYZ--".getBytes(StandardCharsets.US_ASCII)),
				Map.entry("application/dicom", preambleAndGarbage),
				Map.entry("text/plain", "hello".getBytes(StandardCharsets.US_ASCII)));
		for (Map.Entry<String, byte[]> stow : cases) {
			HttpResponse<String> answer = http.send(authorised(HttpRequest.newBuilder(URI.create(base() + "/dicomweb/studies")))
					.header("Content-Type", stow.getKey()).header("X-OneTrip-Hospital", "hospital-b")
					.POST(HttpRequest.BodyPublishers.ofByteArray(stow.getValue())).build(), HttpResponse.BodyHandlers.ofString());
			CASES.incrementAndGet();
			assertThat(answer.statusCode()).as("STOW " + stow.getKey() + ": " + answer.body()).isBetween(400, 499);
		}
		assertThat(index.instanceCount()).as("nothing indexed").isEqualTo(before);
		assertStillServing();
	}

	@Test
	void dicomPdusAndDataSetsThatAreBrokenAreRefusedAndTheGatewayKeepsServing() throws Exception {
		long before = index.instanceCount();
		List<byte[]> pdus = new ArrayList<>();
		pdus.add(new byte[0]);
		pdus.add("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
		pdus.add(new byte[] {0x01, 0x00, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x00, 0x01});
		pdus.add(new byte[] {0x01, 0x00, 0x00, 0x00, 0x00, 0x44, 0x00, 0x01, 0x00, 0x00});
		pdus.add(new byte[] {0x04, 0x00, 0x00, 0x00, 0x00, 0x10, 1, 2, 3, 4});
		pdus.add(new byte[] {0x07, 0x00, 0x00, 0x00, 0x00, 0x04, 0, 0, 0, 0});
		for (int i = 0; i < 6; i++) {
			byte[] noise = new byte[64 + random.nextInt(4096)];
			random.nextBytes(noise);
			pdus.add(noise);
		}
		for (byte[] pdu : pdus) {
			try (Socket socket = new Socket("127.0.0.1", listener.port())) {
				socket.setSoTimeout(15_000);
				OutputStream out = socket.getOutputStream();
				out.write(pdu);
				out.flush();
				socket.shutdownOutput();
				InputStream in = socket.getInputStream();
				byte[] answer = in.readNBytes(10);
				CASES.incrementAndGet();
				// Either nothing (closed) or an A-ASSOCIATE-RJ (0x03) / A-ABORT (0x07): never an accept.
				assertThat(answer.length == 0 || answer[0] == 0x03 || answer[0] == 0x07).as("answer to a broken PDU").isTrue();
			}
		}

		TestInstances.Study study = TestInstances.Study.ct(unique("R"));
		var good = TestInstances.ct(study, TestInstances.uid(), 1, 1, 16);
		byte[] whole = RawStoreClient.dataSetBytes(good);
		String sopUid = good.get(com.pixelmed.dicom.TagFromName.SOPInstanceUID).getSingleStringValueOrEmptyString();
		List<byte[]> dataSets = new ArrayList<>();
		for (int cut : new int[] {3, 9, 100, whole.length / 2, whole.length - 7}) {
			dataSets.add(java.util.Arrays.copyOf(whole, cut));
		}
		byte[] wrongLength = whole.clone();
		wrongLength[6] = (byte) 0xFF; // the first element's length claims far more than is sent
		wrongLength[7] = (byte) 0x7F;
		dataSets.add(wrongLength);
		byte[] garbage = new byte[2048];
		random.nextBytes(garbage);
		dataSets.add(garbage);
		dataSets.add(concat(whole, garbage));
		for (byte[] dataSet : dataSets) {
			CASES.incrementAndGet();
			try {
				int status = RawStoreClient.store(listener.port(), "HOSP_B", SOPClass.CTImageStorage, sopUid, dataSet);
				assertThat(status).as("C-STORE status for a broken data set").isNotZero();
			} catch (com.pixelmed.network.DicomNetworkException aborted) {
				// The gateway aborted the association over a data set it cannot read: also a refusal.
			}
		}
		assertThat(index.instanceCount()).as("nothing indexed").isEqualTo(before);
		assertThat(RawStoreClient.store(listener.port(), "HOSP_B", SOPClass.CTImageStorage, sopUid, whole))
				.as("and the gateway still stores a good one").isZero();
		report();
	}

	/**
	 * The doors before HAPI: Tomcat (a request line or headers it will not read, an encoded slash, a method it does not
	 * serve), the servlet container's error page (a path nobody serves), Spring Security (no token). Sent over a raw
	 * socket, since a well-behaved HTTP client refuses to send most of these.
	 */
	@Test
	void everyLayerBeforeHapiRefusesWithAnOperationOutcome() throws Exception {
		String token = "Authorization: Bearer " + TestTokens.region() + "\r\n";
		String[][] doors = {
				{"a raw space in the query", "GET /fhir/Patient?name=a b HTTP/1.1\r\n" + token},
				{"a raw quote and angle bracket in the query", "GET /fhir/Patient?name=\"<a>\" HTTP/1.1\r\n" + token},
				{"a broken percent-encoding", "GET /fhir/Patient%ZZ HTTP/1.1\r\n" + token},
				{"an encoded slash in the path", "GET /fhir/Patient/a%2Fb HTTP/1.1\r\n" + token},
				{"headers too large", "GET /fhir/Patient HTTP/1.1\r\n" + token + "X-Padding: " + "p".repeat(20_000) + "\r\n"},
				{"a method nobody serves", "TRACE /fhir/metadata HTTP/1.1\r\n" + token},
				{"a method FHIR does not know", "PROPFIND /fhir/Patient HTTP/1.1\r\n" + token},
				{"a method no endpoint takes", "DELETE /actuator/health HTTP/1.1\r\n" + token},
				{"a path nobody serves", "GET /no-such-endpoint HTTP/1.1\r\n" + token},
				{"no token", "GET /fhir/Patient HTTP/1.1\r\n"},
				{"a path nobody serves, XML asked for", "GET /no-such-endpoint HTTP/1.1\r\nAccept: application/fhir+xml\r\n" + token},
		};
		for (String[] door : doors) {
			RawAnswer answer = raw(door[1] + "Host: 127.0.0.1\r\nConnection: close\r\n\r\n");
			CASES.incrementAndGet();
			assertThat(answer.status()).as(door[0] + " -> " + shorten(answer.text())).isBetween(400, 599);
			assertThat(answer.contentType()).as(door[0] + " -> " + shorten(answer.text())).contains(door[0].contains("XML") ? "application/fhir+xml" : "application/fhir+json");
			assertThat(answer.body()).as(door[0] + ": an OperationOutcome").contains("OperationOutcome").doesNotContain("<html");
		}
		// The FHIR specification's own way of writing a token search, with a raw | (and [ ] in a chained search) is served.
		String search = "GET /fhir/Patient?identifier=urn:onetrip:citizen-id|" + unique("3301") + "&_has:Observation:patient:code=x"
				+ "&name=[x] HTTP/1.1\r\n" + token + "Host: 127.0.0.1\r\nConnection: close\r\n\r\n";
		RawAnswer served = raw(search);
		assertThat(served.status()).as("raw | [ ] in a FHIR search -> " + served.body()).isEqualTo(200);
		assertStillServing();
	}

	record RawAnswer(int status, String contentType, String body, String text) {}

	private RawAnswer raw(String request) throws Exception {
		try (Socket socket = new Socket("127.0.0.1", port)) {
			socket.setSoTimeout(20_000);
			OutputStream out = socket.getOutputStream();
			out.write(request.getBytes(StandardCharsets.ISO_8859_1));
			out.flush();
			String text = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			int headerEnd = text.indexOf("\r\n\r\n");
			String head = headerEnd < 0 ? text : text.substring(0, headerEnd);
			String body = headerEnd < 0 ? "" : text.substring(headerEnd + 4);
			String contentType = head.lines().filter(l -> l.toLowerCase(java.util.Locale.ROOT).startsWith("content-type:"))
					.map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("");
			int status = text.startsWith("HTTP/1.1 ") ? Integer.parseInt(text.substring(9, 12)) : -1;
			return new RawAnswer(status, contentType, body, text);
		}
	}

	private void expectRefusal(HttpResponse<String> answer, String what) {
		CASES.incrementAndGet();
		assertThat(answer.statusCode()).as(what + " -> " + shorten(answer.body())).isIn(400, 404, 405, 409, 413, 415, 422);
		String body = answer.body().trim();
		assertThat(body.contains("OperationOutcome")).as(what + ": answered with an OperationOutcome, got " + shorten(body)).isTrue();
	}

	private void assertNothingStored(String marker) throws Exception {
		HttpResponse<String> count = http.send(authorised(HttpRequest.newBuilder(
				URI.create(base() + "/fhir/Patient?family:exact=" + marker + "&_summary=count"))).GET().build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(count.body()).as("nothing stored for " + marker).contains("\"total\":0");
	}

	private void assertStillServing() throws Exception {
		HttpResponse<String> metadata = http.send(HttpRequest.newBuilder(URI.create(base() + "/fhir/metadata")).GET().build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(metadata.statusCode()).isEqualTo(200);
		report();
	}

	private static void report() throws Exception {
		String line = "robustness: " + CASES.get() + " malformed inputs tried so far, each refused cleanly";
		System.out.println(line);
		java.nio.file.Files.writeString(java.nio.file.Path.of("target", "robustness-cases.txt"), line + "\n");
	}

	private HttpResponse<String> post(String path, byte[] body, String contentType) throws Exception {
		return http.send(authorised(HttpRequest.newBuilder(URI.create(base() + path))).header("Content-Type", contentType)
				.timeout(Duration.ofSeconds(120)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	private HttpResponse<String> put(String path, byte[] body, String contentType) throws Exception {
		return http.send(authorised(HttpRequest.newBuilder(URI.create(base() + path))).header("Content-Type", contentType)
				.timeout(Duration.ofSeconds(120)).PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	private String base() {
		return "http://127.0.0.1:" + port;
	}

	private static HttpRequest.Builder authorised(HttpRequest.Builder request) {
		return request.header("Authorization", "Bearer " + TestTokens.region());
	}

	private static byte[] concat(byte[]... parts) {
		java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
		for (byte[] part : parts) {
			out.writeBytes(part);
		}
		return out.toByteArray();
	}

	private static String shorten(String text) {
		String flat = text.replaceAll("\\s+", " ");
		return flat.length() > 160 ? flat.substring(0, 160) + "..." : flat;
	}
}
