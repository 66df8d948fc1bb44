package org.onetrip.workflow.booking;

import java.time.Instant;

/**
 * How many appointments one slot takes ("number sources") and how many of them are kept for referrals
 * from primary institutions until {@code reservedUntil}, when unused reserved places open to everyone.
 * {@code hospital} is the region hospital whose schedule the slot belongs to ({@link Place#NO_HOSPITAL} when none is),
 * {@code department} the HealthcareService of that schedule ({@link Place#NO_DEPARTMENT} when it names none).
 */
public record SlotCapacity(String slotId, Instant start, int capacity, int reservedForReferrals, Instant reservedUntil,
		String hospital, String department) {

	public SlotCapacity(String slotId, Instant start, int capacity, int reservedForReferrals, Instant reservedUntil, String hospital) {
		this(slotId, start, capacity, reservedForReferrals, reservedUntil, hospital, Place.NO_DEPARTMENT);
	}

	public SlotCapacity {
		if (capacity < 0 || reservedForReferrals < 0 || reservedForReferrals > capacity) {
			throw new IllegalArgumentException("slot " + slotId + ": capacity " + capacity + " with "
					+ reservedForReferrals + " reserved for referrals is not possible");
		}
		if (hospital == null || hospital.isBlank()) {
			hospital = Place.NO_HOSPITAL;
		}
		if (department == null || department.isBlank()) {
			department = Place.NO_DEPARTMENT;
		}
	}

	/** The hospital and department the figures count this slot under. */
	public Place place() {
		return new Place(hospital, department);
	}
}
