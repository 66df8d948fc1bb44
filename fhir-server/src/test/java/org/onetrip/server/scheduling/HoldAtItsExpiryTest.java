package org.onetrip.server.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.onetrip.server.ServerTest;
import org.onetrip.workflow.booking.SlotCapacity;
import org.onetrip.workflow.booking.SlotRule;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A hold booked just as it lapses, against another booking that took its place as lapsed: the ledger's claims, each
 * with the "now" its caller read, which for the hold's booking was read before the other claim was made (a wait for
 * the slot's lock, or an instance whose clock runs a little behind).
 */
class HoldAtItsExpiryTest extends ServerTest {

	@Autowired
	SlotLedger ledger;

	@Test
	void aHoldWhosePlaceWasTakenAsLapsedIsNotBookedOverTheCapacity() {
		Instant lapses = Instant.parse("2031-03-01T08:00:00Z");
		String held = unique("held");
		String slot = onePlaceHeldBy(held, lapses);

		// Another booking, a millisecond after the hold lapsed by its clock: the place is free, and it takes it.
		assertThat(ledger.claim(slot, unique("other"), false, null, lapses.plusMillis(1)).decision())
				.isInstanceOf(SlotRule.Granted.class);
		// The hold being booked, by a "now" a millisecond before it lapses: its place is gone.
		SlotLedger.Claimed late = ledger.claim(slot, held, false, null, lapses.minusMillis(1));

		assertThat(late.decision()).isInstanceOf(SlotRule.Refused.class);
		assertThat(((SlotRule.Refused) late.decision()).kind()).isEqualTo(SlotRule.RefusalKind.FULL);
		assertThat(ledger.availability(slot, lapses.plusSeconds(1)).orElseThrow().taken()).isEqualTo(1);
	}

	@Test
	void aHoldBookedInTimeKeepsItsPlace() {
		Instant lapses = Instant.parse("2031-03-02T08:00:00Z");
		String held = unique("held");
		String slot = onePlaceHeldBy(held, lapses);

		assertThat(ledger.claim(slot, unique("other"), false, null, lapses.minusMillis(2)).decision())
				.as("while the hold is live, the slot is full").isInstanceOf(SlotRule.Refused.class);
		assertThat(ledger.claim(slot, held, false, null, lapses.minusMillis(1)).decision()).isInstanceOf(SlotRule.Granted.class);
		assertThat(ledger.availability(slot, lapses.plusSeconds(1)).orElseThrow().taken()).as("booked for good").isEqualTo(1);
	}

	/** A new slot of one place, held since ten minutes before {@code lapses} by the appointment, until then. */
	private String onePlaceHeldBy(String appointmentId, Instant lapses) {
		String slot = unique("one-place");
		ledger.define(new SlotCapacity(slot, lapses.plus(Duration.ofDays(7)), 1, 0, lapses, "hospital-a"));
		assertThat(ledger.claim(slot, appointmentId, false, lapses, lapses.minus(Duration.ofMinutes(10))).decision())
				.isInstanceOf(SlotRule.Granted.class);
		return slot;
	}
}
