package org.onetrip.workflow.booking;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.onetrip.workflow.AppointmentStatus;
import org.onetrip.workflow.booking.Claims.Attempt;
import org.onetrip.workflow.booking.Claims.LiveClaim;

/** Which writes count as booking attempts in the region's figures. */
class ClaimsTest {

	@Test
	void aNewClaimIsAnAttemptAndAHoldBeingBookedIsItsEnd() {
		assertThat(Claims.attemptOf(LiveClaim.NONE, AppointmentStatus.PENDING)).contains(Attempt.HELD);
		assertThat(Claims.attemptOf(LiveClaim.NONE, AppointmentStatus.BOOKED)).contains(Attempt.BOOKED);
		assertThat(Claims.attemptOf(LiveClaim.NONE, AppointmentStatus.ARRIVED)).as("walked in and booked at once").contains(Attempt.BOOKED);
		assertThat(Claims.attemptOf(LiveClaim.HELD, AppointmentStatus.BOOKED)).contains(Attempt.HOLD_BOOKED);
	}

	@Test
	void keepingAPlaceOrTakingNoneIsNoAttempt() {
		assertThat(Claims.attemptOf(LiveClaim.BOOKED, AppointmentStatus.ARRIVED)).isEmpty();
		assertThat(Claims.attemptOf(LiveClaim.HELD, AppointmentStatus.PENDING)).as("a hold renewed").isEmpty();
		assertThat(Claims.attemptOf(LiveClaim.NONE, AppointmentStatus.CANCELLED)).isEmpty();
		assertThat(Claims.attemptOf(LiveClaim.BOOKED, AppointmentStatus.PROPOSED)).isEmpty();
	}

	@Test
	void refusalsAreNamedForTheFigures() {
		assertThat(Claims.outcomeOf(new SlotRule.Refused(SlotRule.RefusalKind.UNKNOWN_SLOT, "x"))).isEqualTo("refused-unknown-slot");
		assertThat(Claims.outcomeOf(new SlotRule.Refused(SlotRule.RefusalKind.FULL, "x"))).isEqualTo("refused-full");
	}
}
