package org.onetrip.server.dicom;

import static org.assertj.core.api.Assertions.assertThat;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.SOPClass;
import com.pixelmed.dicom.TagFromName;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.onetrip.dicom.DimseListener;
import org.onetrip.dicom.store.ImagingIndex;
import org.onetrip.dicom.store.JdbcImagingIndex;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.ServerTest;
import org.onetrip.server.storage.FullDisk;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The DICOM gateway with real peers over real sockets: dcmtk's storescu and findscu against the running server,
 * then the FHIR ImagingStudy read back over HTTP.
 */
class DicomGatewayTest extends ServerTest {

	@Autowired
	DimseListener listener;

	@Autowired
	ImagingIndex index;

	@Autowired
	ImagingStudySync sync;

	@Autowired
	DataSource dataSource;

	record Run(int exit, String output) {}

	private Run dcmtk(Path workDir, String... command) throws Exception {
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).directory(workDir.toFile());
		builder.environment().put("TCP_NODELAY", "1");
		Process process = builder.start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("dcmtk finished").isTrue();
		return new Run(process.exitValue(), output);
	}

	private Run storescu(String callingAe, List<Path> files) throws Exception {
		List<String> command = new ArrayList<>(List.of("storescu", "-aet", callingAe, "-aec", "ONETRIP", "127.0.0.1",
				Integer.toString(listener.port())));
		files.forEach(f -> command.add(f.toString()));
		return dcmtk(files.get(0).getParent(), command.toArray(String[]::new));
	}

	/** findscu with -X: every pending response's identifier read back from the files it writes. */
	private List<AttributeList> findscu(String callingAe, boolean studyRoot, String... keys) throws Exception {
		Path out = Files.createTempDirectory("findscu");
		List<String> command = new ArrayList<>(List.of("findscu", studyRoot ? "-S" : "-P", "-aet", callingAe, "-aec",
				"ONETRIP", "-X", "-od", out.toString()));
		for (String key : keys) {
			command.add("-k");
			command.add(key);
		}
		command.add("127.0.0.1");
		command.add(Integer.toString(listener.port()));
		Run run = dcmtk(out, command.toArray(String[]::new));
		assertThat(run.exit()).as(run.output()).isZero();
		List<AttributeList> responses = new ArrayList<>();
		try (Stream<Path> files = Files.list(out)) {
			for (Path file : files.sorted().toList()) {
				AttributeList list = new AttributeList();
				list.read(file.toFile());
				responses.add(list);
			}
		}
		return responses;
	}

	private List<Path> study(TestInstances.Study study, int series, int perSeries) throws Exception {
		Path dir = Files.createTempDirectory("study");
		List<Path> files = new ArrayList<>();
		for (int s = 1; s <= series; s++) {
			String seriesUid = TestInstances.uid();
			for (int i = 1; i <= perSeries; i++) {
				files.add(TestInstances.write(TestInstances.ct(study, seriesUid, s, i, 32), dir));
			}
		}
		return files;
	}

	private ImagingStudy awaitImagingStudy(String studyUid, int instances) throws Exception {
		Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
		while (Instant.now().isBefore(deadline)) {
			var response = fhir.get("ImagingStudy/" + studyUid);
			if (response.status() == 200) {
				ImagingStudy study = response.as(ImagingStudy.class);
				if (study.getNumberOfInstances() == instances) {
					return study;
				}
			}
			Thread.sleep(100);
		}
		throw new AssertionError("ImagingStudy/" + studyUid + " never showed " + instances + " instances");
	}

	private static String value(AttributeList list, com.pixelmed.dicom.AttributeTag tag) {
		return Attribute.getDelimitedStringValuesOrEmptyString(list, tag).trim();
	}

	@Test
	void aStudySentWithStorescuIsStoredIndexedAndAppearsAsAnImagingStudyOfTheHospitalsPatient() throws Exception {
		String mrn = unique("B");
		TestInstances.Study study = TestInstances.Study.ct(mrn);
		List<Path> files = study(study, 2, 3);
		long before = index.instanceCount();

		Run run = storescu("HOSP_B", files);

		assertThat(run.exit()).as(run.output()).isZero();
		assertThat(index.instanceCount()).isEqualTo(before + 6);
		ImagingStudy fhirStudy = awaitImagingStudy(study.studyUid(), 6);
		assertThat(fhirStudy.getStatus()).isEqualTo(ImagingStudy.ImagingStudyStatus.AVAILABLE);
		assertThat(fhirStudy.getNumberOfSeries()).isEqualTo(2);
		assertThat(fhirStudy.getModality()).extracting(Coding::getCode).containsExactly("CT");
		assertThat(fhirStudy.getIdentifier()).anyMatch(i -> i.getValue().equals("urn:oid:" + study.studyUid()));
		assertThat(fhirStudy.getStarted()).isNotNull();
		assertThat(fhirStudy.getSeriesFirstRep().getPerformerFirstRep().getActor().getReference())
				.isEqualTo("Organization/hospital-b");
		// CT + CHEST typed to the regional catalogue, so the study counts as a prior exam.
		assertThat(fhirStudy.getProcedureCodeFirstRep().getCoding()).anyMatch(c -> "http://loinc.org".equals(c.getSystem()));

		Bundle patients = fhir.get("Patient?identifier=urn:onetrip:mrn:hospital-b|" + mrn).bundle();
		assertThat(patients.getEntry()).hasSize(1);
		Patient patient = (Patient) patients.getEntryFirstRep().getResource();
		assertThat(fhirStudy.getSubject().getReference()).isEqualTo("Patient/" + patient.getIdElement().getIdPart());
		assertThat(patient.getNameFirstRep().getFamily()).isEqualTo("TEST");

		// The association is audited: hospital B's AE stored this study, of this PatientID.
		long deadline = System.currentTimeMillis() + 15_000;
		boolean audited = false;
		while (!audited && System.currentTimeMillis() < deadline) {
			audited = fhir.getFresh("AuditEvent?type=http://dicom.nema.org/resources/ontology/DCM|110122&agent=Organization/hospital-b"
					+ "&_sort=-date&_count=50").body().contains("urn:oid:" + study.studyUid());
			Thread.sleep(200);
		}
		assertThat(audited).as("an AuditEvent for the association that stored " + study.studyUid()).isTrue();
	}

	@Test
	void aNewPatientIdIsFoundAtOnceAndItsStudiesReachFhirTogetherUnderOneNewPatient() throws Exception {
		String first = unique("N");
		String second = unique("N");
		TestInstances.Study firstA = TestInstances.Study.ct(first);
		TestInstances.Study firstB = TestInstances.Study.ct(first);
		TestInstances.Study other = TestInstances.Study.ct(second);
		// In the same sync worker's share as the first patient, so that its study is written in the same batch.
		String registeredMeanwhile = inTheShareOf(first);
		TestInstances.Study ofRegistered = TestInstances.Study.ct(registeredMeanwhile);
		List<Path> files = new ArrayList<>();
		for (TestInstances.Study study : List.of(firstA, firstB, other, ofRegistered)) {
			files.addAll(study(study, 1, 1));
		}
		String registeredId;
		sync.close(); // paused: the studies wait for their Patients, and are then written in one transaction
		try {
			Run run = storescu("HOSP_B", files);
			assertThat(run.exit()).as(run.output()).isZero();

			assertThat(index.study(firstA.studyUid()).orElseThrow().patientRef()).as("no Patient made on the C-STORE path").isNull();
			assertThat(findscu("HOSP_B", true, "QueryRetrieveLevel=STUDY", "PatientID=" + first, "StudyInstanceUID"))
					.extracting(r -> value(r, TagFromName.StudyInstanceUID))
					.containsExactlyInAnyOrder(firstA.studyUid(), firstB.studyUid());
			assertThat(findscu("HOSP_A", true, "QueryRetrieveLevel=STUDY", "PatientID=" + first, "StudyInstanceUID"))
					.as("another hospital's PatientID of the same value is not this one").isEmpty();
			// The hospital registers one of the patients after the images arrived, before their ImagingStudy is written.
			assertThat(index.study(ofRegistered.studyUid()).orElseThrow().patientRef()).isNull();
			Patient registered = new Patient();
			registered.addIdentifier().setSystem("urn:onetrip:mrn:hospital-b").setValue(registeredMeanwhile);
			registered.addName().setFamily("Registered");
			FhirHttp.Response created = fhir.post("Patient", registered);
			assertThat(created.status()).as(created.toString()).isEqualTo(201);
			registeredId = created.as(Patient.class).getIdElement().getIdPart();
		} finally {
			sync.start();
		}

		ImagingStudy a = awaitImagingStudy(firstA.studyUid(), 1);
		ImagingStudy b = awaitImagingStudy(firstB.studyUid(), 1);
		ImagingStudy c = awaitImagingStudy(other.studyUid(), 1);
		Bundle patients = fhir.get("Patient?identifier=urn:onetrip:mrn:hospital-b|" + first).bundle();
		assertThat(patients.getEntry()).hasSize(1);
		String patient = "Patient/" + patients.getEntryFirstRep().getResource().getIdElement().getIdPart();
		assertThat(a.getSubject().getReference()).isEqualTo(patient);
		assertThat(b.getSubject().getReference()).isEqualTo(patient);
		assertThat(c.getSubject().getReference()).isNotEqualTo(patient);
		assertThat(index.study(firstA.studyUid()).orElseThrow().patientRef()).isEqualTo(patient.substring("Patient/".length()));
		assertThat(findscu("HOSP_B", true, "QueryRetrieveLevel=STUDY", "PatientID=" + first, "StudyInstanceUID"))
				.hasSize(2);
		assertThat(awaitImagingStudy(ofRegistered.studyUid(), 1).getSubject().getReference())
				.as("the Patient the hospital registered meanwhile, not a new one").isEqualTo("Patient/" + registeredId);
		assertThat(fhir.get("Patient?identifier=urn:onetrip:mrn:hospital-b|" + registeredMeanwhile).bundle().getEntry())
				.hasSize(1);
	}

	/**
	 * A study its sender sent whole in one association is written to FHIR once the association is released, not after
	 * the quiet period; a study whose instances come over several associations (a sender that opens one per image)
	 * waits for the quiet period again. Seen through an index over the server's tables that would wait an hour.
	 */
	@Test
	void aStudySentWholeSkipsTheQuietPeriodAndAStudySentInPartsDoesNot() throws Exception {
		JdbcImagingIndex waitsAnHour = new JdbcImagingIndex(dataSource, Duration.ofHours(1), Duration.ofHours(2),
				java.time.Clock.systemUTC());
		TestInstances.Study study = TestInstances.Study.ct(unique("D"));
		List<Path> files = study(study, 1, 2);
		sync.close(); // paused: only the claims below take the study
		try {
			assertThat(storescu("HOSP_B", files.subList(0, 1)).exit()).isZero();
			assertThat(claimedWithin(waitsAnHour, study.studyUid(), Duration.ofSeconds(10)))
					.as("sent whole: claimable once its association was released").isTrue();
			waitsAnHour.releaseClaim(study.studyUid());

			// The second image over an association of its own: the study was not sent whole by it.
			assertThat(storescu("HOSP_B", files.subList(1, 2)).exit()).isZero();
			assertThat(claimedWithin(waitsAnHour, study.studyUid(), Duration.ofSeconds(1)))
					.as("sent in parts: waits for the quiet period").isFalse();
		} finally {
			sync.start();
		}
		awaitImagingStudy(study.studyUid(), 2);
	}

	/**
	 * A new PatientID of hospital B whose studies the same sync worker takes as those of {@code patientId} (the workers
	 * split PatientIDs by PostgreSQL's hash of system and value, JdbcImagingIndex#claimStudiesToSync).
	 */
	private String inTheShareOf(String patientId) {
		org.springframework.jdbc.core.JdbcTemplate jdbc = new org.springframework.jdbc.core.JdbcTemplate(dataSource);
		String share = "SELECT MOD(HASHTEXT(?) & 2147483647, ?)";
		int workers = 2;
		Integer wanted = jdbc.queryForObject(share, Integer.class, "urn:onetrip:mrn:hospital-b|" + patientId, workers);
		while (true) {
			String candidate = unique("N");
			if (wanted.equals(jdbc.queryForObject(share, Integer.class, "urn:onetrip:mrn:hospital-b|" + candidate, workers))) {
				return candidate;
			}
		}
	}

	/** Whether the index hands this study out for sync within the time (a claim of 1 s, released again). */
	private static boolean claimedWithin(ImagingIndex claims, String studyUid, Duration time) throws InterruptedException {
		Instant deadline = Instant.now().plus(time);
		do {
			List<ImagingIndex.PendingSync> claimed = claims.claimStudiesToSync(100, Duration.ofSeconds(1),
					new ImagingIndex.Share(0, 1));
			claimed.stream().filter(c -> !c.studyInstanceUid().equals(studyUid))
					.forEach(c -> claims.releaseClaim(c.studyInstanceUid()));
			if (claimed.stream().anyMatch(c -> c.studyInstanceUid().equals(studyUid))) {
				return true;
			}
			Thread.sleep(50);
		} while (Instant.now().isBefore(deadline));
		return false;
	}

	@Test
	void sendingTheSameInstancesAgainSucceedsAndStoresNothingTwice() throws Exception {
		TestInstances.Study study = TestInstances.Study.ct(unique("B"));
		List<Path> files = study(study, 1, 2);
		assertThat(storescu("HOSP_B", files).exit()).isZero();
		long after = index.instanceCount();

		Run again = storescu("HOSP_B", files);

		assertThat(again.exit()).as(again.output()).isZero();
		assertThat(index.instanceCount()).isEqualTo(after);
		assertThat(awaitImagingStudy(study.studyUid(), 2).getNumberOfInstances()).isEqualTo(2);
	}

	@Test
	void equalPatientIdsFromTwoHospitalsAreTwoPatients() throws Exception {
		String sharedValue = unique("SAME");
		TestInstances.Study atA = TestInstances.Study.ct(sharedValue);
		TestInstances.Study atB = TestInstances.Study.ct(sharedValue);
		assertThat(storescu("HOSP_A", study(atA, 1, 1)).exit()).isZero();
		assertThat(storescu("HOSP_B", study(atB, 1, 1)).exit()).isZero();

		ImagingStudy a = awaitImagingStudy(atA.studyUid(), 1);
		ImagingStudy b = awaitImagingStudy(atB.studyUid(), 1);

		assertThat(a.getSubject().getReference()).isNotEqualTo(b.getSubject().getReference());
	}

	@Test
	void issuerOfPatientIdNamesTheHospitalEvenWhenAnotherSends() throws Exception {
		String mrn = unique("A");
		TestInstances.Study study = TestInstances.Study.ct(mrn).withIssuer("hospital-a");
		assertThat(storescu("IMAGING_D", study(study, 1, 1)).exit()).isZero();

		ImagingStudy fhirStudy = awaitImagingStudy(study.studyUid(), 1);

		Bundle patients = fhir.get("Patient?identifier=urn:onetrip:mrn:hospital-a|" + mrn).bundle();
		assertThat(patients.getEntry()).hasSize(1);
		assertThat(fhirStudy.getSubject().getReference())
				.isEqualTo("Patient/" + patients.getEntryFirstRep().getResource().getIdElement().getIdPart());
	}

	@Test
	void cFindMatchesByPatientIdDateRangeModalityAndWildcardAtEveryLevel() throws Exception {
		String mrn = unique("F");
		TestInstances.Study older = TestInstances.Study.ct(mrn).withDate("20250310");
		TestInstances.Study newer = TestInstances.Study.ct(mrn).withDate("20260901");
		assertThat(storescu("HOSP_B", study(older, 1, 2)).exit()).isZero();
		assertThat(storescu("HOSP_B", study(newer, 2, 1)).exit()).isZero();

		List<AttributeList> both = findscu("HOSP_B", true, "QueryRetrieveLevel=STUDY", "PatientID=" + mrn,
				"StudyInstanceUID", "StudyDate", "ModalitiesInStudy", "NumberOfStudyRelatedInstances");
		assertThat(both).extracting(r -> value(r, TagFromName.StudyInstanceUID))
				.containsExactlyInAnyOrder(older.studyUid(), newer.studyUid());
		assertThat(both).allMatch(r -> value(r, TagFromName.ModalitiesInStudy).equals("CT"));

		List<AttributeList> in2026 = findscu("HOSP_B", true, "QueryRetrieveLevel=STUDY", "PatientID=" + mrn,
				"StudyDate=20260101-20261231", "StudyInstanceUID", "NumberOfStudyRelatedInstances");
		assertThat(in2026).extracting(r -> value(r, TagFromName.StudyInstanceUID)).containsExactly(newer.studyUid());
		assertThat(value(in2026.get(0), TagFromName.NumberOfStudyRelatedInstances)).isEqualTo("2");

		assertThat(findscu("HOSP_B", true, "QueryRetrieveLevel=STUDY", "PatientID=" + mrn, "ModalitiesInStudy=MR",
				"StudyInstanceUID")).isEmpty();
		assertThat(findscu("HOSP_B", true, "QueryRetrieveLevel=STUDY", "PatientID=" + mrn.substring(0, 4) + "*",
				"PatientName=test*", "StudyInstanceUID=" + older.studyUid() + "\\" + newer.studyUid()))
				.hasSize(2);

		List<AttributeList> series = findscu("HOSP_B", true, "QueryRetrieveLevel=SERIES",
				"StudyInstanceUID=" + newer.studyUid(), "SeriesInstanceUID", "Modality", "NumberOfSeriesRelatedInstances");
		assertThat(series).hasSize(2).allMatch(r -> value(r, TagFromName.Modality).equals("CT"));

		List<AttributeList> images = findscu("HOSP_B", true, "QueryRetrieveLevel=IMAGE",
				"StudyInstanceUID=" + older.studyUid(), "SeriesInstanceUID=" + value(findscu("HOSP_B", true,
						"QueryRetrieveLevel=SERIES", "StudyInstanceUID=" + older.studyUid(), "SeriesInstanceUID").get(0),
						TagFromName.SeriesInstanceUID), "SOPInstanceUID", "SOPClassUID");
		assertThat(images).hasSize(2).allMatch(r -> value(r, TagFromName.SOPClassUID).equals(SOPClass.CTImageStorage));

		List<AttributeList> patient = findscu("HOSP_B", false, "QueryRetrieveLevel=PATIENT", "PatientID=" + mrn,
				"PatientName", "NumberOfPatientRelatedStudies");
		assertThat(patient).hasSize(1);
		assertThat(value(patient.get(0), TagFromName.NumberOfPatientRelatedStudies)).isEqualTo("2");
	}

	@Test
	void aHospitalFindsThePersonsStudiesFromAnotherHospitalUnderItsOwnPatientId() throws Exception {
		String mrnA = unique("A");
		String mrnB = unique("B");
		TestInstances.personAtHospitalsAAndB(fhir, mrnA, mrnB, "Regional");
		TestInstances.Study atB = TestInstances.Study.ct(mrnB);
		assertThat(storescu("HOSP_B", study(atB, 1, 1)).exit()).isZero();

		List<AttributeList> fromA = findscu("HOSP_A", true, "QueryRetrieveLevel=STUDY", "PatientID=" + mrnA,
				"IssuerOfPatientID", "StudyInstanceUID");

		assertThat(fromA).extracting(r -> value(r, TagFromName.StudyInstanceUID)).containsExactly(atB.studyUid());
		assertThat(value(fromA.get(0), TagFromName.PatientID)).isEqualTo(mrnA);
		// Hospital C has no identifier of this person: its PatientID with the same value names nobody.
		assertThat(findscu("CLINIC_C", true, "QueryRetrieveLevel=STUDY", "PatientID=" + mrnA, "StudyInstanceUID"))
				.isEmpty();
	}

	/** The SOP Instance UIDs of the Part 10 files in a directory (what a retrieval delivered). */
	private static List<String> receivedInstances(Path directory) throws Exception {
		List<String> uids = new ArrayList<>();
		try (Stream<Path> files = Files.list(directory)) {
			for (Path file : files.toList()) {
				AttributeList list = new AttributeList();
				list.read(file.toFile());
				uids.add(value(list, TagFromName.SOPInstanceUID));
				assertThat(list.get(TagFromName.PixelData)).as("pixel data arrived").isNotNull();
			}
		}
		return uids;
	}

	private static List<String> sopInstanceUids(List<Path> files) throws Exception {
		List<String> uids = new ArrayList<>();
		for (Path file : files) {
			AttributeList list = new AttributeList();
			list.read(file.toFile());
			uids.add(value(list, TagFromName.SOPInstanceUID));
		}
		return uids;
	}

	@Test
	void theConsoleSeesWhichNodesAnswerAnEchoAndWhatEachLastSent() throws Exception {
		Path received = Files.createTempDirectory("echoed");
		// Hospital A's workstation is up (dcmtk's storescp answers C-ECHO); hospital B's address has nobody listening.
		Process workstation = new ProcessBuilder("storescp", "-aet", "HOSP_A", "-od", received.toString(),
				Integer.toString(HOSP_A_MOVE_PORT)).redirectErrorStream(true).redirectOutput(received.resolve("storescp.log").toFile()).start();
		try {
			long deadline = System.currentTimeMillis() + 10_000;
			while (!listening(HOSP_A_MOVE_PORT)) {
				assertThat(System.currentTimeMillis()).as("storescp listening").isLessThan(deadline);
				Thread.sleep(50);
			}
			TestInstances.Study study = TestInstances.Study.ct(unique("N"));
			assertThat(storescu("HOSP_B", study(study, 1, 1)).exit()).isZero();

			// The association is counted when it ends, a moment after storescu has its answers.
			java.util.Map<String, java.util.Map<String, String>> byAe = dicomNodes();
			for (long until = System.currentTimeMillis() + 10_000; !study.studyUid().equals(byAe.get("HOSP_B").get("last-study"))
					&& System.currentTimeMillis() < until; byAe = dicomNodes()) {
				Thread.sleep(200);
			}
			assertThat(byAe.get("HOSP_A")).containsEntry("echo", "answered").containsEntry("address", "127.0.0.1:" + HOSP_A_MOVE_PORT);
			assertThat(byAe.get("HOSP_B")).containsEntry("echo", "failed").containsKey("echo-failure");
			assertThat(byAe.get("HOSP_B")).containsEntry("last-study", study.studyUid());
			assertThat(Integer.parseInt(byAe.get("HOSP_B").get("studies-stored"))).isPositive();
			assertThat(byAe.get("CLINIC_C")).containsEntry("echo", "no address");
			assertThat(fhir.as(org.onetrip.server.TestTokens.hospital("hospital-a", "user/*.rs")).get("/$dicom-nodes").status())
					.as("the region operators' view").isEqualTo(403);
		} finally {
			workstation.destroy();
			workstation.waitFor(10, TimeUnit.SECONDS);
		}
	}

	/** $dicom-nodes as AE title -> its parts. */
	private java.util.Map<String, java.util.Map<String, String>> dicomNodes() {
		org.hl7.fhir.r4.model.Parameters nodes = fhir.get("/$dicom-nodes").as(org.hl7.fhir.r4.model.Parameters.class);
		java.util.Map<String, java.util.Map<String, String>> byAe = new java.util.HashMap<>();
		nodes.getParameter().stream().filter(p -> "node".equals(p.getName())).forEach(p -> {
			java.util.Map<String, String> parts = new java.util.HashMap<>();
			p.getPart().forEach(part -> parts.put(part.getName(), part.getValue().primitiveValue()));
			byAe.put(parts.get("ae-title"), parts);
		});
		return byAe;
	}

	private static boolean listening(int port) {
		try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
			return true;
		} catch (java.io.IOException e) {
			return false;
		}
	}

	@Test
	void cMoveSendsAStudyToTheCallersOwnWorkstationAndRefusesOtherDestinations() throws Exception {
		TestInstances.Study study = TestInstances.Study.ct(unique("M"));
		List<Path> sent = study(study, 2, 2);
		assertThat(storescu("HOSP_A", sent).exit()).isZero();
		Path received = Files.createTempDirectory("moved");

		Run move = dcmtk(received, "movescu", "-S", "-aet", "HOSP_A", "-aec", "ONETRIP", "--move", "HOSP_A",
				"+P", Integer.toString(HOSP_A_MOVE_PORT), "-od", received.toString(),
				"-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=" + study.studyUid(),
				"127.0.0.1", Integer.toString(listener.port()));

		assertThat(move.exit()).as(move.output()).isZero();
		assertThat(receivedInstances(received)).containsExactlyInAnyOrderElementsOf(sopInstanceUids(sent));

		// Hospital B is a region AE with an address, but not hospital A's: A cannot send B's way.
		Run elsewhere = dcmtk(received, "movescu", "-v", "-S", "-aet", "HOSP_A", "-aec", "ONETRIP", "--move", "HOSP_B",
				"-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=" + study.studyUid(),
				"127.0.0.1", Integer.toString(listener.port()));
		assertThat(elsewhere.output()).contains("Refused: MoveDestinationUnknown");
		Run unknown = dcmtk(received, "movescu", "-v", "-S", "-aet", "HOSP_A", "-aec", "ONETRIP", "--move", "NOBODY",
				"-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=" + study.studyUid(),
				"127.0.0.1", Integer.toString(listener.port()));
		assertThat(unknown.output()).contains("Refused: MoveDestinationUnknown");
		Run noKey = dcmtk(received, "movescu", "-v", "-S", "-aet", "HOSP_A", "-aec", "ONETRIP", "--move", "HOSP_A",
				"-k", "QueryRetrieveLevel=SERIES", "-k", "StudyInstanceUID=" + study.studyUid(),
				"127.0.0.1", Integer.toString(listener.port()));
		assertThat(noKey.output()).contains("Move Response (Error: DataSetDoesNotMatchSOPClass)");
	}

	@Test
	void cGetReturnsOneSeriesOverTheCallersAssociationAcrossHospitalsForTheSamePerson() throws Exception {
		String mrnA = unique("GA");
		String mrnB = unique("GB");
		TestInstances.personAtHospitalsAAndB(fhir, mrnA, mrnB, "Retrieved");
		TestInstances.Study atB = TestInstances.Study.ct(mrnB);
		List<Path> sent = study(atB, 2, 3);
		assertThat(storescu("HOSP_B", sent).exit()).isZero();
		String seriesUid = value(findscu("HOSP_A", true, "QueryRetrieveLevel=SERIES", "PatientID=" + mrnA,
				"StudyInstanceUID=" + atB.studyUid(), "SeriesInstanceUID", "SeriesNumber=1").get(0), TagFromName.SeriesInstanceUID);
		Path received = Files.createTempDirectory("got");

		Run get = dcmtk(received, "getscu", "-S", "-aet", "HOSP_A", "-aec", "ONETRIP", "-od", received.toString(),
				"-k", "QueryRetrieveLevel=SERIES", "-k", "PatientID=" + mrnA, "-k", "StudyInstanceUID=" + atB.studyUid(),
				"-k", "SeriesInstanceUID=" + seriesUid, "127.0.0.1", Integer.toString(listener.port()));

		assertThat(get.exit()).as(get.output()).isZero();
		assertThat(receivedInstances(received)).hasSize(3);
		// Hospital C knows no one by that PatientID: the same request retrieves nothing.
		Path nothing = Files.createTempDirectory("none");
		Run fromC = dcmtk(nothing, "getscu", "-S", "-aet", "CLINIC_C", "-aec", "ONETRIP", "-od", nothing.toString(),
				"-k", "QueryRetrieveLevel=SERIES", "-k", "PatientID=" + mrnA, "-k", "StudyInstanceUID=" + atB.studyUid(),
				"-k", "SeriesInstanceUID=" + seriesUid, "127.0.0.1", Integer.toString(listener.port()));
		assertThat(fromC.exit()).as(fromC.output()).isZero();
		try (Stream<Path> files = Files.list(nothing)) {
			assertThat(files.count()).isZero();
		}
	}

	@Test
	void brokenInstancesGetAFailureStatusAndNothingIsStored() throws Exception {
		TestInstances.Study study = TestInstances.Study.ct(unique("X"));
		AttributeList good = TestInstances.ct(study, TestInstances.uid(), 1, 1, 32);
		String sopUid = value(good, TagFromName.SOPInstanceUID);
		byte[] whole = RawStoreClient.dataSetBytes(good);
		long before = index.instanceCount();

		byte[] truncated = Arrays.copyOf(whole, whole.length - 100);
		assertThat(RawStoreClient.store(listener.port(), "HOSP_B", SOPClass.CTImageStorage, sopUid, truncated))
				.isEqualTo(0xC000);

		AttributeList noSopUid = TestInstances.ct(study, TestInstances.uid(), 1, 2, 32);
		String announced = value(noSopUid, TagFromName.SOPInstanceUID);
		noSopUid.remove(TagFromName.SOPInstanceUID);
		assertThat(RawStoreClient.store(listener.port(), "HOSP_B", SOPClass.CTImageStorage, announced,
				RawStoreClient.dataSetBytes(noSopUid))).isEqualTo(0xA900);

		assertThat(RawStoreClient.store(listener.port(), "HOSP_B", SOPClass.CTImageStorage, sopUid,
				"not DICOM at all".getBytes(StandardCharsets.US_ASCII))).isEqualTo(0xC000);

		assertThat(index.instanceCount()).isEqualTo(before);
		assertThat(fhir.get("ImagingStudy/" + study.studyUid()).status()).isEqualTo(404);

		// The same association path still works afterwards.
		assertThat(RawStoreClient.store(listener.port(), "HOSP_B", SOPClass.CTImageStorage, sopUid, whole)).isZero();
		assertThat(index.instanceCount()).isEqualTo(before + 1);
	}

	@Test
	void aFullDiskIsOutOfResourcesForTheSenderAndOnceThereIsSpaceTheSameInstanceIsStored() throws Exception {
		TestInstances.Study study = TestInstances.Study.ct(unique("F"));
		AttributeList instance = TestInstances.ct(study, TestInstances.uid(), 1, 1, 32);
		String sopUid = value(instance, TagFromName.SOPInstanceUID);
		byte[] dataSet = RawStoreClient.dataSetBytes(instance);
		long before = index.instanceCount();
		try (FullDisk full = FullDisk.under(new JdbcTemplate(dataSource), "OT_DICOM_INSTANCE")) {
			assertThat(RawStoreClient.store(listener.port(), "HOSP_B", SOPClass.CTImageStorage, sopUid, dataSet))
					.as("Out of Resources").isEqualTo(0xA700);
			assertThat(index.instanceCount()).isEqualTo(before);
		}

		assertThat(RawStoreClient.store(listener.port(), "HOSP_B", SOPClass.CTImageStorage, sopUid, dataSet)).isZero();
		assertThat(index.instanceCount()).isEqualTo(before + 1);
		assertThat(awaitImagingStudy(study.studyUid(), 1).getNumberOfInstances()).isEqualTo(1);
	}
}
