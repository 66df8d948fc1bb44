package org.onetrip.workflow.booking;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The slot rule with a fixed clock: what $find offers a caller is exactly what a booking by that caller would get. */
class SlotRuleTest {

	static final Instant NOW = Instant.parse("2026-12-02T02:00:00Z");
	static final Instant START = NOW.plus(Duration.ofDays(2));

	/** Four places, two kept for primary-care referrals until a day before the slot. */
	static SlotCapacity slot(Instant reservedUntil) {
		return new SlotCapacity("s1", START, 4, 2, reservedUntil, "hospital-a");
	}

	@Test
	void withoutAReferralTheReservedPlacesAreNotOffered() {
		SlotCapacity slot = slot(START.minus(Duration.ofDays(1)));

		assertThat(SlotRule.placesFor(slot, 2, 0, false, NOW)).as("two general places taken").isZero();
		assertThat(SlotRule.decide(slot, 2, 0, false, NOW)).isInstanceOf(SlotRule.Refused.class);
		assertThat(SlotRule.placesFor(slot, 2, 0, true, NOW)).as("a referral may take the two reserved").isEqualTo(2);
	}

	@Test
	void afterTheReservationEndsEveryFreePlaceIsOfferedToEveryone() {
		SlotCapacity slot = slot(NOW.minusSeconds(1));

		assertThat(SlotRule.placesFor(slot, 2, 0, false, NOW)).isEqualTo(2);
		assertThat(SlotRule.decide(slot, 2, 0, false, NOW)).isEqualTo(new SlotRule.Granted(SlotRule.Seat.GENERAL));
	}

	@Test
	void aFullOrStartedSlotOffersNothingToAnyone() {
		SlotCapacity slot = slot(START.minus(Duration.ofDays(1)));

		assertThat(SlotRule.placesFor(slot, 4, 2, true, NOW)).isZero();
		assertThat(SlotRule.placesFor(slot, 0, 0, true, START)).isZero();
	}

	@Test
	void placesOfferedAreExactlyThoseABookingWouldBeGrantedInEveryState() {
		for (Instant reservedUntil : new Instant[] {NOW.minusSeconds(1), START.minus(Duration.ofDays(1))}) {
			SlotCapacity slot = slot(reservedUntil);
			for (int taken = 0; taken <= 4; taken++) {
				for (int reserved = 0; reserved <= Math.min(2, taken); reserved++) {
					for (boolean referral : new boolean[] {false, true}) {
						int offered = SlotRule.placesFor(slot, taken, reserved, referral, NOW);
						boolean granted = SlotRule.decide(slot, taken, reserved, referral, NOW) instanceof SlotRule.Granted;
						assertThat(offered > 0).as("taken %d, reserved %d, referral %s, reservation until %s", taken, reserved, referral,
								reservedUntil).isEqualTo(granted);
					}
				}
			}
		}
	}
}
