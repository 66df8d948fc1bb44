package org.onetrip.server.referral;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.Test;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.ServerTest;
import org.onetrip.server.scheduling.BookingRace;
import org.onetrip.workflow.referral.ReferralCategory;

/** A referral from one hospital to another: answered through its Task, booked once, completed by its results. */
class ReferralWorkflowTest extends ServerTest {

	@Test
	void aClinicsReferralIsAcceptedByTheHospitalBookedOnAReservedPlaceAndCompletedByTheFinalReport() {
		String referral = referral("PractitionerRole/clinic-c-xu-jing-role", "HealthcareService/hospital-a-radiology",
				ReferralCategory.EXAMINATION);
		Task task = referralTask(referral);
		assertThat(task.getStatus()).isEqualTo(Task.TaskStatus.REQUESTED);
		assertThat(task.getOwner().getReference()).isEqualTo("Organization/hospital-a");
		assertThat(fhir.get("/Task?owner=Organization/hospital-a&status=requested&_count=500").body())
				.as("hospital A's work list").contains("Task/" + task.getIdElement().getIdPart());

		// One general place taken already: only the reserved place is left, and only a referral may take it.
		String slot = BookingRace.slot(fhir, 2, 1, Duration.ofDays(3));
		assertThat(fhir.post("/Appointment", BookingRace.booked(slot)).status()).isEqualTo(201);
		FhirHttp.Response early = fhir.post("/Appointment", against(slot, referral));
		assertThat(early.status()).as("not accepted yet").isEqualTo(409);
		assertThat(early.body()).contains("waits for").contains("to accept it").doesNotContain("HAPI-");
		assertThat(fhir.get("/Appointment?slot=Slot/" + slot).bundle().getEntry()).as("nothing booked").hasSize(1);

		assertThat(answer(task, Task.TaskStatus.ACCEPTED, null).status()).isEqualTo(200);
		FhirHttp.Response booked = fhir.post("/Appointment", against(slot, referral));
		assertThat(booked.status()).as(booked.toString()).isEqualTo(201);
		String appointmentId = booked.as(Appointment.class).getIdElement().getIdPart();
		Task inProgress = referralTask(referral);
		assertThat(inProgress.getStatus()).isEqualTo(Task.TaskStatus.INPROGRESS);
		assertThat(inProgress.getOutput()).anyMatch(o -> ((Reference) o.getValue()).getReference().equals("Appointment/" + appointmentId));

		DiagnosticReport report = new DiagnosticReport();
		report.setStatus(DiagnosticReport.DiagnosticReportStatus.FINAL);
		report.setCode(new CodeableConcept(new Coding("http://loinc.org", "24627-2", "CT Chest")));
		report.setSubject(fhir.get("/ServiceRequest/" + referral).as(ServiceRequest.class).getSubject());
		report.addBasedOn(new Reference("ServiceRequest/" + referral));
		assertThat(fhir.post("/DiagnosticReport", report).status()).isEqualTo(201);
		assertThat(referralTask(referral).getStatus()).isEqualTo(Task.TaskStatus.COMPLETED);

		Task followUp = fhir.get("/Task?focus=ServiceRequest/" + referral + "&code=" + ReferralWorkflow.TASK_CODE_SYSTEM + "|"
				+ ReferralWorkflow.FOLLOW_UP_CODE).bundle().getEntry().stream().map(e -> (Task) e.getResource())
				.findFirst().orElseThrow();
		assertThat(followUp.getOwner().getReference()).as("the referring clinic books the follow-up").isEqualTo("Organization/clinic-c");
		assertThat(followUp.getInputFirstRep().getValue()).isInstanceOf(Reference.class);

		String followUpSlot = BookingRace.slot(fhir, 1, Duration.ofDays(5));
		Appointment followUpVisit = against(followUpSlot, referral).setAppointmentType(new CodeableConcept(
				new Coding("http://terminology.hl7.org/CodeSystem/v2-0276", "FOLLOWUP", "A follow up visit from a previous appointment")));
		assertThat(fhir.post("/Appointment", followUpVisit).status()).as("follow-up against the original referral").isEqualTo(201);
		assertThat(fhir.get("http://127.0.0.1:" + port + "/actuator/prometheus", "text/plain").body())
				.containsPattern("onetrip_referrals_total\\{[^}]*category=\"examination\",from_level=\"primary\",to_level=\"tertiary\"");
		awaitMetric("onetrip_referrals_current\\{[^}]*category=\"examination\",from_level=\"primary\",state=\"completed\","
				+ "to_level=\"tertiary\"} [1-9]");
	}

	/** The referral gauges are refreshed in the background (every second in the tests). */
	private void awaitMetric(String pattern) {
		java.util.regex.Pattern wanted = java.util.regex.Pattern.compile(pattern);
		long deadline = System.currentTimeMillis() + 15_000;
		String metrics = "";
		while (System.currentTimeMillis() < deadline) {
			metrics = fhir.get("http://127.0.0.1:" + port + "/actuator/prometheus", "text/plain").body();
			if (wanted.matcher(metrics).find()) {
				return;
			}
			try {
				Thread.sleep(300);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				return;
			}
		}
		assertThat(metrics).containsPattern(pattern);
	}

	@Test
	void aReferralIsBookedOnceAtATimeAndACancelledBookingGivesItBack() {
		String referral = referral("Organization/hospital-b", "Organization/hospital-a", ReferralCategory.OUTPATIENT_VISIT);
		assertThat(answer(referralTask(referral), Task.TaskStatus.ACCEPTED, null).status()).isEqualTo(200);

		FhirHttp.Response first = fhir.post("/Appointment", against(BookingRace.slot(fhir, 5, Duration.ofDays(2)), referral));
		assertThat(first.status()).isEqualTo(201);
		FhirHttp.Response second = fhir.post("/Appointment", against(BookingRace.slot(fhir, 5, Duration.ofDays(2)), referral));
		assertThat(second.status()).isEqualTo(409);
		assertThat(second.body()).contains("already booked as Appointment/" + first.as(Appointment.class).getIdElement().getIdPart());

		Appointment cancelled = first.as(Appointment.class).setStatus(Appointment.AppointmentStatus.CANCELLED);
		assertThat(fhir.put("/Appointment/" + cancelled.getIdElement().getIdPart(), cancelled).status()).isEqualTo(200);
		assertThat(referralTask(referral).getStatus()).isEqualTo(Task.TaskStatus.ACCEPTED);
		assertThat(fhir.post("/Appointment", against(BookingRace.slot(fhir, 5, Duration.ofDays(2)), referral)).status()).isEqualTo(201);
	}

	@Test
	void aHoldAgainstAReferralLapsesWithTheRegionsDefaultHoldAndTheReferralTakesAnotherBooking() {
		String referral = referral("Organization/hospital-b", "Organization/hospital-a", ReferralCategory.OUTPATIENT_VISIT);
		assertThat(answer(referralTask(referral), Task.TaskStatus.ACCEPTED, null).status()).isEqualTo(200);
		Appointment hold = against(BookingRace.slot(fhir, 5, Duration.ofDays(2)), referral).setStatus(Appointment.AppointmentStatus.PENDING);
		assertThat(fhir.post("/Appointment", hold).status()).as("a hold naming no expiry").isEqualTo(201);
		assertThat(fhir.post("/Appointment", against(BookingRace.slot(fhir, 5, Duration.ofDays(2)), referral)).status())
				.as("the hold keeps the referral").isEqualTo(409);

		// The same rule as the slot ledger's: the default hold (10 minutes) from when the hold was written.
		try (var later = clock.movedOn(Duration.ofMinutes(11))) {
			FhirHttp.Response booked = fhir.post("/Appointment", against(BookingRace.slot(fhir, 5, Duration.ofDays(2)), referral));
			assertThat(booked.status()).isEqualTo(201);
			assertThat(referralTask(referral).getOutput()).extracting(o -> ((Reference) o.getValue()).getReference())
					.contains("Appointment/" + booked.as(Appointment.class).getIdElement().getIdPart());
		}
	}

	@Test
	void twoDesksBookingOneReferralAtOnceGetOneAppointment() throws Exception {
		String referral = referral("Organization/hospital-b", "Organization/hospital-a", ReferralCategory.OUTPATIENT_VISIT);
		assertThat(answer(referralTask(referral), Task.TaskStatus.ACCEPTED, null).status()).isEqualTo(200);
		List<String> slots = new ArrayList<>();
		for (int i = 0; i < 8; i++) {
			slots.add(BookingRace.slot(fhir, 3, Duration.ofDays(2)));
		}
		ExecutorService pool = Executors.newFixedThreadPool(slots.size());
		CountDownLatch go = new CountDownLatch(1);
		List<Future<Integer>> statuses = new ArrayList<>();
		for (String slot : slots) {
			statuses.add(pool.submit(() -> {
				go.await();
				return fhir.post("/Appointment", against(slot, referral)).status();
			}));
		}
		go.countDown();
		List<Integer> results = new ArrayList<>();
		for (Future<Integer> status : statuses) {
			results.add(status.get());
		}
		pool.shutdown();
		assertThat(results).filteredOn(s -> s == 201).hasSize(1);
		assertThat(results).filteredOn(s -> s != 201).allMatch(s -> s == 409);
		assertThat(fhir.get("/Appointment?based-on=ServiceRequest/" + referral).bundle().getEntry()).hasSize(1);
	}

	@Test
	void theReceivingHospitalRejectsWithAReasonAndNothingCanBeBookedAfterwards() {
		String referral = referral("PractitionerRole/clinic-c-xu-jing-role", "Organization/hospital-b", ReferralCategory.HOSPITALISATION);
		Task task = referralTask(referral);
		FhirHttp.Response noReason = answer(task, Task.TaskStatus.REJECTED, null);
		assertThat(noReason.status()).isEqualTo(422);
		assertThat(noReason.body()).contains("statusReason");
		assertThat(referralTask(referral).getStatus()).as("nothing changed").isEqualTo(Task.TaskStatus.REQUESTED);

		FhirHttp.Response skipping = answer(referralTask(referral), Task.TaskStatus.COMPLETED, null);
		assertThat(skipping.status()).isEqualTo(409);
		assertThat(skipping.body()).contains("cannot become completed");

		assertThat(answer(referralTask(referral), Task.TaskStatus.REJECTED, "No beds in general surgery this month").status()).isEqualTo(200);
		Appointment atB = against(BookingRace.slot(fhir, 2, Duration.ofDays(2)), referral);
		atB.getParticipantFirstRep().setActor(new Reference("HealthcareService/hospital-b-general-surgery"));
		FhirHttp.Response refused = fhir.post("/Appointment", atB);
		assertThat(refused.status()).isEqualTo(409);
		assertThat(refused.body()).contains("was rejected");
		assertThat(answer(referralTask(referral), Task.TaskStatus.ACCEPTED, null).status()).as("a rejection is final").isEqualTo(409);
	}

	@Test
	void anAcceptedReferralIsBookedOnlyAtTheHospitalItWasSentTo() {
		String referral = referral("Organization/hospital-b", "Organization/hospital-a", ReferralCategory.OUTPATIENT_VISIT);
		assertThat(answer(referralTask(referral), Task.TaskStatus.ACCEPTED, null).status()).isEqualTo(200);
		Appointment elsewhere = against(BookingRace.slot(fhir, 2, Duration.ofDays(2)), referral);
		elsewhere.getParticipantFirstRep().setActor(new Reference("HealthcareService/imaging-d-radiology"));
		FhirHttp.Response refused = fhir.post("/Appointment", elsewhere);
		assertThat(refused.status()).isEqualTo(422);
		assertThat(refused.body()).contains("cannot be booked at");
		assertThat(referralTask(referral).getStatus()).isEqualTo(Task.TaskStatus.ACCEPTED);
	}

	@Test
	void anOrderInsideOneHospitalIsNoReferralAndARevokedReferralIsCancelled() {
		String internal = referral("Organization/hospital-a", "HealthcareService/hospital-a-radiology", ReferralCategory.EXAMINATION);
		assertThat(fhir.get("/Task?focus=ServiceRequest/" + internal).bundle().getEntry()).isEmpty();

		String referral = referral("Organization/hospital-b", "Organization/hospital-a", ReferralCategory.DAY_SURGERY);
		ServiceRequest revoked = fhir.get("/ServiceRequest/" + referral).as(ServiceRequest.class)
				.setStatus(ServiceRequest.ServiceRequestStatus.REVOKED);
		assertThat(fhir.put("/ServiceRequest/" + referral, revoked).status()).isEqualTo(200);
		assertThat(referralTask(referral).getStatus()).isEqualTo(Task.TaskStatus.CANCELLED);
	}

	private String referral(String requester, String performer, ReferralCategory category) {
		Patient patient = new Patient();
		patient.addName().setFamily(unique("Referred"));
		String patientId = fhir.post("/Patient", patient).as(Patient.class).getIdElement().getIdPart();
		ServiceRequest request = new ServiceRequest();
		request.setStatus(ServiceRequest.ServiceRequestStatus.ACTIVE);
		request.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
		request.addCategory(new CodeableConcept(new Coding(ReferralCategory.SYSTEM, category.code(), null)));
		request.setCode(new CodeableConcept(new Coding("http://loinc.org", "24627-2", "CT Chest")));
		request.setSubject(new Reference("Patient/" + patientId));
		request.setRequester(new Reference(requester));
		request.addPerformer(new Reference(performer));
		FhirHttp.Response created = fhir.post("/ServiceRequest", request);
		assertThat(created.status()).as(created.toString()).isEqualTo(201);
		return created.as(ServiceRequest.class).getIdElement().getIdPart();
	}

	private Task referralTask(String referral) {
		return fhir.get("/Task?focus=ServiceRequest/" + referral + "&code=http://hl7.org/fhir/CodeSystem/task-code|fulfill")
				.bundle().getEntry().stream().map(e -> (Task) e.getResource()).findFirst().orElseThrow();
	}

	private FhirHttp.Response answer(Task task, Task.TaskStatus status, String reason) {
		Task answered = task.copy().setStatus(status);
		if (reason != null) {
			answered.setStatusReason(new CodeableConcept().setText(reason));
		}
		return fhir.put("/Task/" + task.getIdElement().getIdPart(), answered);
	}

	private static Appointment against(String slot, String referral) {
		Appointment appointment = BookingRace.booked(slot);
		appointment.addBasedOn(new Reference("ServiceRequest/" + referral));
		return appointment;
	}
}
