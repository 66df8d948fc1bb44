package org.onetrip.server.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.ServerTest;

/**
 * A booking names its Slots by id: one named by an identifier or a display alone is no place the ledger can give, and
 * is told so (422, nothing stored), where it had been a 500.
 */
class SlotNamedByIdTest extends ServerTest {

	@Test
	void aBookingForASlotNotNamedByIdIsRefusedWith422() {
		String slot = BookingRace.slot(fhir, 2, Duration.ofDays(2));
		Appointment byIdentifier = BookingRace.booked(slot);
		byIdentifier.addSlot(new Reference().setIdentifier(new Identifier().setSystem("urn:hospital-a:slots").setValue("S-17")));
		Appointment byDisplay = BookingRace.booked(slot);
		byDisplay.getSlot().set(0, new Reference().setDisplay("Tuesday 9:00, radiology"));
		Appointment byAnotherType = BookingRace.booked(slot);
		byAnotherType.getSlot().set(0, new Reference("Schedule/" + slot));

		for (Appointment appointment : new Appointment[] {byIdentifier, byDisplay, byAnotherType}) {
			FhirHttp.Response refused = fhir.post("/Appointment", appointment);
			assertThat(refused.status()).isEqualTo(422);
			assertThat(refused.outcome().getIssueFirstRep().getDiagnostics()).contains("does not name a Slot by its id");
		}
		assertThat(fhir.get("/Appointment?slot=Slot/" + slot).bundle().getEntry()).as("nothing stored").isEmpty();
	}

	@Test
	void anAppointmentThatTakesNoPlaceMayNameItsSlotAsItLikes() {
		Appointment proposed = new Appointment().setStatus(Appointment.AppointmentStatus.PROPOSED);
		proposed.addSlot(new Reference().setIdentifier(new Identifier().setSystem("urn:hospital-a:slots").setValue("S-18")));
		proposed.addParticipant().setActor(new Reference("HealthcareService/hospital-a-radiology"))
				.setStatus(Appointment.ParticipationStatus.NEEDSACTION);
		assertThat(fhir.post("/Appointment", proposed).status()).isEqualTo(201);
	}
}
