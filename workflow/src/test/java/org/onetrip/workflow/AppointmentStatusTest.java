package org.onetrip.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** One grouping of Appointment.status for booking, referrals and registration. */
class AppointmentStatusTest {

	@Test
	void everyFhirCodeIsKnownAndGroupedOnce() {
		assertThat(Arrays.stream(AppointmentStatus.values()).map(AppointmentStatus::code)).containsExactlyInAnyOrder(
				"proposed", "pending", "booked", "arrived", "fulfilled", "cancelled", "noshow", "entered-in-error",
				"checked-in", "waitlist");
		for (AppointmentStatus status : AppointmentStatus.values()) {
			assertThat(AppointmentStatus.ofCode(status.code())).contains(status);
			assertThat(status.takesPlace()).as(status.code()).isEqualTo(status.isHold() || status.isBooked());
			assertThat(!status.patientCame() || status.isBooked()).as("a patient who came is booked: " + status.code()).isTrue();
		}
		assertThat(AppointmentStatus.ofCode("arrivedd")).isEmpty();
	}

	@Test
	void theGroups() {
		assertThat(Arrays.stream(AppointmentStatus.values()).filter(AppointmentStatus::takesPlace)).containsExactlyInAnyOrder(
				AppointmentStatus.PENDING, AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED, AppointmentStatus.CHECKED_IN,
				AppointmentStatus.FULFILLED);
		assertThat(Arrays.stream(AppointmentStatus.values()).filter(AppointmentStatus::patientCame)).containsExactlyInAnyOrder(
				AppointmentStatus.ARRIVED, AppointmentStatus.CHECKED_IN, AppointmentStatus.FULFILLED);
	}
}
