package org.onetrip.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.OneTripInstance;
import org.onetrip.server.RegistrationRace;
import org.onetrip.server.dicom.TestInstances;
import org.onetrip.server.scheduling.BookingRace;

/**
 * An external PostgreSQL (the {@code postgres} profile) shared by two OneTrip instances, as the province deploys
 * it: the server is a {@link LocalPostgres} of the test's own, reached only through its JDBC URL.
 */
class PostgresStorageTest {

	static LocalPostgres postgres;
	static OneTripInstance instanceA;
	static OneTripInstance instanceB;

	@BeforeAll
	static void startPostgresAndTwoServers() throws Exception {
		java.nio.file.Path shared = java.nio.file.Files.createTempDirectory(java.nio.file.Path.of("target"), "shared-pg-");
		postgres = LocalPostgres.start(LocalPostgres.Settings.under(shared.toAbsolutePath()));
		Map<String, String> settings = Map.of(
				"spring.profiles.active", "postgres",
				"onetrip.data-dir", "target/pg-instance",
				"spring.datasource.url", postgres.jdbcUrl(),
				"spring.datasource.username", postgres.user(),
				"spring.datasource.password", postgres.password());
		// One after the other: the first creates the schema, the second finds it.
		instanceA = OneTripInstance.start(settings);
		instanceB = OneTripInstance.start(settings);
	}

	@AfterAll
	static void stop() throws Exception {
		if (instanceB != null) instanceB.close();
		if (instanceA != null) instanceA.close();
		if (postgres != null) postgres.close();
	}

	@Test
	void aSearchOnOneInstanceSeesWhatTheOtherCommittedAMomentBefore() {
		String family = "Fresh" + System.nanoTime();
		String search = "/Patient?family=" + family;
		assertThat(instanceA.fhir().get(search).bundle().getEntry()).isEmpty();
		Patient patient = new Patient();
		patient.addName().setFamily(family);
		assertThat(instanceB.fhir().post("/Patient", patient).status()).isEqualTo(201);

		assertThat(instanceA.fhir().get(search).bundle().getEntry()).hasSize(1);
	}

	@Test
	void eachSubscriptionEventIsDeliveredOnceInOrderWhicheverInstanceWroteIt() throws Exception {
		String family = "Notified" + System.nanoTime();
		try (org.onetrip.server.subscription.HookReceiver receiver = new org.onetrip.server.subscription.HookReceiver()) {
			org.hl7.fhir.r4.model.Subscription subscription = new org.hl7.fhir.r4.model.Subscription();
			subscription.setStatus(org.hl7.fhir.r4.model.Subscription.SubscriptionStatus.REQUESTED).setReason("two instances")
					.setCriteria("Patient?family=" + family);
			subscription.getChannel().setType(org.hl7.fhir.r4.model.Subscription.SubscriptionChannelType.RESTHOOK)
					.setEndpoint(receiver.url("/hook")).setPayload("application/fhir+json");
			assertThat(instanceA.fhir().post("/Subscription", subscription).status()).isEqualTo(201);
			Thread.sleep(3000); // instance B reads the new subscription at its next refresh (every 2 s)

			java.util.Set<String> written = new java.util.HashSet<>();
			for (int i = 0; i < 30; i++) {
				Patient patient = new Patient();
				patient.addName().setFamily(family).addGiven("P" + i);
				OneTripInstance via = i % 2 == 0 ? instanceA : instanceB;
				written.add(via.fhir().post("/Patient", patient).as(Patient.class).getIdElement().getIdPart());
			}

			List<String> delivered = new java.util.ArrayList<>();
			List<Long> eventNumbers = new java.util.ArrayList<>();
			org.onetrip.server.subscription.HookReceiver.Received got;
			while ((got = receiver.next(java.time.Duration.ofSeconds(delivered.size() < written.size() ? 20 : 3))) != null) {
				delivered.add(got.path().substring(got.path().lastIndexOf('/') + 1));
				eventNumbers.add(Long.parseLong(got.header("X-OneTrip-Event")));
			}
			assertThat(delivered).as("each event once").containsExactlyInAnyOrderElementsOf(written);
			assertThat(eventNumbers).as("numbered 1, 2, 3 ... in the order sent").isEqualTo(
					java.util.stream.LongStream.rangeClosed(1, written.size()).boxed().toList());
		}
	}

	@Test
	void whatOneInstanceWritesTheOtherReads() {
		Patient patient = new Patient();
		patient.addName().setFamily("Shared");
		String id = instanceA.fhir().post("/Patient", patient).as(Patient.class).getIdElement().getIdPart();
		assertThat(instanceB.fhir().get("/Patient/" + id).as(Patient.class).getNameFirstRep().getFamily()).isEqualTo("Shared");
		assertThat(instanceB.fhir().get("/Organization/clinic-c").status()).isEqualTo(200);
	}

	@Test
	void twoInstancesRegisteringOnePersonAtOnceMakeOnePatient() throws Exception {
		String citizenId = "330402199912120031";
		List<Integer> statuses = race(citizenId, true);
		assertThat(statuses).allMatch(s -> s == 200 || s == 201);
		assertThat(statuses).filteredOn(s -> s == 201).hasSize(1);
		assertThat(instanceA.fhir().get("/Patient?identifier=urn:onetrip:citizen-id|" + citizenId).bundle().getEntry()).hasSize(1);
	}

	@Test
	void twoHospitalsRegisteringOnePersonAtTheSameMomentOnTwoInstancesGetTwoRecordsOfOnePerson() throws Exception {
		FhirHttp hospitalAOnFirst = instanceA.fhir().as(org.onetrip.server.TestTokens.hospital("hospital-a", "user/*.cruds"));
		FhirHttp hospitalBOnSecond = instanceB.fhir().as(org.onetrip.server.TestTokens.hospital("hospital-b", "user/*.cruds"));
		for (int i = 0; i < 10; i++) {
			int person = i;
			String citizenId = "3304021999121" + (20000 + person);
			List<Callable<Integer>> registrations = List.of(
					() -> hospitalAOnFirst.post("/Patient", hospitalAOnFirst.json(registration(citizenId, "urn:onetrip:mrn:hospital-a", "PG-A" + person)),
							Map.of("If-None-Exist", "identifier=urn:onetrip:citizen-id|" + citizenId)).status(),
					() -> hospitalBOnSecond.post("/Patient", hospitalBOnSecond.json(registration(citizenId, "urn:onetrip:mrn:hospital-b", "PG-B" + person)),
							Map.of("If-None-Exist", "identifier=urn:onetrip:citizen-id|" + citizenId)).status());

			assertThat(org.onetrip.server.AtOnce.run(registrations)).as("each hospital gets its own record").containsExactly(201, 201);

			List<String> records = instanceA.fhir().get("/Patient?identifier=urn:onetrip:citizen-id|" + citizenId).bundle().getEntry()
					.stream().map(e -> e.getResource().getIdElement().getIdPart()).toList();
			assertThat(records).hasSize(2);
			org.hl7.fhir.r4.model.Parameters pix = instanceB.fhir().get("/Patient/$ihe-pix?sourceIdentifier=urn:onetrip:mrn:hospital-a|PG-A"
					+ person).as(org.hl7.fhir.r4.model.Parameters.class);
			assertThat(pix.getParameter()).as("linked, whichever committed first").filteredOn(p -> "targetId".equals(p.getName()))
					.extracting(p -> ((Reference) p.getValue()).getReferenceElement().getIdPart()).containsExactlyInAnyOrderElementsOf(records);
		}
	}

	private static Patient registration(String citizenId, String mrnSystem, String mrn) {
		Patient patient = new Patient();
		patient.addIdentifier().setSystem("urn:onetrip:citizen-id").setValue(citizenId);
		patient.addIdentifier().setSystem(mrnSystem).setValue(mrn);
		patient.addName().setFamily("Racer");
		return patient;
	}

	@Test
	void plainCreatesOnTwoInstancesLetExactlyOneWin() throws Exception {
		String citizenId = "330402199912120058";
		List<Integer> statuses = race(citizenId, false);
		assertThat(statuses).filteredOn(s -> s == 201).hasSize(1);
		assertThat(statuses).filteredOn(s -> s != 201).allMatch(s -> s == 409);
		assertThat(instanceB.fhir().get("/Patient?identifier=urn:onetrip:citizen-id|" + citizenId).bundle().getEntry()).hasSize(1);
	}

	@Test
	void aReportStoredThroughOneInstanceIsAPriorExamForADoctorOnTheOther() {
		Patient patient = new Patient();
		patient.addIdentifier().setSystem("urn:onetrip:citizen-id").setValue("330402199912120074");
		String id = instanceA.fhir().post("/Patient", patient).as(Patient.class).getIdElement().getIdPart();
		DiagnosticReport report = new DiagnosticReport();
		report.setStatus(DiagnosticReport.DiagnosticReportStatus.FINAL);
		report.setCode(new CodeableConcept(new Coding("urn:onetrip:exam-code:hospital-b", "RAD1010", null)));
		report.setSubject(new Reference("Patient/" + id));
		report.setEffective(new DateTimeType(Date.from(Instant.now().minus(5, ChronoUnit.DAYS))));
		assertThat(instanceA.fhir().post("/DiagnosticReport", report).status()).isEqualTo(201);

		ServiceRequest order = new ServiceRequest();
		order.setStatus(ServiceRequest.ServiceRequestStatus.DRAFT);
		order.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
		order.setCode(new CodeableConcept(new Coding("http://loinc.org", "30799-1", null))); // CT head plain
		order.setSubject(new Reference("Patient/" + id));
		Parameters in = new Parameters();
		in.addParameter().setName("request").setResource(order);
		String answer = instanceB.fhir().post("/ServiceRequest/$duplicate-check", in).body();
		assertThat(answer).contains("\"valueCode\":\"duplicate\"").contains("CT Head");
	}

	@Test
	void bookingsThroughTwoInstancesAtOnceNeverExceedTheSlotsCapacity() throws Exception {
		String slot = BookingRace.slot(instanceA.fhir(), 4, java.time.Duration.ofDays(1));
		List<Integer> statuses = BookingRace.run(List.of(instanceA.fhir(), instanceB.fhir()), slot, 24);
		assertThat(statuses).filteredOn(s -> s == 201).hasSize(4);
		assertThat(statuses).filteredOn(s -> s != 201).allMatch(s -> s == 409);
		assertThat(instanceB.fhir().get("/Appointment?slot=Slot/" + slot).bundle().getEntry()).hasSize(4);
	}

	@Test
	void twoInstancesReportTheSameAppointmentFigures() throws Exception {
		String from = java.time.Instant.now().minusMillis(1).toString();
		String slotId = BookingRace.slot(instanceA.fhir(), 2, java.time.Duration.ofDays(2));
		BookingRace.run(List.of(instanceA.fhir(), instanceB.fhir()), slotId, 6);
		String to = java.time.Instant.now().plusSeconds(1).toString();
		String query = "/$appointment-statistics?start=" + from + "&end=" + to;

		String onA = instanceA.fhir().get(query).body();
		String onB = instanceB.fhir().get(query).body();

		assertThat(onA).isEqualTo(onB);
		org.hl7.fhir.r4.model.Parameters figures = instanceA.fhir().get(query).as(org.hl7.fhir.r4.model.Parameters.class);
		assertThat(figures.getParameter()).filteredOn(p -> "attempted".equals(p.getName())).singleElement()
				.satisfies(p -> assertThat(p.getValue().primitiveValue()).isEqualTo("6"));
		assertThat(figures.getParameter()).filteredOn(p -> "booked".equals(p.getName())).singleElement()
				.satisfies(p -> assertThat(p.getValue().primitiveValue()).isEqualTo("2"));
	}

	@Test
	void twoDesksOnTwoInstancesBookingOneReferralGetOneAppointment() throws Exception {
		FhirHttp a = instanceA.fhir();
		Patient patient = new Patient();
		patient.addName().setFamily("Referred");
		String patientId = a.post("/Patient", patient).as(Patient.class).getIdElement().getIdPart();
		ServiceRequest referral = new ServiceRequest();
		referral.setStatus(ServiceRequest.ServiceRequestStatus.ACTIVE);
		referral.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
		referral.setSubject(new Reference("Patient/" + patientId));
		referral.setRequester(new Reference("Organization/clinic-c"));
		referral.addPerformer(new Reference("Organization/hospital-a"));
		String referralId = a.post("/ServiceRequest", referral).as(ServiceRequest.class).getIdElement().getIdPart();
		Task task = instanceB.fhir().get("/Task?focus=ServiceRequest/" + referralId).bundle().getEntry().stream()
				.map(e -> (Task) e.getResource()).findFirst().orElseThrow();
		assertThat(instanceB.fhir().put("/Task/" + task.getIdElement().getIdPart(), task.setStatus(Task.TaskStatus.ACCEPTED)).status())
				.isEqualTo(200);

		List<Callable<Integer>> desks = new ArrayList<>();
		for (int i = 0; i < 8; i++) {
			FhirHttp desk = i % 2 == 0 ? instanceA.fhir() : instanceB.fhir();
			String slot = BookingRace.slot(a, 2, java.time.Duration.ofDays(1));
			desks.add(() -> desk.post("/Appointment", BookingRace.booked(slot).addBasedOn(new Reference("ServiceRequest/" + referralId))).status());
		}
		List<Integer> statuses = org.onetrip.server.AtOnce.run(desks);
		assertThat(statuses).filteredOn(s -> s == 201).hasSize(1);
		assertThat(statuses).filteredOn(s -> s != 201).allMatch(s -> s == 409);
	}

	@Test
	void arrivalsOnTwoInstancesAtOnceChargeOneRegistrationFee() throws Exception {
		FhirHttp a = instanceA.fhir();
		Patient patient = new Patient();
		patient.addName().setFamily("Arriving");
		String patientId = a.post("/Patient", patient).as(Patient.class).getIdElement().getIdPart();
		java.time.LocalDate day = java.time.LocalDate.now().minusDays(3);
		List<Callable<Integer>> desks = new ArrayList<>();
		for (int i = 0; i < 8; i++) {
			Appointment booked = a.post("/Appointment", visitBooked(patientId, day)).as(Appointment.class);
			FhirHttp desk = i % 2 == 0 ? instanceA.fhir() : instanceB.fhir();
			desks.add(() -> desk.put("/Appointment/" + booked.getIdElement().getIdPart(),
					booked.copy().setStatus(Appointment.AppointmentStatus.ARRIVED)).status());
		}
		assertThat(org.onetrip.server.AtOnce.run(desks)).allMatch(s -> s == 200);
		assertThat(instanceB.fhir().get("/ChargeItem?subject=Patient/" + patientId).bundle().getEntry()).hasSize(1);
		assertThat(instanceB.fhir().get("/Encounter?subject=Patient/" + patientId).bundle().getEntry()).hasSize(8);
	}

	@Test
	void aYearsDeductibleUsedAtTwoHospitalsThroughTwoInstancesAtOnceIsCountedOnceAndTheVisitSettledOnce() throws Exception {
		String citizenId = "330402199912129" + (System.nanoTime() % 1000);
		FhirHttp a = instanceA.fhir();
		String atA = a.post("/Patient", registration(citizenId, "urn:onetrip:mrn:hospital-a", "PAY-A")).as(Patient.class).getIdElement().getIdPart();
		String atB = instanceB.fhir().post("/Patient", registration(citizenId, "urn:onetrip:mrn:hospital-b", "PAY-B")).as(Patient.class)
				.getIdElement().getIdPart();
		org.hl7.fhir.r4.model.Coverage coverage = new org.hl7.fhir.r4.model.Coverage()
				.setStatus(org.hl7.fhir.r4.model.Coverage.CoverageStatus.ACTIVE).setBeneficiary(new Reference("Patient/" + atA));
		coverage.addPayor(new Reference().setDisplay("Provincial Medical Insurance Bureau"));
		coverage.addClass_().setType(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/coverage-class", "plan", null)))
				.setValue("urban-employee");
		assertThat(a.post("/Coverage", coverage).status()).isEqualTo(201);
		List<Callable<Integer>> exams = new ArrayList<>();
		for (int i = 0; i < 8; i++) {
			boolean first = i % 2 == 0;
			FhirHttp via = first ? instanceA.fhir() : instanceB.fhir();
			String patient = first ? atA : atB;
			String hospital = first ? "hospital-a" : "hospital-b";
			exams.add(() -> via.post("/ServiceRequest", completedCtHead(patient, hospital)).status());
		}
		assertThat(org.onetrip.server.AtOnce.run(exams)).containsOnly(201);
		java.math.BigDecimal deductible = java.math.BigDecimal.ZERO;
		for (String patient : List.of(atA, atB)) {
			for (var entry : instanceB.fhir().get("/ClaimResponse?patient=Patient/" + patient + "&_count=50").bundle().getEntry()) {
				deductible = deductible.add(((org.hl7.fhir.r4.model.ClaimResponse) entry.getResource()).getItemFirstRep().getAdjudication()
						.stream().filter(x -> "deductible".equals(x.getCategory().getCodingFirstRep().getCode())).findFirst().orElseThrow()
						.getAmount().getValue());
			}
		}
		assertThat(deductible).as("one deductible (100.00) for the person, whichever instance and hospital").isEqualByComparingTo("100.00");

		String account = instanceA.fhir().get("/Account?subject=Patient/" + atA).bundle().getEntryFirstRep().getResource()
				.getIdElement().getIdPart();
		List<Callable<Integer>> kiosks = new ArrayList<>();
		for (int i = 0; i < 6; i++) {
			FhirHttp via = i % 2 == 0 ? instanceA.fhir() : instanceB.fhir();
			kiosks.add(() -> via.post("/Account/" + account + "/$settle", new org.hl7.fhir.r4.model.Parameters()).status());
		}
		assertThat(org.onetrip.server.AtOnce.run(kiosks)).containsOnly(200);
		assertThat(instanceA.fhir().get("/Invoice?account=Account/" + account).bundle().getEntry()).as("one settlement").hasSize(1);
	}

	private static org.hl7.fhir.r4.model.ServiceRequest completedCtHead(String patient, String hospital) {
		org.hl7.fhir.r4.model.ServiceRequest request = new org.hl7.fhir.r4.model.ServiceRequest()
				.setStatus(org.hl7.fhir.r4.model.ServiceRequest.ServiceRequestStatus.COMPLETED)
				.setIntent(org.hl7.fhir.r4.model.ServiceRequest.ServiceRequestIntent.ORDER)
				.setCode(new CodeableConcept(new Coding("http://loinc.org", "24725-4", "CT Head"))).setSubject(new Reference("Patient/" + patient));
		request.addPerformer(new Reference("Organization/" + hospital));
		return request;
	}

	@Test
	void aStudyStoredThroughOneInstanceIsFoundAndRetrievedThroughTheOther() throws Exception {
		String mrn = "PG-" + System.nanoTime() % 1_000_000;
		TestInstances.Study study = TestInstances.Study.ct(mrn);
		List<java.nio.file.Path> files = TestInstances.study(study, 1, 2);
		List<String> storescu = new ArrayList<>(List.of("storescu", "-aet", "HOSP_B", "-aec", "ONETRIP", "127.0.0.1",
				Integer.toString(instanceA.dicomPort())));
		files.forEach(f -> storescu.add(f.toString()));
		ProcessBuilder store = new ProcessBuilder(storescu).redirectErrorStream(true);
		store.environment().put("TCP_NODELAY", "1");
		Process process = store.start();
		String output = new String(process.getInputStream().readAllBytes());
		assertThat(process.waitFor()).as(output).isZero();

		java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
		String onB = "http://127.0.0.1:" + instanceB.httpPort() + "/dicomweb/studies";
		var found = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(onB + "?PatientID=" + mrn))
						.header("Authorization", "Bearer " + org.onetrip.server.TestTokens.region())
						.header("X-OneTrip-Hospital", "hospital-b").build(), java.net.http.HttpResponse.BodyHandlers.ofString());
		assertThat(found.statusCode()).as(found.body()).isEqualTo(200);
		assertThat(found.body()).as("QIDO-RS on the other instance").contains(study.studyUid());
		var retrieved = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(onB + "/" + study.studyUid()))
						.header("Authorization", "Bearer " + org.onetrip.server.TestTokens.region())
						.header("Accept", "multipart/related; type=\"application/dicom\"; transfer-syntax=*").build(),
				java.net.http.HttpResponse.BodyHandlers.ofByteArray());
		assertThat(retrieved.statusCode()).as("WADO-RS from the other instance (files on the shared data directory)").isEqualTo(200);
		assertThat(TestInstances.awaitImagingStudy(instanceB.fhir(), study.studyUid(), 2).getNumberOfInstances())
				.isEqualTo(2);
	}

	@Test
	void studiesOfOneNewPatientIdReceivedByTwoInstancesAtOnceShareOnePatient() throws Exception {
		// An issuer outside the region: no person-ledger key; the sync's lock per PatientID and HAPI's unique
		// conditional-create URL keep it to one Patient.
		String issuer = "PACS-ELSEWHERE";
		List<String[]> sent = new ArrayList<>();
		for (int round = 0; round < 6; round++) {
			String patientId = "TWO" + System.nanoTime();
			TestInstances.Study onA = TestInstances.Study.ct(patientId).withIssuer(issuer);
			TestInstances.Study onB = TestInstances.Study.ct(patientId).withIssuer(issuer);
			Path fileA = TestInstances.study(onA, 1, 1).get(0);
			Path fileB = TestInstances.study(onB, 1, 1).get(0);

			assertThat(org.onetrip.server.AtOnce.run(List.of(() -> storescu(instanceA.dicomPort(), fileA), () -> storescu(instanceB.dicomPort(), fileB))))
					.containsExactly(0, 0);
			sent.add(new String[] {patientId, onA.studyUid(), onB.studyUid()});
		}

		for (String[] round : sent) {
			String subjectA = TestInstances.awaitImagingStudy(instanceA.fhir(), round[1], 1)
					.getSubject().getReference();
			String subjectB = TestInstances.awaitImagingStudy(instanceA.fhir(), round[2], 1)
					.getSubject().getReference();
			assertThat(instanceA.fhir().get("/Patient?identifier=urn:onetrip:dicom-issuer:" + issuer + "|" + round[0])
					.bundle().getEntry()).as("Patients of " + round[0]).hasSize(1);
			assertThat(subjectA).isEqualTo(subjectB);
		}
	}

	/** dcmtk's storescu from hospital B's AE; its exit status. */
	private static int storescu(int port, Path file) throws Exception {
		Process process = new ProcessBuilder("storescu", "-aet", "HOSP_B", "-aec", "ONETRIP", "127.0.0.1",
				Integer.toString(port), file.toString()).redirectErrorStream(true).start();
		process.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
		return process.waitFor();
	}


	/** A visit booked at hospital A's internal medicine for hypertension, slot-less, on {@code day}. */
	private static Appointment visitBooked(String patientId, java.time.LocalDate day) {
		Appointment appointment = new Appointment();
		appointment.setStatus(Appointment.AppointmentStatus.BOOKED);
		Date start = Date.from(day.atTime(10, 0).atZone(java.time.ZoneId.of("Asia/Shanghai")).toInstant());
		appointment.setStart(start).setEnd(new Date(start.getTime() + 1_800_000));
		appointment.addReasonCode(new CodeableConcept(new Coding("http://hl7.org/fhir/sid/icd-10", "I10", null)));
		appointment.addParticipant().setActor(new Reference("Patient/" + patientId)).setStatus(Appointment.ParticipationStatus.ACCEPTED);
		appointment.addParticipant().setActor(new Reference("HealthcareService/hospital-a-internal-medicine"))
				.setStatus(Appointment.ParticipationStatus.ACCEPTED);
		return appointment;
	}

	private static List<Integer> race(String citizenId, boolean conditional) throws Exception {
		return RegistrationRace.run(List.of(instanceA.fhir(), instanceB.fhir()), citizenId, 8, conditional);
	}
}
