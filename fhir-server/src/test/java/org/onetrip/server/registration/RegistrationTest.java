package org.onetrip.server.registration;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.ChargeItem;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.ServerTest;

/** One registration, three days (seed 003): the first visit pays, revisits for the same thing within the window do not. */
class RegistrationTest extends ServerTest {

	/** The demo region's time zone (config/rosters.yaml): a visit's day is its day there. */
	static final ZoneId REGION_ZONE = ZoneId.of("Asia/Shanghai");
	static final Coding HYPERTENSION = new Coding("http://hl7.org/fhir/sid/icd-10", "I10", "Essential hypertension");
	static final Coding BACK_PAIN = new Coding("http://hl7.org/fhir/sid/icd-10", "M54.5", "Low back pain");
	static final String INTERNAL_MEDICINE = "HealthcareService/hospital-a-internal-medicine";

	@Test
	void aRevisitForTheSameConditionWithinThreeDaysIsCoveredAndDayFourPaysAgain() {
		String patient = patient();
		LocalDate first = LocalDate.now(REGION_ZONE).minusDays(20);

		Encounter day1 = visit(patient, INTERNAL_MEDICINE, HYPERTENSION, first);
		ChargeItem fee = fee(day1);
		assertThat(fee.getPriceOverride().getValue()).isEqualByComparingTo("25.00");
		assertThat(fee.getPriceOverride().getCurrency()).isEqualTo("CNY");
		assertThat(fee.getContext().getReference()).isEqualTo("Encounter/" + day1.getIdElement().getIdPart());

		Encounter day3 = visit(patient, INTERNAL_MEDICINE, HYPERTENSION, first.plusDays(2));
		assertThat(day3.getPartOf().getReference()).as("joins the first visit's registration")
				.isEqualTo("Encounter/" + day1.getIdElement().getIdPart());
		assertThat(feeReference(day3)).isEqualTo(feeReference(day1));

		Encounter day4 = visit(patient, INTERNAL_MEDICINE, HYPERTENSION, first.plusDays(3));
		assertThat(day4.hasPartOf()).as("day four is a new registration").isFalse();
		assertThat(feeReference(day4)).isNotEqualTo(feeReference(day1));

		Encounter otherCondition = visit(patient, INTERNAL_MEDICINE, BACK_PAIN, first.plusDays(1));
		assertThat(otherCondition.hasPartOf()).as("another condition").isFalse();
		Encounter otherDepartment = visit(patient, "HealthcareService/hospital-a-cardiology", HYPERTENSION, first.plusDays(1));
		assertThat(otherDepartment.hasPartOf()).as("another department").isFalse();

		assertThat(fhir.get("/ChargeItem?subject=Patient/" + patient).bundle().getEntry())
				.as("five visits, four fees").hasSize(4);
	}

	@Test
	void eachHospitalHasItsOwnRule() {
		String patient = patient();
		LocalDate first = LocalDate.now(REGION_ZONE).minusDays(30);
		String clinic = "HealthcareService/clinic-c-general-practice";
		Encounter morning = visit(patient, clinic, HYPERTENSION, first);
		assertThat(fee(morning).getPriceOverride().getValue()).isEqualByComparingTo("2.00");
		assertThat(visit(patient, clinic, BACK_PAIN, first).getPartOf().getReference())
				.as("clinic C: any reason on the same day").isEqualTo("Encounter/" + morning.getIdElement().getIdPart());
		assertThat(visit(patient, clinic, HYPERTENSION, first.plusDays(1)).hasPartOf()).as("clinic C: one day only").isFalse();
	}

	@Test
	void arrivalsAtTheSameMomentChargeOneFee() throws Exception {
		String patient = patient();
		LocalDate day = LocalDate.now(REGION_ZONE).minusDays(10);
		List<Appointment> booked = new ArrayList<>();
		for (int i = 0; i < 6; i++) {
			booked.add(fhir.post("/Appointment", appointment(patient, INTERNAL_MEDICINE, HYPERTENSION, day,
					Appointment.AppointmentStatus.BOOKED)).as(Appointment.class));
		}
		ExecutorService pool = Executors.newFixedThreadPool(booked.size());
		CountDownLatch go = new CountDownLatch(1);
		List<Future<Integer>> statuses = new ArrayList<>();
		for (Appointment appointment : booked) {
			statuses.add(pool.submit(() -> {
				go.await();
				Appointment arrived = appointment.copy().setStatus(Appointment.AppointmentStatus.ARRIVED);
				return fhir.put("/Appointment/" + appointment.getIdElement().getIdPart(), arrived).status();
			}));
		}
		go.countDown();
		for (Future<Integer> status : statuses) {
			assertThat(status.get()).isEqualTo(200);
		}
		pool.shutdown();
		assertThat(fhir.get("/ChargeItem?subject=Patient/" + patient).bundle().getEntry()).hasSize(1);
		assertThat(fhir.get("/Encounter?subject=Patient/" + patient).bundle().getEntry()).hasSize(6);
	}

	@Test
	void anArrivedAppointmentWithoutItsPatientIsRefusedAndChangesNothing() {
		Appointment noPatient = appointment(patient(), INTERNAL_MEDICINE, HYPERTENSION, LocalDate.now(REGION_ZONE).minusDays(5),
				Appointment.AppointmentStatus.ARRIVED);
		noPatient.getParticipant().removeIf(p -> p.getActor().getReference().startsWith("Patient/"));
		FhirHttp.Response refused = fhir.post("/Appointment", noPatient);
		assertThat(refused.status()).isEqualTo(422);
		assertThat(refused.body()).contains("names no Patient participant");
	}

	private String patient() {
		Patient patient = new Patient();
		patient.addName().setFamily(unique("Revisit"));
		patient.setManagingOrganization(new Reference("Organization/hospital-a"));
		return fhir.post("/Patient", patient).as(Patient.class).getIdElement().getIdPart();
	}

	/** A visit recorded by the hospital's system: an appointment written as arrived; returns its Encounter. */
	private Encounter visit(String patient, String department, Coding reason, LocalDate day) {
		FhirHttp.Response created = fhir.post("/Appointment", appointment(patient, department, reason, day,
				Appointment.AppointmentStatus.ARRIVED));
		assertThat(created.status()).as(created.toString()).isEqualTo(201);
		String appointmentId = created.as(Appointment.class).getIdElement().getIdPart();
		List<Encounter> encounters = fhir.get("/Encounter?appointment=Appointment/" + appointmentId).bundle().getEntry().stream()
				.map(e -> (Encounter) e.getResource()).toList();
		assertThat(encounters).hasSize(1);
		return encounters.get(0);
	}

	static Appointment appointment(String patient, String department, Coding reason, LocalDate day,
			Appointment.AppointmentStatus status) {
		Appointment appointment = new Appointment();
		appointment.setStatus(status);
		Date start = Date.from(day.atTime(LocalTime.of(9, 30)).atZone(REGION_ZONE).toInstant());
		appointment.setStart(start).setEnd(new Date(start.getTime() + 1_800_000));
		appointment.addReasonCode(new CodeableConcept(reason.copy()));
		appointment.addParticipant().setActor(new Reference("Patient/" + patient)).setStatus(Appointment.ParticipationStatus.ACCEPTED);
		appointment.addParticipant().setActor(new Reference(department)).setStatus(Appointment.ParticipationStatus.ACCEPTED);
		return appointment;
	}

	private static String feeReference(Encounter encounter) {
		return ((Reference) encounter.getExtensionByUrl(VisitRegistration.EXT_REGISTRATION_FEE).getValue()).getReference();
	}

	private ChargeItem fee(Encounter encounter) {
		return fhir.get("/" + feeReference(encounter)).as(ChargeItem.class);
	}
}
