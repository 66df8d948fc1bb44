package org.onetrip.server.scheduling;

import java.time.Instant;

/**
 * How many appointments one slot takes ("number sources") and how many of them are kept for referrals
 * from primary institutions until {@code reservedUntil}, when unused reserved places open to everyone.
 * {@code hospital} is the region hospital whose schedule the slot belongs to ({@link #NO_HOSPITAL} when none is).
 */
public record SlotCapacity(String slotId, Instant start, int capacity, int reservedForReferrals, Instant reservedUntil,
		String hospital) {

	public static final String NO_HOSPITAL = "other";

	public SlotCapacity {
		if (capacity < 0 || reservedForReferrals < 0 || reservedForReferrals > capacity) {
			throw new IllegalArgumentException("slot " + slotId + ": capacity " + capacity + " with "
					+ reservedForReferrals + " reserved for referrals is not possible");
		}
		if (hospital == null || hospital.isBlank()) {
			hospital = NO_HOSPITAL;
		}
	}
}
