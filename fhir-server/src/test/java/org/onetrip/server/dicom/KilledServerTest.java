package org.onetrip.server.dicom;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.TagFromName;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.junit.jupiter.api.Test;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.OneTripInstance;

/**
 * What was acknowledged survives the process being killed: a OneTrip server in its own process (on its own PostgreSQL,
 * the default storage) receives a storescu stream while FHIR clients write single resources and transaction Bundles,
 * and is killed with SIGKILL in the middle. After a restart on the same data directory: every FHIR write that was
 * answered 201/200 is there, a write that was never answered is there whole or not at all (a transaction's every entry
 * or none), every instance that got Success is on disk and indexed (a file renamed but not yet indexed is indexed from
 * the files at start), nothing is indexed without its file, nothing is left half-received, and the ImagingStudies
 * catch up.
 */
class KilledServerTest {

	private static final Pattern SENDING = Pattern.compile("Sending file: (\\S+\\.dcm)");
	private static final Pattern SUCCESS_RESPONSE = Pattern.compile("Received Store Response.*\\(Success\\)");
	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

	@Test
	void everyWriteAcknowledgedBeforeAKillIsThereAfterTheRestartAndNothingElseIsHalfThere() throws Exception {
		Path dataDir = Files.createTempDirectory(Path.of("target"), "killed-").toAbsolutePath();
		int httpPort = freePort();
		int dicomPort = freePort();

		List<TestInstances.Study> studies = new ArrayList<>();
		Path files = Files.createTempDirectory("kill-stream");
		for (int s = 0; s < 4; s++) {
			TestInstances.Study study = TestInstances.Study.ct("K" + s + "-" + System.nanoTime() % 100000);
			studies.add(study);
			String seriesUid = TestInstances.uid();
			for (int i = 1; i <= 150; i++) {
				TestInstances.write(TestInstances.ct(study, seriesUid, 1, i, 64), files);
			}
		}

		Process server = startServer(dataDir, httpPort, dicomPort);
		FhirHttp fhir = new FhirHttp(FhirContext.forR4Cached(), "http://127.0.0.1:" + httpPort + "/fhir");
		ProcessBuilder storescu = new ProcessBuilder("storescu", "-v", "-aet", "HOSP_A", "-aec", "ONETRIP", "+sd",
				"127.0.0.1", Integer.toString(dicomPort), files.toString()).redirectErrorStream(true);
		storescu.environment().put("TCP_NODELAY", "1");
		// A subscriber to every Patient the writers make, down until after the restart: every notification is still queued
		// when the server is killed, and each committed write is notified after it comes back.
		org.onetrip.server.subscription.HookReceiver receiver = new org.onetrip.server.subscription.HookReceiver().refusingAll(true);
		org.hl7.fhir.r4.model.Subscription subscription = new org.hl7.fhir.r4.model.Subscription();
		subscription.setStatus(org.hl7.fhir.r4.model.Subscription.SubscriptionStatus.REQUESTED).setReason("durability")
				.setCriteria("Patient?family=Durable");
		subscription.getChannel().setType(org.hl7.fhir.r4.model.Subscription.SubscriptionChannelType.RESTHOOK)
				.setEndpoint(receiver.url("/hook")).setPayload("application/fhir+json");
		assertThat(fhir.post("/Subscription", subscription).status()).isEqualTo(201);
		Thread.sleep(500); // read by the matcher at once after its commit; a margin for the refresh thread
		Process sender = storescu.start();
		FhirWriters writers = FhirWriters.start(fhir, 2, 2);
		// Kill once a good part of the stream is in, so the kill lands in the middle of it.
		Instant deadline = Instant.now().plusSeconds(60);
		while (storedCount(httpPort) < 150 && Instant.now().isBefore(deadline)) {
			Thread.sleep(20);
		}
		server.destroyForcibly(); // SIGKILL
		assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
		writers.awaitStopped();
		String output = new String(sender.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		sender.waitFor(30, TimeUnit.SECONDS);

		Set<String> acknowledged = acknowledgedInstances(output);
		assertThat(acknowledged).as("the kill came in the middle of the stream").hasSizeBetween(100, 599);

		server = startServer(dataDir, httpPort, dicomPort);
		receiver.refusingAll(false);
		try {
			writers.assertEveryAcknowledgedWriteAndNoPartOfAnyOther(fhir);
			Map<String, Set<String>> indexedByStudy = new HashMap<>();
			Set<String> indexed = new HashSet<>();
			for (TestInstances.Study study : studies) {
				Set<String> inStudy = findInstances(dicomPort, study.studyUid());
				indexedByStudy.put(study.studyUid(), inStudy);
				indexed.addAll(inStudy);
			}
			assertThat(indexed).as("every acknowledged instance is indexed").containsAll(acknowledged);
			Set<String> onDisk = new HashSet<>();
			try (Stream<Path> stored = Files.walk(dataDir.resolve("dicom/store"))) {
				stored.filter(Files::isRegularFile).forEach(p -> onDisk.add(p.getFileName().toString().replace(".dcm", "")));
			}
			assertThat(onDisk).as("nothing indexed without its file").containsAll(indexed);
			try (Stream<Path> incoming = Files.list(dataDir.resolve("dicom/incoming"))) {
				assertThat(incoming.count()).as("nothing half-received left behind").isZero();
			}
			for (TestInstances.Study study : studies) {
				int count = indexedByStudy.get(study.studyUid()).size();
				if (count > 0) {
					awaitImagingStudy(fhir, study.studyUid(), count);
				}
			}
			writers.assertEveryAcknowledgedPatientNotified(receiver);
		} finally {
			receiver.close();
			server.destroy();
			server.waitFor(60, TimeUnit.SECONDS);
		}
	}

	/** The SOP Instance UIDs of the files storescu got a Success response for. */
	private static Set<String> acknowledgedInstances(String storescuOutput) throws Exception {
		Set<String> uids = new HashSet<>();
		String sending = null;
		for (String line : storescuOutput.split("\n")) {
			Matcher file = SENDING.matcher(line);
			if (file.find()) {
				sending = file.group(1);
			} else if (sending != null && SUCCESS_RESPONSE.matcher(line).find()) {
				AttributeList list = new AttributeList();
				list.read(sending, TagFromName.PixelData);
				uids.add(Attribute.getSingleStringValueOrEmptyString(list, TagFromName.SOPInstanceUID));
				sending = null;
			}
		}
		return uids;
	}

	private static Set<String> findInstances(int dicomPort, String studyUid) throws Exception {
		Path out = Files.createTempDirectory("killed-find");
		ProcessBuilder builder = new ProcessBuilder("findscu", "-S", "-aet", "HOSP_A", "-aec", "ONETRIP", "-X", "-od",
				out.toString(), "-k", "QueryRetrieveLevel=IMAGE", "-k", "StudyInstanceUID=" + studyUid, "-k", "SOPInstanceUID",
				"127.0.0.1", Integer.toString(dicomPort)).redirectErrorStream(true);
		builder.environment().put("TCP_NODELAY", "1");
		Process process = builder.start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
		assertThat(process.exitValue()).as(output).isZero();
		Set<String> uids = new HashSet<>();
		try (Stream<Path> responses = Files.list(out)) {
			for (Path file : responses.toList()) {
				AttributeList list = new AttributeList();
				list.read(file.toFile());
				uids.add(Attribute.getSingleStringValueOrEmptyString(list, TagFromName.SOPInstanceUID).trim());
			}
		}
		return uids;
	}

	private static void awaitImagingStudy(FhirHttp fhir, String studyUid, int instances) throws Exception {
		// A study leased to the sync when the process died is retried when its lease (30 s) runs out.
		Instant deadline = Instant.now().plusSeconds(90);
		int seen = -1;
		while (Instant.now().isBefore(deadline)) {
			FhirHttp.Response response = fhir.get("/ImagingStudy/" + studyUid);
			if (response.status() == 200) {
				seen = response.as(ImagingStudy.class).getNumberOfInstances();
				if (seen == instances) {
					return;
				}
			}
			Thread.sleep(250);
		}
		throw new AssertionError("ImagingStudy/" + studyUid + " shows " + seen + " instances, the index " + instances);
	}

	/** The server in a process of its own (a kill must not take the test JVM with it), on the test classpath. */
	private Process startServer(Path dataDir, int httpPort, int dicomPort) throws Exception {
		List<String> command = OneTripInstance.processCommand(Map.of("server.port", Integer.toString(httpPort),
				"onetrip.dicom.port", Integer.toString(dicomPort), "onetrip.data-dir", dataDir.toString()));
		Path log = dataDir.resolve("server-" + System.nanoTime() + ".log");
		Process process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
		Instant deadline = Instant.now().plusSeconds(240);
		while (Instant.now().isBefore(deadline)) {
			if (!process.isAlive()) {
				throw new AssertionError("the server exited with " + process.exitValue() + "; see " + log);
			}
			try {
				HttpResponse<String> ready = http.send(HttpRequest.newBuilder(
						URI.create("http://127.0.0.1:" + httpPort + "/actuator/health/readiness")).build(),
						HttpResponse.BodyHandlers.ofString());
				if (ready.statusCode() == 200) {
					return process;
				}
			} catch (IOException notYet) {
				// still starting
			}
			Thread.sleep(200);
		}
		process.destroyForcibly();
		throw new AssertionError("the server was not ready within 240 s; see " + log);
	}

	private long storedCount(int httpPort) {
		try {
			HttpResponse<String> health = http.send(HttpRequest.newBuilder(
					URI.create("http://127.0.0.1:" + httpPort + "/actuator/health")).build(), HttpResponse.BodyHandlers.ofString());
			Matcher stored = Pattern.compile("\"instancesStored\":(\\d+)").matcher(health.body());
			return stored.find() ? Long.parseLong(stored.group(1)) : 0;
		} catch (IOException | InterruptedException e) {
			return 0;
		}
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

	/**
	 * FHIR clients writing until the server goes away: single Patients, and transactions of a Patient with two
	 * Observations about it. Every resource carries an identifier of this run, so what is stored afterwards is found
	 * by one search per type and compared with what was acknowledged, exactly.
	 */
	static final class FhirWriters {
		static final String SYSTEM = "urn:onetrip:test:durability";
		private final List<Thread> threads = new ArrayList<>();
		/** Per writer: the writes sent, in order (single: one identifier; transaction: its three). */
		private final Map<String, List<List<String>>> sent = new java.util.concurrent.ConcurrentHashMap<>();
		private final Set<String> acknowledged = java.util.concurrent.ConcurrentHashMap.newKeySet();
		private final java.util.concurrent.atomic.AtomicInteger answered = new java.util.concurrent.atomic.AtomicInteger();

		static FhirWriters start(FhirHttp fhir, int singleWriters, int transactionWriters) {
			FhirWriters writers = new FhirWriters();
			String run = Long.toString(System.nanoTime(), 36);
			for (int w = 0; w < singleWriters + transactionWriters; w++) {
				boolean transaction = w >= singleWriters;
				String writer = run + (transaction ? "-t" : "-s") + w;
				writers.sent.put(writer, java.util.Collections.synchronizedList(new ArrayList<>()));
				Thread thread = new Thread(() -> writers.write(fhir, writer, transaction), "durability-" + writer);
				writers.threads.add(thread);
				thread.start();
			}
			return writers;
		}

		private void write(FhirHttp fhir, String writer, boolean transaction) {
			for (int n = 0; ; n++) {
				String id = writer + "-" + n;
				List<String> identifiers = transaction ? List.of(id + "-p", id + "-o1", id + "-o2") : List.of(id);
				sent.get(writer).add(identifiers);
				FhirHttp.Response response;
				try {
					response = transaction ? fhir.post("", transactionOf(identifiers)) : fhir.post("/Patient", patient(id, null));
				} catch (RuntimeException serverGone) {
					return;
				}
				if (response.status() != (transaction ? 200 : 201)) {
					throw new AssertionError("a write the server refused before the kill: " + response);
				}
				acknowledged.addAll(identifiers);
				answered.incrementAndGet();
			}
		}

		private static org.hl7.fhir.r4.model.Patient patient(String identifier, String fullUrl) {
			org.hl7.fhir.r4.model.Patient patient = new org.hl7.fhir.r4.model.Patient();
			patient.addIdentifier().setSystem(SYSTEM).setValue(identifier);
			patient.addName().setFamily("Durable").addGiven(identifier);
			return patient;
		}

		private static org.hl7.fhir.r4.model.Bundle transactionOf(List<String> identifiers) {
			org.hl7.fhir.r4.model.Bundle bundle = new org.hl7.fhir.r4.model.Bundle();
			bundle.setType(org.hl7.fhir.r4.model.Bundle.BundleType.TRANSACTION);
			String patientUrl = "urn:uuid:" + java.util.UUID.randomUUID();
			bundle.addEntry().setFullUrl(patientUrl).setResource(patient(identifiers.get(0), patientUrl)).getRequest()
					.setMethod(org.hl7.fhir.r4.model.Bundle.HTTPVerb.POST).setUrl("Patient");
			for (String identifier : identifiers.subList(1, identifiers.size())) {
				org.hl7.fhir.r4.model.Observation observation = new org.hl7.fhir.r4.model.Observation();
				observation.addIdentifier().setSystem(SYSTEM).setValue(identifier);
				observation.setStatus(org.hl7.fhir.r4.model.Observation.ObservationStatus.FINAL);
				observation.getCode().setText("body weight");
				observation.setSubject(new org.hl7.fhir.r4.model.Reference(patientUrl));
				bundle.addEntry().setResource(observation).getRequest()
						.setMethod(org.hl7.fhir.r4.model.Bundle.HTTPVerb.POST).setUrl("Observation");
			}
			return bundle;
		}

		void awaitStopped() throws InterruptedException {
			for (Thread thread : threads) {
				thread.join(60_000);
				assertThat(thread.isAlive()).as(thread.getName() + " stopped when the server went away").isFalse();
			}
			assertThat(answered.get()).as("FHIR writes were acknowledged before the kill").isGreaterThan(20);
		}

		void assertEveryAcknowledgedWriteAndNoPartOfAnyOther(FhirHttp fhir) {
			Set<String> stored = new HashSet<>();
			stored.addAll(identifiersStored(fhir, "Patient"));
			stored.addAll(identifiersStored(fhir, "Observation"));
			assertThat(stored).as("every acknowledged FHIR write is there").containsAll(acknowledged);
			Set<String> unanswered = new HashSet<>();
			for (Map.Entry<String, List<List<String>>> writer : sent.entrySet()) {
				List<List<String>> writes = writer.getValue();
				for (int n = 0; n < writes.size(); n++) {
					List<String> write = writes.get(n);
					long there = write.stream().filter(stored::contains).count();
					assertThat(there).as(writer.getKey() + " write " + n + " is there whole or not at all")
							.isIn(0L, (long) write.size());
					if (!acknowledged.containsAll(write)) {
						assertThat(n).as("only a writer's last write can be unanswered").isEqualTo(writes.size() - 1);
						unanswered.addAll(write);
					}
				}
			}
			Set<String> allSent = new HashSet<>(acknowledged);
			allSent.addAll(unanswered);
			assertThat(allSent).as("nothing is there that was not sent").containsAll(stored);
			System.out.printf("kill -9 during FHIR writes: %d resources acknowledged, %d in unanswered writes, %d stored%n",
					acknowledged.size(), unanswered.size(), stored.size());
		}

		/** Every acknowledged Patient reaches the subscriber, whether its event was sent before the kill or after. */
		void assertEveryAcknowledgedPatientNotified(org.onetrip.server.subscription.HookReceiver receiver) throws InterruptedException {
			Set<String> expected = new HashSet<>();
			sent.values().forEach(writes -> writes.stream().filter(acknowledged::containsAll).forEach(write -> expected.add(write.get(0))));
			Set<String> notified = new HashSet<>();
			int notifications = 0;
			Instant deadline = Instant.now().plusSeconds(120);
			while (!notified.containsAll(expected) && Instant.now().isBefore(deadline)) {
				var got = receiver.next(Duration.ofSeconds(1));
				if (got != null) {
					notifications++;
					var patient = FhirContext.forR4Cached().newJsonParser().parseResource(org.hl7.fhir.r4.model.Patient.class, got.body());
					patient.getIdentifier().stream().filter(i -> SYSTEM.equals(i.getSystem())).forEach(i -> notified.add(i.getValue()));
				}
			}
			assertThat(notified).as("every acknowledged Patient notified after the kill and restart").containsAll(expected);
			System.out.printf("kill -9 during FHIR writes: %d acknowledged Patients, %d notifications received (repeats allowed)%n",
					expected.size(), notifications);
		}

		private static Set<String> identifiersStored(FhirHttp fhir, String type) {
			Set<String> identifiers = new HashSet<>();
			String next = "/" + type + "?identifier=" + SYSTEM + "%7C&_count=500&_elements=identifier";
			while (next != null) {
				FhirHttp.Response page = next.startsWith("http") ? fhir.get(next.substring(fhir.base().length())) : fhir.get(next);
				assertThat(page.status()).as(page.toString()).isEqualTo(200);
				org.hl7.fhir.r4.model.Bundle bundle = page.bundle();
				bundle.getEntry().forEach(e -> ((org.hl7.fhir.r4.model.DomainResource) e.getResource()).getChildByName("identifier")
						.getValues().forEach(v -> identifiers.add(((org.hl7.fhir.r4.model.Identifier) v).getValue())));
				next = bundle.getLink("next") == null ? null : bundle.getLink("next").getUrl();
			}
			return identifiers;
		}
	}
}
