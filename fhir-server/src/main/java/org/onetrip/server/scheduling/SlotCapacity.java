package org.onetrip.server.scheduling;

import java.time.Instant;

/**
 * How many appointments one slot takes ("number sources") and how many of them are kept for referrals
 * from primary institutions until {@code reservedUntil}, when unused reserved places open to everyone.
 * {@code hospital} is the region hospital whose schedule the slot belongs to ({@link #NO_HOSPITAL} when none is),
 * {@code department} the HealthcareService of that schedule ({@link #NO_DEPARTMENT} when it names none).
 */
public record SlotCapacity(String slotId, Instant start, int capacity, int reservedForReferrals, Instant reservedUntil,
		String hospital, String department) {

	public static final String NO_HOSPITAL = "other";
	public static final String NO_DEPARTMENT = "none";

	public SlotCapacity(String slotId, Instant start, int capacity, int reservedForReferrals, Instant reservedUntil, String hospital) {
		this(slotId, start, capacity, reservedForReferrals, reservedUntil, hospital, NO_DEPARTMENT);
	}

	public SlotCapacity {
		if (capacity < 0 || reservedForReferrals < 0 || reservedForReferrals > capacity) {
			throw new IllegalArgumentException("slot " + slotId + ": capacity " + capacity + " with "
					+ reservedForReferrals + " reserved for referrals is not possible");
		}
		if (hospital == null || hospital.isBlank()) {
			hospital = NO_HOSPITAL;
		}
		if (department == null || department.isBlank()) {
			department = NO_DEPARTMENT;
		}
	}

	/** The hospital and department the figures count this slot under. */
	public SlotLedger.Place place() {
		return new SlotLedger.Place(hospital, department);
	}
}
