package org.onetrip.server.followup;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Subscription;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.Test;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.ServerTest;
import org.onetrip.server.TestClock;
import org.onetrip.server.subscription.ActiveSubscriptions;
import org.onetrip.server.subscription.HookReceiver;
import org.onetrip.server.subscription.Topic;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Follow-up plans (seed 002) over HTTP, with the server's clock moved across months: a type 2 diabetes plan applied from
 * the diagnosis, an HbA1c already done at another hospital completing its follow-up, a visit and an ECG completing
 * theirs, an HbA1c overdue with its reminder and then done late, the adherence figures, and the refusals.
 */
class FollowUpTest extends ServerTest {

	static final ZoneId REGION_ZONE = ZoneId.of("Asia/Shanghai");
	static final String CITIZEN = "urn:onetrip:citizen-id";
	static final Coding HBA1C = new Coding("http://loinc.org", "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood");
	static final Coding ECG = new Coding("http://loinc.org", "11524-6", "EKG study");

	@Autowired
	ActiveSubscriptions active;

	@Test
	void aDiabetesPlanIsKeptByResultsFromTwoHospitals() throws Exception {
		String citizen = unique("330200");
		String atA = patient("hospital-a", citizen);
		String atB = patient("hospital-b", citizen);
		Patient withFamilyDoctor = fhir.get("/Patient/" + atA).as(Patient.class);
		withFamilyDoctor.addGeneralPractitioner(new Reference("Organization/clinic-c"));
		assertThat(fhir.put("/Patient/" + atA, withFamilyDoctor).status()).isEqualTo(200);
		LocalDate today = LocalDate.now(REGION_ZONE);
		LocalDate diagnosed = today.minusDays(80);
		// Hospital B measured HbA1c 20 days ago: inside the first follow-up's window, so it is not repeated.
		result(atB, "hospital-b", HBA1C, today.minusDays(20));

		FhirHttp.Response applied = fhir.post("/PlanDefinition/followup-type-2-diabetes/$apply", parameters(
				"subject", "Patient/" + atA, "organization", "Organization/hospital-a", "start", diagnosed.toString()));
		assertThat(applied.status()).as(applied.body()).isEqualTo(200);
		CarePlan plan = applied.as(CarePlan.class);
		assertThat(plan.getActivity()).as("4 HbA1c, 4 visits, 1 ECG").hasSize(9);
		assertThat(plan.getInstantiatesCanonical().get(0).getValue()).isEqualTo("http://onetrip.org/fhir/PlanDefinition/followup-type-2-diabetes");
		List<Task> tasks = tasksOf(plan);
		Task firstHbA1c = task(tasks, "HbA1c (1 of 4)");
		assertThat(firstHbA1c.getStatus()).isEqualTo(Task.TaskStatus.COMPLETED);
		assertThat(firstHbA1c.getBusinessStatus().getText()).contains("City Central Hospital (Hospital B)");
		assertThat(task(tasks, "HbA1c (2 of 4)").getStatus()).isEqualTo(Task.TaskStatus.REQUESTED);

		// The first visit, at hospital A today.
		Encounter visit = new Encounter().setStatus(Encounter.EncounterStatus.FINISHED)
				.setClass_(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", null))
				.setSubject(new Reference("Patient/" + atA));
		visit.getPeriod().setStartElement(new DateTimeType(today.toString()));
		assertThat(fhir.post("/Encounter", visit).status()).isEqualTo(201);
		assertThat(fresh(task(tasks, "Follow-up visit (1 of 4)")).getStatus()).isEqualTo(Task.TaskStatus.COMPLETED);

		// The patient's reminders go out through the follow-up-reminder topic, here to a receiver of the region's.
		HookReceiver receiver = new HookReceiver();
		Subscription subscription = new Subscription().setStatus(Subscription.SubscriptionStatus.REQUESTED).setReason("reminders of " + citizen)
				.setCriteria(Topic.FOLLOW_UP_REMINDER.url());
		subscription.getCriteriaElement().addExtension("http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-filter-criteria",
				new StringType("Communication?recipient=Patient/" + atA));
		subscription.getChannel().setType(Subscription.SubscriptionChannelType.RESTHOOK).setEndpoint(receiver.url("/reminders"))
				.setPayload("application/fhir+json");
		subscription.getChannel().getPayloadElement().addExtension(
				"http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content",
				new org.hl7.fhir.r4.model.CodeType("full-resource"));
		String subscriptionId = fhir.post("/Subscription", subscription).as(Subscription.class).getIdElement().getIdPart();
		long activeBy = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (active.of("Communication").stream().noneMatch(a -> a.id().equals(subscriptionId)) && System.nanoTime() < activeBy) {
			Thread.sleep(20);
		}

		// Four months on: the second HbA1c (due at six months from the diagnosis) is overdue; the patient is reminded once.
		try (TestClock.Moved later = clock.movedOn(Duration.ofDays(120)); receiver) {
			LocalDate then = today.plusDays(120);
			Task second = task(tasks, "HbA1c (2 of 4)");
			awaitReminder(atA, second.getIdElement().getIdPart());
			assertThat(fresh(second).getBusinessStatus().getCodingFirstRep().getCode()).isEqualTo("overdue");
			HookReceiver.Received notified = receiver.next(Duration.ofSeconds(10));
			assertThat(notified).as("the reminder delivered to the subscriber").isNotNull();
			assertThat(notified.body()).contains("HbA1c (2 of 4)", "Task/" + second.getIdElement().getIdPart());

			// An HbA1c at hospital B (as an Observation) completes it, late; an ECG at B completes the yearly ECG early.
			Observation hba1c = new Observation().setStatus(Observation.ObservationStatus.FINAL).setCode(new CodeableConcept(HBA1C.copy()))
					.setSubject(new Reference("Patient/" + atB)).setEffective(new DateTimeType(then.toString()));
			assertThat(fhir.post("/Observation", hba1c).status()).isEqualTo(201);
			Task done = fresh(second);
			assertThat(done.getStatus()).isEqualTo(Task.TaskStatus.COMPLETED);
			assertThat(done.getBusinessStatus().getCodingFirstRep().getCode()).isEqualTo("late");
			result(atB, "hospital-b", ECG, then);
			Task ecg = fresh(task(tasks, "Yearly ECG"));
			assertThat(ecg.getStatus()).isEqualTo(Task.TaskStatus.COMPLETED);
			assertThat(ecg.getBusinessStatus().getCodingFirstRep().getCode()).isEqualTo("on-time");

			Parameters adherence = fhir.post("/$follow-up-adherence", parameters("date", then.toString())).as(Parameters.class);
			Parameters.ParametersParameterComponent row = adherence.getParameter().stream()
					.filter(p -> p.getPart().stream().anyMatch(x -> "plan".equals(x.getName())
							&& x.getValue().primitiveValue().endsWith("followup-type-2-diabetes")))
					.filter(p -> p.getPart().stream().anyMatch(x -> "hospital".equals(x.getName()) && "hospital-a".equals(x.getValue().primitiveValue())))
					.findFirst().orElseThrow();
			// Due by then: HbA1c 1 (by the prior exam) and 2 (late), visits 1 (on time) and 2 (still open); not the ECG (due
			// at a year, done early). Only this test applies the diabetes plan at hospital A on the shared server.
			assertThat(part(row, "due")).isEqualTo(4);
			assertThat(part(row, "on-time")).isEqualTo(2);
			assertThat(part(row, "late")).isEqualTo(1);
			assertThat(part(row, "overdue")).isEqualTo(1);
			assertThat(((Coding) row.getPart().stream().filter(p -> "condition".equals(p.getName())).findFirst().orElseThrow().getValue())
					.getCode()).isEqualTo("E11");
		}
	}

	@Test
	void aDiagnosisStartsItsPlanOnce() {
		String patient = patient("hospital-b", unique("330204"));
		FhirHttp hospitalB = fhir.as(org.onetrip.server.TestTokens.hospital("hospital-b", "user/*.cruds"));
		org.hl7.fhir.r4.model.Condition diabetes = new org.hl7.fhir.r4.model.Condition()
				.setCode(new CodeableConcept(new Coding("http://hl7.org/fhir/sid/icd-10", "E11.9", "Type 2 diabetes mellitus without complications")))
				.setSubject(new Reference("Patient/" + patient)).setRecordedDate(new java.util.Date());
		diabetes.getClinicalStatus().addCoding().setSystem("http://terminology.hl7.org/CodeSystem/condition-clinical").setCode("active");
		diabetes.getVerificationStatus().addCoding().setSystem("http://terminology.hl7.org/CodeSystem/condition-ver-status").setCode("confirmed");
		FhirHttp.Response recorded = hospitalB.post("/Condition", diabetes);
		assertThat(recorded.status()).as(recorded.body()).isEqualTo(201);
		List<CarePlan> plans = fhir.getFresh("/CarePlan?subject=Patient/" + patient).bundle().getEntry().stream()
				.map(e -> (CarePlan) e.getResource()).toList();
		assertThat(plans).hasSize(1);
		assertThat(plans.get(0).getAuthor().getReference()).isEqualTo("Organization/hospital-b");
		assertThat(plans.get(0).getAddressesFirstRep().getReference()).isEqualTo("Condition/" + recorded.as(
				org.hl7.fhir.r4.model.Condition.class).getIdElement().getIdPart());
		assertThat(hospitalB.post("/Condition", diabetes.copy().setId((String) null)).status()).isEqualTo(201);
		assertThat(fhir.getFresh("/CarePlan?subject=Patient/" + patient).bundle().getEntry()).as("followed already: no second plan").hasSize(1);
	}

	@Test
	void preVisitModeBooksTheExamsBeforeTheVisit() {
		String patient = patient("hospital-a", unique("330203"));
		LocalDate today = LocalDate.now(REGION_ZONE);
		// Diagnosed 60 days ago: the first HbA1c and visit are due in about a month, and the HbA1c's window is open.
		// Applied by the community clinic (the scenario above counts hospital A's adherence).
		CarePlan plan = fhir.post("/PlanDefinition/followup-type-2-diabetes/$apply", parameters("subject", "Patient/" + patient,
				"organization", "Organization/clinic-c", "start", today.minusDays(60).toString())).as(CarePlan.class);
		List<Task> tasks = tasksOf(plan);
		Task visit = task(tasks, "Follow-up visit (1 of 4)");
		Task hba1c = task(tasks, "HbA1c (1 of 4)");
		assertThat(((Reference) visit.getInputFirstRep().getValue()).getReference()).as("the visit names the exam before it")
				.isEqualTo("Task/" + hba1c.getIdElement().getIdPart());

		FhirHttp.Response tooSoon = fhir.post("/Appointment", appointmentFor(patient, "HealthcareService/hospital-a-internal-medicine", visit, today));
		assertThat(tooSoon.status()).isEqualTo(409);
		assertThat(tooSoon.body()).contains("once the results of its exams are in", "HbA1c (1 of 4)");
		assertThat(fhir.post("/Appointment", appointmentFor(patient, "HealthcareService/hospital-b-internal-medicine", hba1c, today)).status())
				.as("the exam is booked first, at any hospital of the region").isEqualTo(201);

		result(patient, "hospital-b", HBA1C, today);
		assertThat(fresh(hba1c).getStatus()).isEqualTo(Task.TaskStatus.COMPLETED);
		assertThat(fhir.post("/Appointment", appointmentFor(patient, "HealthcareService/hospital-a-internal-medicine", visit, today.plusDays(7)))
				.status()).as("its result is in: the visit can be booked").isEqualTo(201);
		FhirHttp.Response again = fhir.post("/Appointment", appointmentFor(patient, "HealthcareService/hospital-a-internal-medicine", hba1c,
				today.plusDays(7)));
		assertThat(again.status()).as("a done exam is not booked again").isEqualTo(409);
		assertThat(again.body()).contains("already done");
	}

	private static org.hl7.fhir.r4.model.Appointment appointmentFor(String patient, String service, Task followUp, LocalDate day) {
		org.hl7.fhir.r4.model.Appointment appointment = new org.hl7.fhir.r4.model.Appointment()
				.setStatus(org.hl7.fhir.r4.model.Appointment.AppointmentStatus.BOOKED);
		java.time.ZonedDateTime start = day.atTime(10, 0).atZone(REGION_ZONE);
		appointment.setStart(java.util.Date.from(start.toInstant())).setEnd(java.util.Date.from(start.plusMinutes(30).toInstant()));
		appointment.addParticipant().setActor(new Reference("Patient/" + patient))
				.setStatus(org.hl7.fhir.r4.model.Appointment.ParticipationStatus.ACCEPTED);
		appointment.addParticipant().setActor(new Reference(service)).setStatus(org.hl7.fhir.r4.model.Appointment.ParticipationStatus.ACCEPTED);
		appointment.addSupportingInformation(new Reference("Task/" + followUp.getIdElement().getIdPart()));
		return appointment;
	}

	@Test
	void refusalsNameTheProblemAndChangeNothing() {
		String patient = patient("hospital-a", unique("330201"));
		FhirHttp.Response unknown = fhir.post("/PlanDefinition/$apply", parameters("condition", "http://hl7.org/fhir/sid/icd-10|Z99",
				"subject", "Patient/" + patient));
		assertThat(unknown.status()).isEqualTo(422);
		assertThat(unknown.body()).contains("No follow-up plan", "Z99");

		PlanDefinition odd = new PlanDefinition().setStatus(org.hl7.fhir.r4.model.Enumerations.PublicationStatus.ACTIVE)
				.setUrl("http://onetrip.org/fhir/PlanDefinition/" + unique("odd"));
		odd.addAction().setTitle("Bone density scan").addCode(new CodeableConcept(new Coding("http://loinc.org", "38269-7", "DXA")))
				.getTimingTiming().getRepeat().setCount(1).setPeriod(1).setPeriodUnit(org.hl7.fhir.r4.model.Timing.UnitsOfTime.A);
		String oddId = fhir.post("/PlanDefinition", odd).as(PlanDefinition.class).getIdElement().getIdPart();
		FhirHttp.Response refused = fhir.post("/PlanDefinition/" + oddId + "/$apply", parameters("subject", "Patient/" + patient));
		assertThat(refused.status()).isEqualTo(422);
		assertThat(refused.body()).contains("Bone density scan", "neither a follow-up visit", "nor an exam of the region's catalogue");
		assertThat(fhir.get("/CarePlan?subject=Patient/" + patient).bundle().getEntry()).as("nothing made").isEmpty();

		CarePlan plan = fhir.post("/PlanDefinition/followup-hypertension/$apply", parameters("subject", "Patient/" + patient))
				.as(CarePlan.class);
		Task ecg = task(tasksOf(plan), "Yearly ECG");
		String stranger = patient("hospital-a", unique("330202"));
		String strangersEcg = result(stranger, "hospital-a", ECG, LocalDate.now(REGION_ZONE));
		Task byHand = ecg.copy().setStatus(Task.TaskStatus.COMPLETED);
		byHand.addOutput().setType(new CodeableConcept().setText("result")).setValue(new Reference("DiagnosticReport/" + strangersEcg));
		FhirHttp.Response otherPerson = fhir.put("/Task/" + ecg.getIdElement().getIdPart(), byHand);
		assertThat(otherPerson.status()).isEqualTo(422);
		assertThat(otherPerson.body()).contains("another person's");
		String hba1c = result(patient, "hospital-a", HBA1C, LocalDate.now(REGION_ZONE));
		byHand.getOutputFirstRep().setValue(new Reference("DiagnosticReport/" + hba1c));
		FhirHttp.Response otherExam = fhir.put("/Task/" + ecg.getIdElement().getIdPart(), byHand);
		assertThat(otherExam.status()).isEqualTo(422);
		assertThat(otherExam.body()).contains("another exam");
		assertThat(fresh(ecg).getStatus()).isEqualTo(Task.TaskStatus.REQUESTED);

		// A patient's app reads its follow-ups but does not write them.
		FhirHttp.Response byPatient = fhir.as(org.onetrip.server.TestTokens.patient(patient, "patient/*.cruds"))
				.put("/Task/" + ecg.getIdElement().getIdPart(), fresh(ecg).setStatus(Task.TaskStatus.CANCELLED));
		assertThat(byPatient.status()).isEqualTo(403);
		// The hospital gives the ECG up: a later ECG completes nothing (and no clinical write is refused for it).
		assertThat(fhir.put("/Task/" + ecg.getIdElement().getIdPart(), fresh(ecg).setStatus(Task.TaskStatus.CANCELLED)).status()).isEqualTo(200);
		result(patient, "hospital-a", ECG, LocalDate.now(REGION_ZONE));
		assertThat(fresh(ecg).getStatus()).isEqualTo(Task.TaskStatus.CANCELLED);
	}

	private String patient(String hospital, String citizenId) {
		Patient patient = new Patient();
		patient.addIdentifier().setSystem(CITIZEN).setValue(citizenId);
		patient.addIdentifier().setSystem("urn:onetrip:mrn:" + hospital).setValue(unique("MRN"));
		patient.addName().setFamily("Follow").addGiven(citizenId);
		patient.setManagingOrganization(new Reference("Organization/" + hospital));
		FhirHttp.Response created = fhir.post("/Patient", patient);
		assertThat(created.status()).as(created.body()).isEqualTo(201);
		return created.as(Patient.class).getIdElement().getIdPart();
	}

	private String result(String patient, String hospital, Coding code, LocalDate day) {
		DiagnosticReport report = new DiagnosticReport().setStatus(DiagnosticReport.DiagnosticReportStatus.FINAL)
				.setCode(new CodeableConcept(code.copy())).setSubject(new Reference("Patient/" + patient))
				.setEffective(new DateTimeType(day.toString()));
		report.addPerformer(new Reference("Organization/" + hospital));
		FhirHttp.Response created = fhir.post("/DiagnosticReport", report);
		assertThat(created.status()).as(created.body()).isEqualTo(201);
		return created.as(DiagnosticReport.class).getIdElement().getIdPart();
	}

	private List<Task> tasksOf(CarePlan plan) {
		return plan.getActivity().stream().map(a -> fhir.get("/" + a.getReference().getReference()).as(Task.class)).toList();
	}

	private static Task task(List<Task> tasks, String description) {
		return tasks.stream().filter(t -> description.equals(t.getDescription())).findFirst().orElseThrow(() ->
				new AssertionError("no task '" + description + "' in " + tasks.stream().map(Task::getDescription).toList()));
	}

	private Task fresh(Task task) {
		return fhir.getFresh("/Task/" + task.getIdElement().getIdPart()).as(Task.class);
	}

	private void awaitReminder(String patient, String taskId) throws InterruptedException {
		long deadline = System.currentTimeMillis() + 20_000;
		List<Communication> reminders = List.of();
		while (System.currentTimeMillis() < deadline) {
			reminders = fhir.getFresh("/Communication?recipient=Patient/" + patient).bundle().getEntry().stream()
					.map(e -> (Communication) e.getResource())
					.filter(c -> c.getAbout().stream().anyMatch(r -> r.getReference().equals("Task/" + taskId))).toList();
			if (!reminders.isEmpty()) {
				break;
			}
			Thread.sleep(200);
		}
		assertThat(reminders).as("one reminder for the overdue follow-up").hasSize(1);
		assertThat(reminders.get(0).getRecipient()).extracting(Reference::getReference).as("the patient and the family doctor")
				.containsExactly("Patient/" + patient, "Organization/clinic-c");
		assertThat(reminders.get(0).getPayloadFirstRep().getContentStringType().getValue()).contains("HbA1c (2 of 4)", "was due on");
	}

	private static int part(Parameters.ParametersParameterComponent row, String name) {
		return Integer.parseInt(row.getPart().stream().filter(p -> name.equals(p.getName())).findFirst().orElseThrow().getValue().primitiveValue());
	}

	private static Parameters parameters(String... namesAndValues) {
		Parameters parameters = new Parameters();
		for (int i = 0; i < namesAndValues.length; i += 2) {
			if ("start".equals(namesAndValues[i]) || "date".equals(namesAndValues[i])) {
				parameters.addParameter().setName(namesAndValues[i]).setValue(new org.hl7.fhir.r4.model.DateType(namesAndValues[i + 1]));
			} else {
				parameters.addParameter().setName(namesAndValues[i]).setValue(new StringType(namesAndValues[i + 1]));
			}
		}
		return parameters;
	}
}
