package org.onetrip.server.consultation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Slot;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Subscription;
import org.hl7.fhir.r4.model.Task;
import org.hl7.fhir.r4.model.UrlType;
import org.junit.jupiter.api.Test;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.ServerTest;
import org.onetrip.server.TestTokens;
import org.onetrip.server.dicom.TestInstances;
import org.onetrip.server.subscription.ActiveSubscriptions;
import org.onetrip.server.subscription.HookReceiver;
import org.onetrip.server.subscription.Topic;
import org.springframework.beans.factory.annotation.Autowired;
import org.onetrip.server.scheduling.AppointmentLedgerGuard;
import org.onetrip.server.scheduling.BookingRace;
import org.onetrip.workflow.consultation.ConsultationMode;

/**
 * Remote consultation over HTTP, as hospitals' systems and practitioners' own sign-ins do it: asked, accepted, booked,
 * the record opened to the consultant for the consult only, questions and answers, the opinion, the close, the figures.
 */
class ConsultationTest extends ServerTest {

	private static final String ZHAO = "imaging-d-zhao-qiang";

	@Autowired
	ActiveSubscriptions active;

	@Test
	void anAsynchronousConsultOpensTheRecordToTheConsultantWhoTookItUntilItCloses() throws Exception {
		String mrn = unique("MRN");
		String patient = patientAt("clinic-c", mrn);
		String priorReport = reportAt("clinic-c", patient);
		// The clinic's CT of the patient, sent to the region as its PACS would: the consultant's images.
		TestInstances.Study ct = TestInstances.Study.ct(mrn);
		TestInstances.stow("http://127.0.0.1:" + port, "clinic-c", TestInstances.study(ct, 1, 2));
		TestInstances.awaitImagingStudy(fhir, ct.studyUid(), 2);
		String images = "http://127.0.0.1:" + port + "/dicomweb/studies/" + ct.studyUid() + "/metadata";
		FhirHttp clinic = hospital("clinic-c");
		FhirHttp zhao = practitioner("imaging-d", ZHAO);
		FhirHttp colleague = practitioner("imaging-d", "imaging-d-wu-xia");
		assertThat(zhao.get("/DiagnosticReport/" + priorReport).status()).as("no part in the person's care yet").isEqualTo(403);
		assertThat(zhao.get(images, "application/dicom+json").status()).as("nor the images").isEqualTo(403);
		String qido = "http://127.0.0.1:" + port + "/dicomweb/studies?PatientID=";
		assertThat(zhao.get(qido, "application/dicom+json").status()).as("a search by no one lists the region").isEqualTo(403);
		assertThat(zhao.get(qido + "*", "application/dicom+json").status()).as("nor by a wildcard").isEqualTo(403);
		assertThat(zhao.get(qido + mrn + "&IssuerOfPatientID=clinic-c", "application/dicom+json").status())
				.as("nor under another hospital's issuer").isEqualTo(403);

		ServiceRequest request = consult(patient, "PractitionerRole/clinic-c-xu-jing-role", ConsultationMode.ASYNCHRONOUS,
				"PractitionerRole/" + ZHAO + "-role");
		request.addSupportingInfo(new Reference("DiagnosticReport/" + priorReport));
		FhirHttp.Response asked = clinic.post("/ServiceRequest", request);
		assertThat(asked.status()).as(asked.toString()).isEqualTo(201);
		String consult = asked.as(ServiceRequest.class).getIdElement().getIdPart();
		Task task = single(tasksOf(consult));
		assertThat(task.getStatus()).isEqualTo(Task.TaskStatus.REQUESTED);
		assertThat(task.getOwner().getReference()).isEqualTo("PractitionerRole/" + ZHAO + "-role");
		assertThat(zhao.get("/DiagnosticReport/" + priorReport).status()).as("asked, not accepted").isEqualTo(403);

		assertThat(colleague.put("/Task/" + task.getIdElement().getIdPart(), accepted(task)).status()).as("a colleague").isEqualTo(403);
		assertThat(clinic.put("/Task/" + task.getIdElement().getIdPart(), accepted(task)).status()).as("the requester").isEqualTo(403);
		// The clinic's system waits for the opinion: a subscription to the consultation-opinion topic, at a real receiver.
		HookReceiver receiver = new HookReceiver();
		String subscription = subscribeToOpinions(receiver, patient);
		FhirHttp.Response took = zhao.put("/Task/" + task.getIdElement().getIdPart(), accepted(task));
		assertThat(took.status()).as(took.toString()).isEqualTo(200);

		FhirHttp.Response read = zhao.get("/DiagnosticReport/" + priorReport);
		assertThat(read.status()).as("the consult opens the record").isEqualTo(200);
		assertThat(zhao.get("/DiagnosticReport?patient=Patient/" + patient).bundle().getEntry()).hasSize(1);
		AuditEvent consultAccess = awaitAudit("entity=ServiceRequest/" + consult + "&action=R&outcome=0");
		assertThat(consultAccess.getPurposeOfEventFirstRep().getCoding())
				.anyMatch(c -> "urn:onetrip:access-basis".equals(c.getSystem()) && "consultation".equals(c.getCode()));
		assertThat(consultAccess.getEntity()).anyMatch(e -> ("DiagnosticReport/" + priorReport).equals(e.getWhat().getReference()));
		assertThat(zhao.get(images, "application/dicom+json").status()).as("the images through DICOMweb").isEqualTo(200);
		assertThat(colleague.get("/DiagnosticReport/" + priorReport).status()).as("nobody else gains anything").isEqualTo(403);
		assertThat(colleague.get(images, "application/dicom+json").status()).isEqualTo(403);
		assertThat(colleague.get("/DiagnosticReport?patient=Patient/" + patient).bundle().getEntry()).isEmpty();

		assertThat(zhao.post("/Communication", message(consult, patient, "PractitionerRole/" + ZHAO + "-role",
				"Is there a prior CT of the chest?")).status()).isEqualTo(201);
		assertThat(colleague.post("/Communication", message(consult, patient, "PractitionerRole/imaging-d-wu-xia-role", "May I?"))
				.status()).as("not on the consult").isEqualTo(403);
		assertThat(clinic.post("/Communication", message(consult, patient, "PractitionerRole/clinic-c-xu-jing-role",
				"Only the one attached.")).status()).isEqualTo(201);
		assertThat(fhir.get("/Communication?based-on=ServiceRequest/" + consult).bundle().getEntry()).hasSize(2);

		DiagnosticReport opinion = opinion(consult, patient, "PractitionerRole/imaging-d-wu-xia-role");
		assertThat(colleague.post("/DiagnosticReport", opinion).status()).as("only who took it answers").isEqualTo(403);
		FhirHttp.Response answered = zhao.post("/DiagnosticReport", opinion(consult, patient, "PractitionerRole/" + ZHAO + "-role"));
		assertThat(answered.status()).as(answered.toString()).isEqualTo(201);
		DiagnosticReport stored = answered.as(DiagnosticReport.class);
		assertThat(stored.getCategory()).as("marked as an opinion").anyMatch(c -> c.getCoding().stream()
				.anyMatch(x -> "11429006".equals(x.getCode())));
		Task done = single(tasksOf(consult));
		assertThat(done.getStatus()).isEqualTo(Task.TaskStatus.COMPLETED);
		assertThat(done.getOutput()).anyMatch(o -> ("DiagnosticReport/" + stored.getIdElement().getIdPart())
				.equals(((Reference) o.getValue()).getReference()));
		assertThat(clinic.get("/DiagnosticReport?based-on=ServiceRequest/" + consult).bundle().getEntry())
				.as("the requester reads the opinion").hasSize(1);
		try (receiver) {
			HookReceiver.Received notified = receiver.next(Duration.ofSeconds(15));
			assertThat(notified).as("the requesting hospital is notified").isNotNull();
			Bundle notification = fhirContext.newJsonParser().parseResource(Bundle.class, notified.body());
			assertThat(((Parameters) notification.getEntryFirstRep().getResource()).getParameter("topic").getValue().primitiveValue())
					.isEqualTo(Topic.CONSULTATION_OPINION.url());
			assertThat(notification.getEntry().get(1).getResource().getIdElement().getIdPart()).isEqualTo(stored.getIdElement().getIdPart());
			assertThat(receiver.next(Duration.ofSeconds(1))).as("the prior report and the messages are no opinion").isNull();
		}
		assertThat(fhir.delete("/Subscription/" + subscription).status()).isIn(200, 204);

		ServiceRequest closing = clinic.get("/ServiceRequest/" + consult).as(ServiceRequest.class)
				.setStatus(ServiceRequest.ServiceRequestStatus.COMPLETED);
		assertThat(clinic.put("/ServiceRequest/" + consult, closing).status()).isEqualTo(200);
		FhirHttp.Response afterwards = zhao.get("/DiagnosticReport/" + priorReport);
		assertThat(afterwards.status()).as("the access ended with the consult").isEqualTo(403);
		assertThat(afterwards.body()).contains("no part in this person's care");
		assertThat(zhao.get(images, "application/dicom+json").status()).isEqualTo(403);
		awaitAudit("entity=DiagnosticReport/" + priorReport + "&outcome=4");
		assertThat(zhao.get("/DiagnosticReport/" + stored.getIdElement().getIdPart()).status()).as("their own opinion stays theirs")
				.isEqualTo(200);
		FhirHttp.Response late = zhao.post("/Communication", message(consult, patient, "PractitionerRole/" + ZHAO + "-role", "One more"));
		assertThat(late.status()).as("closed").isEqualTo(409);

		Parameters figures = fhir.get("/$consultation-statistics").as(Parameters.class);
		Parameters.ParametersParameterComponent pair = figures.getParameter().stream()
				.filter(p -> "group".equals(p.getName()) && part(p, "requesting-hospital").equals("clinic-c")
						&& part(p, "consulting-hospital").equals("imaging-d"))
				.findFirst().orElseThrow();
		assertThat(part(pair, "requesting-level")).isEqualTo("primary");
		assertThat(Integer.parseInt(part(pair, "completed"))).isPositive();
		assertThat(part(pair, "turnaround-p50-minutes")).isNotEmpty();
	}

	@Test
	void aSynchronousConsultIsTakenByADepartmentsSpecialistAndBookedOnAConsultationSlotWithItsJoinLink() {
		String patient = patientAt("hospital-b");
		FhirHttp hospitalB = hospital("hospital-b");
		FhirHttp hospitalA = hospital("hospital-a");
		FhirHttp liNa = practitioner("hospital-a", "hospital-a-li-na");
		String consult = hospitalB.post("/ServiceRequest", consult(patient, "PractitionerRole/hospital-b-liu-yang-role",
				ConsultationMode.SYNCHRONOUS, "HealthcareService/hospital-a-cardiology")).as(ServiceRequest.class).getIdElement().getIdPart();
		Task task = single(tasksOf(consult));
		assertThat(task.getOwner().getReference()).isEqualTo("HealthcareService/hospital-a-cardiology");
		assertThat(fhir.get("/Appointment/$find?consultation=ServiceRequest/" + consult).status()).as("nobody took it yet").isEqualTo(409);

		FhirHttp.Response nobodyNamed = hospitalA.put("/Task/" + task.getIdElement().getIdPart(), accepted(task));
		assertThat(nobodyNamed.status()).isEqualTo(422);
		assertThat(nobodyNamed.body()).contains("names who takes it");
		FhirHttp.Response forAColleague = liNa.put("/Task/" + task.getIdElement().getIdPart(),
				accepted(task).setOwner(new Reference("PractitionerRole/hospital-a-zhang-min-role")));
		assertThat(forAColleague.status()).as("a practitioner accepts for themselves").isEqualTo(403);
		Task byLiNa = accepted(task).setOwner(new Reference("PractitionerRole/hospital-a-li-na-role"));
		assertThat(hospitalA.put("/Task/" + task.getIdElement().getIdPart(), byLiNa).status()).isEqualTo(200);

		Bundle times = fhir.get("/Appointment/$find?consultation=ServiceRequest/" + consult).bundle();
		assertThat(times.getEntry()).as("the cardiology department's consultation slots").isNotEmpty();
		Appointment proposed = (Appointment) times.getEntryFirstRep().getResource();
		assertThat(times.getEntry()).allMatch(e -> ((Appointment) e.getResource()).getSlotFirstRep().getReference()
				.startsWith("Slot/consultation-hospital-a-cardiology-"));
		assertThat(proposed.getBasedOnFirstRep().getReference()).isEqualTo("ServiceRequest/" + consult);
		assertThat(proposed.getParticipant()).anyMatch(p -> "Practitioner/hospital-a-li-na".equals(p.getActor().getReference()));
		assertThat(fhir.get("/Appointment/$find?service=HealthcareService/hospital-a-cardiology&_count=500").bundle().getEntry())
				.as("visits are never offered consultation slots").noneMatch(e -> ((Appointment) e.getResource())
						.getSlotFirstRep().getReference().startsWith("Slot/consultation-"));

		Appointment meeting = meeting(proposed, patient);
		meeting.getExtension().removeIf(e -> ConsultationWorkflow.VIRTUAL_SERVICE.equals(e.getUrl()));
		FhirHttp.Response noLink = hospitalB.post("/Appointment", meeting);
		assertThat(noLink.status()).isEqualTo(422);
		assertThat(noLink.body()).contains("join link");
		Appointment visitThere = meeting(proposed, patient);
		visitThere.getBasedOn().clear();
		assertThat(hospitalB.post("/Appointment", visitThere).status()).as("a consultation slot takes consults only").isEqualTo(422);
		Appointment onAVisitSlot = meeting(proposed, patient);
		onAVisitSlot.getSlot().clear();
		onAVisitSlot.addSlot(new Reference("Slot/" + BookingRace.slot(fhir, 3, java.time.Duration.ofDays(2))));
		assertThat(hospitalB.post("/Appointment", onAVisitSlot).status()).as("a consult on a visit slot").isEqualTo(422);

		Appointment elsewhere = meeting(proposed, patient);
		elsewhere.getSlot().clear();
		// one that has not started and has room, so that only the department can be what refuses it
		String imagingSlot = fhir.get("/Slot?schedule=Schedule/schedule-consultation-imaging-d-radiology&status=free&start=gt"
				+ java.time.Instant.now().plus(java.time.Duration.ofDays(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + "&_sort=start&_count=1").bundle()
				.getEntryFirstRep().getResource().getIdElement().getIdPart();
		elsewhere.addSlot(new Reference("Slot/" + imagingSlot));
		assertThat(hospitalB.post("/Appointment", elsewhere).status()).as("another department's consultation slot").isEqualTo(422);

		FhirHttp.Response booked = hospitalB.post("/Appointment", meeting(proposed, patient));
		assertThat(booked.status()).as(booked.toString()).isEqualTo(201);
		assertThat(ConsultationWorkflow.joinLink(booked.as(Appointment.class))).isEqualTo("https://video.hospital-b.example/rooms/" + consult);
		assertThat(fhir.get("/Appointment/$find?consultation=ServiceRequest/" + consult).bundle().getEntry())
				.as("the booked time is taken").noneMatch(e -> ((Appointment) e.getResource()).getStart().equals(proposed.getStart()));

		assertThat(liNa.get("/Patient/" + patient).status()).as("the consultant reads the patient's record").isEqualTo(200);
		Appointment held = booked.as(Appointment.class).setStatus(Appointment.AppointmentStatus.FULFILLED);
		assertThat(hospitalB.put("/Appointment/" + held.getIdElement().getIdPart(), held).status()).isEqualTo(200);
		assertThat(fhir.getFresh("/Encounter?patient=Patient/" + patient).bundle().getEntry())
				.as("the meeting is no visit at the consulting hospital: nothing registered or charged").isEmpty();
		ServiceRequest closedByTheConsultant = hospitalB.get("/ServiceRequest/" + consult).as(ServiceRequest.class)
				.setStatus(ServiceRequest.ServiceRequestStatus.COMPLETED);
		assertThat(hospitalA.put("/ServiceRequest/" + consult, closedByTheConsultant).status()).as("only the requester closes")
				.isEqualTo(403);
		ServiceRequest revoked = hospitalB.get("/ServiceRequest/" + consult).as(ServiceRequest.class)
				.setStatus(ServiceRequest.ServiceRequestStatus.REVOKED);
		assertThat(hospitalB.put("/ServiceRequest/" + consult, revoked).status()).isEqualTo(200);
		assertThat(liNa.get("/Patient/" + patient).status()).as("withdrawn: access gone").isEqualTo(403);
		assertThat(single(tasksOf(consult)).getStatus()).as("a consult that closes without an opinion").isEqualTo(Task.TaskStatus.CANCELLED);
	}

	@Test
	void aMultidisciplinaryConsultOfThreeHospitalsFindsTimesWhenEveryoneWhoAcceptedIsFree() {
		String patient = patientAt("clinic-c");
		FhirHttp clinic = hospital("clinic-c");
		String consult = clinic.post("/ServiceRequest", consult(patient, "PractitionerRole/clinic-c-sun-hao-role", ConsultationMode.SYNCHRONOUS,
				"PractitionerRole/hospital-a-chen-wei-role", "PractitionerRole/hospital-b-wang-fang-role", "PractitionerRole/" + ZHAO + "-role"))
				.as(ServiceRequest.class).getIdElement().getIdPart();
		List<Task> tasks = tasksOf(consult);
		assertThat(tasks).hasSize(3);
		Task chens = ownedBy(tasks, "PractitionerRole/hospital-a-chen-wei-role");
		Task wangs = ownedBy(tasks, "PractitionerRole/hospital-b-wang-fang-role");
		Task zhaos = ownedBy(tasks, "PractitionerRole/" + ZHAO + "-role");
		assertThat(practitioner("hospital-a", "hospital-a-chen-wei").put("/Task/" + chens.getIdElement().getIdPart(), accepted(chens))
				.status()).isEqualTo(200);
		Task declining = accepted(wangs).setStatus(Task.TaskStatus.REJECTED);
		assertThat(hospital("hospital-b").put("/Task/" + wangs.getIdElement().getIdPart(), declining).status())
				.as("declining needs a reason").isEqualTo(422);
		declining.setStatusReason(new CodeableConcept().setText("On leave this week"));
		assertThat(hospital("hospital-b").put("/Task/" + wangs.getIdElement().getIdPart(), declining).status()).isEqualTo(200);
		assertThat(practitioner("imaging-d", ZHAO).put("/Task/" + zhaos.getIdElement().getIdPart(), accepted(zhaos)).status()).isEqualTo(200);

		Bundle times = fhir.get("/Appointment/$find?consultation=ServiceRequest/" + consult + "&_count=500").bundle();
		assertThat(times.getEntry()).isNotEmpty();
		assertThat(times.getEntry()).allSatisfy(e -> {
			Appointment proposal = (Appointment) e.getResource();
			assertThat(proposal.getSlotFirstRep().getReference()).matches("Slot/consultation-(hospital-a|imaging-d)-radiology-.*");
			assertThat(proposal.getParticipant()).extracting(p -> p.getActor().getReference())
					.contains("Practitioner/hospital-a-chen-wei", "Practitioner/" + ZHAO).doesNotContain("Practitioner/hospital-b-wang-fang");
		});

		// Dr Chen has a visit at the time of the first proposal: it is no longer a common time.
		Appointment first = (Appointment) times.getEntryFirstRep().getResource();
		Slot elsewhere = new Slot();
		elsewhere.setSchedule(new Reference("Schedule/schedule-hospital-a-radiology"));
		elsewhere.setStatus(Slot.SlotStatus.FREE).setStart(first.getStart()).setEnd(first.getEnd());
		elsewhere.addExtension(AppointmentLedgerGuard.EXT_CAPACITY, new IntegerType(5));
		String slot = fhir.post("/Slot", elsewhere).as(Slot.class).getIdElement().getIdPart();
		Appointment visit = BookingRace.booked(slot).setStart(first.getStart()).setEnd(first.getEnd());
		visit.addParticipant().setActor(new Reference("Practitioner/hospital-a-chen-wei")).setStatus(Appointment.ParticipationStatus.ACCEPTED);
		assertThat(fhir.post("/Appointment", visit).status()).isEqualTo(201);
		assertThat(fhir.get("/Appointment/$find?consultation=ServiceRequest/" + consult + "&_count=500").bundle().getEntry())
				.as("Dr Chen is busy then").noneMatch(e -> ((Appointment) e.getResource()).getStart().equals(first.getStart()))
				.hasSizeLessThan(times.getEntry().size());
		// The time $find offered before Dr Chen's visit was booked: taken meanwhile, so the consult cannot have it.
		FhirHttp.Response meanwhile = clinic.post("/Appointment", meeting(first, patient));
		assertThat(meanwhile.status()).isEqualTo(409);
		assertThat(meanwhile.body()).contains("Practitioner/hospital-a-chen-wei is booked then");
	}

	@Test
	void badConsultsAreRefusedWithAClearReasonAndChangeNothing() {
		String patient = patientAt("clinic-c");
		FhirHttp clinic = hospital("clinic-c");
		Organization outside = new Organization().setName("A hospital of another province");
		String outsideId = fhir.post("/Organization", outside).as(Organization.class).getIdElement().getIdPart();

		FhirHttp.Response elsewhere = clinic.post("/ServiceRequest", consult(patient, "Organization/clinic-c", ConsultationMode.ASYNCHRONOUS,
				"Organization/" + outsideId));
		assertThat(elsewhere.status()).isEqualTo(422);
		assertThat(elsewhere.body()).contains("not a hospital of the region");
		FhirHttp.Response notTheirs = clinic.post("/ServiceRequest", consult(patient, "Organization/clinic-c", ConsultationMode.ASYNCHRONOUS,
				"Organization/hospital-a", "Practitioner/hospital-b-wang-fang"));
		assertThat(notTheirs.status()).isEqualTo(422);
		assertThat(notTheirs.body()).contains("is not a practitioner of Provincial People's Hospital");
		FhirHttp.Response ownHospital = clinic.post("/ServiceRequest", consult(patient, "Organization/clinic-c", ConsultationMode.ASYNCHRONOUS,
				"PractitionerRole/clinic-c-sun-hao-role"));
		assertThat(ownHospital.status()).isEqualTo(422);
		assertThat(fhir.get("/ServiceRequest?subject=Patient/" + patient).bundle().getEntry()).as("nothing stored").isEmpty();
		assertThat(fhir.get("/Task?patient=Patient/" + patient).bundle().getEntry()).isEmpty();

		String consult = clinic.post("/ServiceRequest", consult(patient, "Organization/clinic-c", ConsultationMode.ASYNCHRONOUS,
				"PractitionerRole/" + ZHAO + "-role")).as(ServiceRequest.class).getIdElement().getIdPart();
		Task task = single(tasksOf(consult));
		FhirHttp.Response stranger = hospital("hospital-b").put("/Task/" + task.getIdElement().getIdPart(), accepted(task));
		assertThat(stranger.status()).as("answering a consult one is not on").isEqualTo(403);
		awaitAudit("entity=Task/" + task.getIdElement().getIdPart() + "&outcome=4");
		assertThat(single(tasksOf(consult)).getStatus()).isEqualTo(Task.TaskStatus.REQUESTED);
		FhirHttp.Response completedByHand = practitioner("imaging-d", ZHAO).put("/Task/" + task.getIdElement().getIdPart(),
				accepted(task).setStatus(Task.TaskStatus.COMPLETED));
		assertThat(completedByHand.status()).isEqualTo(422);
		assertThat(completedByHand.body()).contains("completed by the participant's opinion");
		assertThat(hospital("imaging-d").delete("/Task/" + task.getIdElement().getIdPart()).status()).as("a consult's Task is kept")
				.isEqualTo(409);
		assertThat(clinic.delete("/ServiceRequest/" + consult).status()).isEqualTo(409);

		FhirHttp.Response notInItsCare = hospital("hospital-b").post("/ServiceRequest", consult(patient, "Organization/hospital-b",
				ConsultationMode.ASYNCHRONOUS, "PractitionerRole/" + ZHAO + "-role"));
		assertThat(notInItsCare.status()).as("a consult about someone the hospital does not care for").isEqualTo(403);
		assertThat(notInItsCare.body()).contains("asks consults about people in its care");
	}

	// --- helpers ---------------------------------------------------------------------------------------

	/** Clinic C's system subscribes to opinions about its patient, and waits until this instance matches with it. */
	private String subscribeToOpinions(HookReceiver receiver, String patient) throws InterruptedException {
		Subscription subscription = new Subscription();
		subscription.setStatus(Subscription.SubscriptionStatus.REQUESTED);
		subscription.setReason("Consultation opinions for clinic C");
		subscription.setCriteria(Topic.CONSULTATION_OPINION.url());
		subscription.getMeta().addProfile("http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription");
		subscription.getCriteriaElement().addExtension(
				"http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-filter-criteria",
				new StringType("DiagnosticReport?patient=Patient/" + patient));
		subscription.getChannel().setType(Subscription.SubscriptionChannelType.RESTHOOK).setEndpoint(receiver.url("/opinions"))
				.setPayload("application/fhir+json");
		subscription.getChannel().getPayloadElement().addExtension(
				"http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content",
				new org.hl7.fhir.r4.model.CodeType("full-resource"));
		FhirHttp.Response created = fhir.as(TestTokens.mint("his-c", "clinic-c", "system/*.cruds", null)).post("/Subscription", subscription);
		assertThat(created.status()).as(created.toString()).isEqualTo(201);
		String id = created.as(Subscription.class).getIdElement().getIdPart();
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (active.of("DiagnosticReport").stream().noneMatch(a -> a.id().equals(id))) {
			assertThat(System.nanoTime()).as("subscription active within 10 s").isLessThan(deadline);
			Thread.sleep(20);
		}
		return id;
	}

	private FhirHttp hospital(String key) {
		return fhir.as(TestTokens.hospital(key, "user/*.cruds"));
	}

	private FhirHttp practitioner(String hospital, String practitionerId) {
		return fhir.as(TestTokens.practitioner(hospital, practitionerId, "user/*.cruds"));
	}

	private String patientAt(String hospital) {
		return patientAt(hospital, unique("MRN"));
	}

	private String patientAt(String hospital, String mrn) {
		Patient patient = new Patient();
		patient.addIdentifier().setSystem("urn:onetrip:mrn:" + hospital).setValue(mrn);
		patient.addName().setFamily(unique("Consulted")).addGiven("Mei");
		patient.setManagingOrganization(new Reference("Organization/" + hospital));
		FhirHttp.Response created = hospital(hospital).post("/Patient", patient);
		assertThat(created.status()).as(created.toString()).isEqualTo(201);
		return created.as(Patient.class).getIdElement().getIdPart();
	}

	private String reportAt(String hospital, String patient) {
		DiagnosticReport report = new DiagnosticReport();
		report.setStatus(DiagnosticReport.DiagnosticReportStatus.FINAL);
		report.setCode(new CodeableConcept(new Coding("http://loinc.org", "24627-2", "CT Chest")));
		report.setSubject(new Reference("Patient/" + patient));
		report.addPerformer(new Reference("Organization/" + hospital));
		report.setConclusion("A 9 mm nodule in the right upper lobe.");
		FhirHttp.Response created = hospital(hospital).post("/DiagnosticReport", report);
		assertThat(created.status()).as(created.toString()).isEqualTo(201);
		return created.as(DiagnosticReport.class).getIdElement().getIdPart();
	}

	private static ServiceRequest consult(String patient, String requester, ConsultationMode mode, String... performers) {
		ServiceRequest request = new ServiceRequest();
		request.setStatus(ServiceRequest.ServiceRequestStatus.ACTIVE);
		request.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
		request.addCategory(new CodeableConcept(ConsultationRequests.category()).addCoding(new Coding(ConsultationMode.SYSTEM, mode.code(), null)));
		request.setCode(new CodeableConcept().setText("Remote consultation"));
		request.setSubject(new Reference("Patient/" + patient));
		request.setRequester(new Reference(requester));
		for (String performer : performers) {
			request.addPerformer(new Reference(performer));
		}
		request.addReasonCode(new CodeableConcept().setText("Pulmonary nodule, management unclear"));
		request.addNote().setText("Follow up or biopsy?");
		request.setAuthoredOn(new Date());
		return request;
	}

	private List<Task> tasksOf(String consult) {
		return fhir.getFresh("/Task?focus=ServiceRequest/" + consult).bundle().getEntry().stream().map(e -> (Task) e.getResource()).toList();
	}

	private static Task single(List<Task> tasks) {
		assertThat(tasks).hasSize(1);
		return tasks.get(0);
	}

	private static Task ownedBy(List<Task> tasks, String owner) {
		return tasks.stream().filter(t -> owner.equals(t.getOwner().getReference())).findFirst().orElseThrow();
	}

	private static Task accepted(Task task) {
		Task copy = task.copy();
		copy.setStatus(Task.TaskStatus.ACCEPTED);
		return copy;
	}

	private static Communication message(String consult, String patient, String sender, String text) {
		Communication message = new Communication();
		message.setStatus(Communication.CommunicationStatus.COMPLETED);
		message.addBasedOn(new Reference("ServiceRequest/" + consult));
		message.setSubject(new Reference("Patient/" + patient));
		message.setSender(new Reference(sender));
		message.setSent(new Date());
		message.addPayload().setContent(new StringType(text));
		return message;
	}

	private static DiagnosticReport opinion(String consult, String patient, String performer) {
		DiagnosticReport opinion = new DiagnosticReport();
		opinion.setStatus(DiagnosticReport.DiagnosticReportStatus.FINAL);
		opinion.setCode(new CodeableConcept(new Coding("http://loinc.org", "11488-4", "Consult note")));
		opinion.setSubject(new Reference("Patient/" + patient));
		opinion.addBasedOn(new Reference("ServiceRequest/" + consult));
		opinion.addPerformer(new Reference(performer));
		opinion.setConclusion("Solid nodule, 9 mm: CT again in 3 months; biopsy if it grows.");
		return opinion;
	}

	private static Appointment meeting(Appointment proposed, String patient) {
		Appointment meeting = proposed.copy();
		meeting.setStatus(Appointment.AppointmentStatus.BOOKED);
		meeting.getExtension().clear();
		meeting.addParticipant().setActor(new Reference("Patient/" + patient)).setStatus(Appointment.ParticipationStatus.ACCEPTED);
		meeting.addParticipant().setActor(new Reference("Practitioner/hospital-b-liu-yang")).setStatus(Appointment.ParticipationStatus.ACCEPTED);
		String consult = proposed.getBasedOnFirstRep().getReferenceElement().getIdPart();
		Extension service = new Extension(ConsultationWorkflow.VIRTUAL_SERVICE);
		service.addExtension("channelType", new Coding("http://hl7.org/fhir/virtual-service-type", "zoom", "Zoom web conferencing"));
		service.addExtension("address", new UrlType("https://video.hospital-b.example/rooms/" + consult));
		meeting.addExtension(service);
		return meeting;
	}

	private static String part(Parameters.ParametersParameterComponent group, String name) {
		return group.getPart().stream().filter(p -> name.equals(p.getName())).findFirst()
				.map(p -> p.getValue().primitiveValue()).orElse("");
	}

}
