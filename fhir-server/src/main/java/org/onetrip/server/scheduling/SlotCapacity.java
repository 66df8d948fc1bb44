package org.onetrip.server.scheduling;

import java.time.Instant;

/**
 * How many appointments one slot takes ("number sources") and how many of them are kept for referrals
 * from primary institutions until {@code reservedUntil}, when unused reserved places open to everyone.
 */
public record SlotCapacity(String slotId, Instant start, int capacity, int reservedForReferrals, Instant reservedUntil) {

	public SlotCapacity {
		if (capacity < 0 || reservedForReferrals < 0 || reservedForReferrals > capacity) {
			throw new IllegalArgumentException("slot " + slotId + ": capacity " + capacity + " with "
					+ reservedForReferrals + " reserved for referrals is not possible");
		}
	}
}
