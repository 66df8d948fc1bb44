package org.onetrip.workflow.booking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.onetrip.workflow.AppointmentStatus;

/** Holds with a fixed clock: the same expiry for the slot ledger and for the referral a hold is booked against. */
class HoldTest {

	static final Instant WRITTEN = Instant.parse("2026-12-02T09:00:00Z");
	static final Hold TEN_MINUTES = new Hold(Duration.ofMinutes(10));

	@Test
	void aHoldThatStatesNoExpiryLastsTheDefaultFromWhenItWasWritten() {
		assertThat(TEN_MINUTES.expiry(Optional.empty(), WRITTEN)).isEqualTo(WRITTEN.plusSeconds(600));
		assertThat(TEN_MINUTES.keeps(AppointmentStatus.PENDING, Optional.empty(), WRITTEN, WRITTEN.plusSeconds(599))).isTrue();
		assertThat(TEN_MINUTES.keeps(AppointmentStatus.PENDING, Optional.empty(), WRITTEN, WRITTEN.plusSeconds(600)))
				.as("expired at its expiry, not a moment after").isFalse();
	}

	@Test
	void aStatedExpiryWinsOverTheDefaultEitherWay() {
		Instant soon = WRITTEN.plusSeconds(30);
		Instant late = WRITTEN.plus(Duration.ofHours(2));
		assertThat(TEN_MINUTES.keeps(AppointmentStatus.PENDING, Optional.of(soon), WRITTEN, WRITTEN.plusSeconds(31))).isFalse();
		assertThat(TEN_MINUTES.keeps(AppointmentStatus.PENDING, Optional.of(late), WRITTEN, WRITTEN.plus(Duration.ofHours(1)))).isTrue();
	}

	@Test
	void aBookingKeepsForGoodAndWhatTakesNoPlaceKeepsNothing() {
		Instant muchLater = WRITTEN.plus(Duration.ofDays(30));
		for (AppointmentStatus booked : new AppointmentStatus[] {AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED,
				AppointmentStatus.CHECKED_IN, AppointmentStatus.FULFILLED}) {
			assertThat(TEN_MINUTES.keeps(booked, Optional.empty(), WRITTEN, muchLater)).as(booked.code()).isTrue();
		}
		for (AppointmentStatus none : new AppointmentStatus[] {AppointmentStatus.PROPOSED, AppointmentStatus.WAITLIST,
				AppointmentStatus.CANCELLED, AppointmentStatus.NOSHOW, AppointmentStatus.ENTERED_IN_ERROR}) {
			assertThat(TEN_MINUTES.keeps(none, Optional.empty(), WRITTEN, WRITTEN)).as(none.code()).isFalse();
		}
	}

	@Test
	void aHoldOfNoTimeIsAMistakeInTheConfiguration() {
		assertThatThrownBy(() -> new Hold(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
	}
}
