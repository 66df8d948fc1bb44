package org.onetrip.workflow.booking;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.onetrip.workflow.AppointmentStatus;

/**
 * How long a held (pending) appointment keeps what it holds: its slot places and the referral it is booked
 * against. Until the time it states, else the region's default hold counted from when it was written. One rule for
 * the slot ledger and the referral, so a hold cannot have lapsed for one and still be alive for the other.
 */
public final class Hold {

	private final Duration defaultHold;

	public Hold(Duration defaultHold) {
		if (defaultHold.isNegative() || defaultHold.isZero()) {
			throw new IllegalArgumentException("a hold must last a while, not " + defaultHold);
		}
		this.defaultHold = defaultHold;
	}

	/**
	 * @param stated the expiry the appointment names (extension hold-expires), if any
	 * @param written when the appointment was last written (its meta.lastUpdated; the time of the write being made)
	 */
	public Instant expiry(Optional<Instant> stated, Instant written) {
		return stated.orElseGet(() -> written.plus(defaultHold));
	}

	/** Whether an appointment in this status still keeps its places and its referral at {@code now}. */
	public boolean keeps(AppointmentStatus status, Optional<Instant> stated, Instant written, Instant now) {
		if (!status.takesPlace()) {
			return false;
		}
		return !status.isHold() || expiry(stated, written).isAfter(now);
	}
}
