package org.onetrip.workflow.booking;

import java.util.Optional;
import org.onetrip.workflow.AppointmentStatus;

/**
 * What an Appointment write asks of its slots, and which writes count as booking attempts in the figures.
 * The places themselves are decided by {@link SlotRule} under the slot's lock.
 */
public final class Claims {

	/** What an appointment holds in the ledger before the write: nothing, a hold that has not expired, or a booked place. */
	public enum LiveClaim { NONE, HELD, BOOKED }

	/** A write that is a booking attempt, by what it asked for; the code is how the figures name it. */
	public enum Attempt {
		BOOKED("booked"), HELD("held"), HOLD_BOOKED("hold-booked");

		private final String code;

		Attempt(String code) {
			this.code = code;
		}

		public String code() {
			return code;
		}
	}

	private Claims() {}

	/**
	 * Only a new claim is an attempt: an update of a booked appointment is not, and a hold being booked is its end.
	 * Empty for a write that takes no place or only keeps one.
	 */
	public static Optional<Attempt> attemptOf(LiveClaim before, AppointmentStatus status) {
		if (!status.takesPlace()) {
			return Optional.empty();
		}
		if (before == LiveClaim.NONE) {
			return Optional.of(status.isHold() ? Attempt.HELD : Attempt.BOOKED);
		}
		if (before == LiveClaim.HELD && status.isBooked()) {
			return Optional.of(Attempt.HOLD_BOOKED);
		}
		return Optional.empty();
	}

	/** The refusal's name in the figures: refused-full, refused-started, refused-reserved, refused-unknown-slot. */
	public static String outcomeOf(SlotRule.Refused refused) {
		return "refused-" + refused.kind().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
	}
}
