package org.onetrip.workflow.booking;

import java.time.Instant;

/**
 * The one place that decides whether a slot can take one more appointment. Pure: the ledger gives it
 * the slot's capacity and its active claims (read under a row lock) and it answers which place, or why not.
 */
public final class SlotRule {

	/** A place a claim takes: a general one, or one of those reserved for referrals. */
	public enum Seat { GENERAL, RESERVED }

	public sealed interface Decision {}

	public record Granted(Seat seat) implements Decision {}

	/** Why a slot refused, for the figures: full, already started, only reserved places left, no such slot. */
	public enum RefusalKind { FULL, STARTED, RESERVED, UNKNOWN_SLOT }

	/** Why not, in words the caller reads in the OperationOutcome. */
	public record Refused(RefusalKind kind, String reason) implements Decision {}

	private SlotRule() {}

	/**
	 * How many more appointments this caller could book in the slot now: what {@link #decide} would grant, counted.
	 * Without a qualifying referral the places kept for referrals do not count until their reservation ends.
	 */
	public static int placesFor(SlotCapacity slot, int activeClaims, int reservedInUse, boolean referral, Instant now) {
		if (!now.isBefore(slot.start()) || activeClaims >= slot.capacity()) {
			return 0;
		}
		boolean reservationOver = !now.isBefore(slot.reservedUntil());
		int reservedFree = reservationOver ? 0 : Math.max(0, slot.reservedForReferrals() - reservedInUse);
		int generalCapacity = slot.capacity() - (reservationOver ? 0 : slot.reservedForReferrals());
		int generalFree = Math.max(0, generalCapacity - (activeClaims - reservedInUse));
		return Math.min(slot.capacity() - activeClaims, referral ? generalFree + reservedFree : generalFree);
	}

	public static Decision decide(SlotCapacity slot, int activeClaims, int reservedInUse, boolean referral, Instant now) {
		if (!now.isBefore(slot.start())) {
			return new Refused(RefusalKind.STARTED, "slot " + slot.slotId() + " started at " + slot.start() + " and can no longer be booked");
		}
		if (activeClaims >= slot.capacity()) {
			return new Refused(RefusalKind.FULL, "slot " + slot.slotId() + " is full (" + slot.capacity() + " of " + slot.capacity() + " taken)");
		}
		boolean reservationOver = !now.isBefore(slot.reservedUntil());
		int reservedFree = reservationOver ? 0 : slot.reservedForReferrals() - reservedInUse;
		int generalCapacity = slot.capacity() - (reservationOver ? 0 : slot.reservedForReferrals());
		if (referral && reservedFree > 0) {
			return new Granted(Seat.RESERVED);
		}
		if (activeClaims - reservedInUse < generalCapacity) {
			return new Granted(Seat.GENERAL);
		}
		return new Refused(RefusalKind.RESERVED, "slot " + slot.slotId() + ": the " + reservedFree + " remaining place(s) are reserved for "
				+ "referrals from primary institutions until " + slot.reservedUntil());
	}
}
