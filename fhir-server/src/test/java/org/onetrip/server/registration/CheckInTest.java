package org.onetrip.server.registration;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.Date;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.ServerTest;

/** A patient scans the health card at the desk or a kiosk; the appointment becomes arrived and the visit registered. */
class CheckInTest extends ServerTest {

	@Test
	void aHealthCardChecksInTodaysAppointmentOnceAndRegistersTheVisit() {
		String patient = patient("Organization/hospital-a");
		String token = healthCard(patient);
		String appointment = bookedToday(patient);

		FhirHttp.Response checkedIn = fhir.post("/Appointment/" + appointment + "/$check-in", token(token));
		assertThat(checkedIn.status()).as(checkedIn.toString()).isEqualTo(200);
		Parameters result = checkedIn.as(Parameters.class);
		assertThat(((Appointment) result.getParameter("appointment").getResource()).getStatus())
				.isEqualTo(Appointment.AppointmentStatus.ARRIVED);
		assertThat(((BooleanType) result.getParameter("fee-charged").getValue()).booleanValue()).isTrue();
		String encounter = ((Reference) result.getParameter("encounter").getValue()).getReference();
		assertThat(fhir.get("/Appointment/" + appointment).as(Appointment.class).getStatus())
				.isEqualTo(Appointment.AppointmentStatus.ARRIVED);

		FhirHttp.Response again = fhir.post("/Appointment/" + appointment + "/$check-in", token(token));
		assertThat(again.status()).isEqualTo(200);
		assertThat(((Reference) again.as(Parameters.class).getParameter("encounter").getValue()).getReference())
				.as("scanning twice is one visit").isEqualTo(encounter);
		assertThat(fhir.get("/Encounter?subject=Patient/" + patient).bundle().getEntry()).hasSize(1);
	}

	@Test
	void aKioskFindsThePersonsOneAppointmentTodayAtItsHospital() {
		String patient = patient("Organization/hospital-a");
		String token = healthCard(patient);
		String appointment = bookedToday(patient);
		Parameters kiosk = token(token);
		kiosk.addParameter().setName("organization").setValue(new org.hl7.fhir.r4.model.StringType("Organization/hospital-a"));
		FhirHttp.Response checkedIn = fhir.post("/Appointment/$check-in", kiosk);
		assertThat(checkedIn.status()).as(checkedIn.toString()).isEqualTo(200);
		assertThat(((Appointment) checkedIn.as(Parameters.class).getParameter("appointment").getResource()).getIdElement().getIdPart())
				.isEqualTo(appointment);

		Parameters elsewhere = token(token);
		elsewhere.addParameter().setName("organization").setValue(new org.hl7.fhir.r4.model.StringType("Organization/hospital-b"));
		assertThat(fhir.post("/Appointment/$check-in", elsewhere).status()).as("nothing booked at B today").isEqualTo(404);
	}

	@Test
	void wrongForgedRevokedCardsAndOtherDaysAreRefusedAndChangeNothing() {
		String patient = patient("Organization/hospital-a");
		String appointment = bookedToday(patient);
		String someoneElse = healthCard(patient("Organization/hospital-a"));

		FhirHttp.Response wrongPerson = fhir.post("/Appointment/" + appointment + "/$check-in", token(someoneElse));
		assertThat(wrongPerson.status()).isEqualTo(403);
		String token = healthCard(patient);
		String forged = token.substring(0, token.length() - 4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
		FhirHttp.Response forgedAnswer = fhir.post("/Appointment/" + appointment + "/$check-in", token(forged));
		assertThat(forgedAnswer.status()).isEqualTo(400);
		assertThat(forgedAnswer.body()).contains("not a OneTrip health card");

		String tomorrow = booked(patient, LocalDate.now(RegistrationTest.REGION_ZONE).plusDays(1));
		FhirHttp.Response early = fhir.post("/Appointment/" + tomorrow + "/$check-in", token(token));
		assertThat(early.status()).isEqualTo(409);
		assertThat(early.body()).contains("not today");

		assertThat(fhir.post("/Patient/$health-card-revoke", token(token)).status()).isEqualTo(200);
		FhirHttp.Response revoked = fhir.post("/Appointment/" + appointment + "/$check-in", token(token));
		assertThat(revoked.status()).isEqualTo(410);
		assertThat(revoked.body()).contains("revoked");
		assertThat(fhir.get("/Appointment/" + appointment).as(Appointment.class).getStatus()).as("nothing changed")
				.isEqualTo(Appointment.AppointmentStatus.BOOKED);
		assertThat(fhir.get("/Encounter?subject=Patient/" + patient).bundle().getEntry()).isEmpty();
	}

	@Test
	void anyHospitalResolvesTheCardToItsOwnPatientForThePerson() {
		String atA = patient("Organization/hospital-a");
		Patient linkedAtB = new Patient();
		linkedAtB.addName().setFamily(unique("Card"));
		linkedAtB.setManagingOrganization(new Reference("Organization/hospital-b"));
		linkedAtB.addLink().setOther(new Reference("Patient/" + atA)).setType(Patient.LinkType.SEEALSO);
		String atB = fhir.post("/Patient", linkedAtB).as(Patient.class).getIdElement().getIdPart();

		Parameters resolve = token(healthCard(atA));
		resolve.addParameter().setName("organization").setValue(new org.hl7.fhir.r4.model.StringType("Organization/hospital-b"));
		FhirHttp.Response resolved = fhir.post("/Patient/$health-card-resolve", resolve);
		assertThat(resolved.status()).as(resolved.toString()).isEqualTo(200);
		Bundle patients = resolved.bundle();
		assertThat(patients.getEntry()).extracting(e -> e.getResource().getIdElement().getIdPart()).containsExactly(atB);
	}

	private String patient(String organization) {
		Patient patient = new Patient();
		patient.addName().setFamily(unique("Card"));
		patient.setManagingOrganization(new Reference(organization));
		return fhir.post("/Patient", patient).as(Patient.class).getIdElement().getIdPart();
	}

	private String healthCard(String patient) {
		FhirHttp.Response issued = fhir.post("/Patient/" + patient + "/$health-card", new Parameters());
		assertThat(issued.status()).as(issued.toString()).isEqualTo(200);
		return issued.as(Parameters.class).getParameter("token").getValue().primitiveValue();
	}

	private static Parameters token(String token) {
		Parameters parameters = new Parameters();
		parameters.addParameter().setName("token").setValue(new org.hl7.fhir.r4.model.StringType(token));
		return parameters;
	}

	/** Booked for right now (a walk-in slot-less booking), so that it is today in the region whatever the hour. */
	private String bookedToday(String patient) {
		Appointment appointment = RegistrationTest.appointment(patient, RegistrationTest.INTERNAL_MEDICINE,
				RegistrationTest.HYPERTENSION, LocalDate.now(RegistrationTest.REGION_ZONE), Appointment.AppointmentStatus.BOOKED);
		Date now = new Date();
		appointment.setStart(now).setEnd(new Date(now.getTime() + 1_800_000));
		return fhir.post("/Appointment", appointment).as(Appointment.class).getIdElement().getIdPart();
	}

	private String booked(String patient, LocalDate day) {
		return fhir.post("/Appointment", RegistrationTest.appointment(patient, RegistrationTest.INTERNAL_MEDICINE,
				RegistrationTest.HYPERTENSION, day, Appointment.AppointmentStatus.BOOKED)).as(Appointment.class).getIdElement().getIdPart();
	}
}
