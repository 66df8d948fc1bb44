package org.onetrip.server.scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.ZoneId;
import org.hl7.fhir.r4.model.Slot;
import org.junit.jupiter.api.Test;
import org.onetrip.server.ServerTest;
import org.springframework.beans.factory.annotation.Autowired;

/** The departments' rosters become Schedules and Slots that can be found and booked. */
class RosterSlotsTest extends ServerTest {

	@Autowired
	SlotPublisher publisher;

	@Test
	void eachRosteredDepartmentHasAScheduleAndSlotsForTheDaysAhead() {
		assertThat(fhir.get("/Schedule/schedule-hospital-a-radiology").status()).isEqualTo(200);
		var slots = fhir.get("/Slot?schedule=Schedule/schedule-imaging-d-radiology&_count=500").bundle();
		assertThat(slots.getEntry()).isNotEmpty();
		Slot slot = (Slot) slots.getEntryFirstRep().getResource();
		assertThat(slot.getIdElement().getIdPart()).startsWith("imaging-d-radiology-");
		assertThat(slot.getExtensionByUrl(AppointmentLedgerGuard.EXT_CAPACITY).getValue().primitiveValue()).isEqualTo("10");
	}

	@Test
	void publishingAgainCreatesNothingTwice() {
		assertThat(publisher.publish()).isZero();
	}

	@Test
	void aRosterSlotsADayIntoWholeSlotsOfItsSessions() throws Exception {
		Rosters rosters = Rosters.parse(new ObjectMapper(new YAMLFactory()).readTree("""
				timeZone: Asia/Shanghai
				rosters:
				  - {service: x, days: [MON], sessions: ["08:00-10:00", "13:30-14:45"], slotMinutes: 30, capacity: 2}
				"""), "test", s -> true);
		LocalDate monday = LocalDate.of(2026, 11, 23);
		assertThat(monday.getDayOfWeek()).isEqualTo(DayOfWeek.MONDAY);
		var starts = rosters.rosters().get(0).slotStarts(monday, ZoneId.of("Asia/Shanghai"));
		assertThat(starts).extracting(z -> z.toLocalTime().toString())
				.containsExactly("08:00", "08:30", "09:00", "09:30", "13:30", "14:00");
		assertThat(rosters.rosters().get(0).slotStarts(monday.plusDays(1), ZoneId.of("Asia/Shanghai"))).isEmpty();
	}

	@Test
	void aRosterForADepartmentTheRegionDoesNotHaveIsRejected() {
		assertThatThrownBy(() -> Rosters.parse(new ObjectMapper(new YAMLFactory()).readTree("""
				rosters:
				  - {service: hospital-z-nowhere, days: [MON], sessions: ["08:00-10:00"]}
				"""), "rosters.yaml", s -> false))
				.hasMessageContaining("hospital-z-nowhere").hasMessageContaining("no department");
	}
}
