package org.onetrip.workflow.booking;

/** Where a slot is, as the figures group them: the region hospital of its schedule and the department (HealthcareService). */
public record Place(String hospital, String department) implements Comparable<Place> {

	public static final String NO_HOSPITAL = "other";
	public static final String NO_DEPARTMENT = "none";

	/** A slot whose schedule names no region hospital. */
	public static final Place NOWHERE = new Place(NO_HOSPITAL, NO_DEPARTMENT);

	@Override
	public int compareTo(Place other) {
		int byHospital = hospital.compareTo(other.hospital);
		return byHospital != 0 ? byHospital : department.compareTo(other.department);
	}
}
