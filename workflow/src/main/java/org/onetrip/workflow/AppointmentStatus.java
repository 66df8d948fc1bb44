package org.onetrip.workflow;

import java.util.Optional;

/**
 * FHIR R4's Appointment.status, and the one place that groups its values for the workflow: which statuses take a
 * place in a slot, which keep a referral booked, which mean the patient came. Booking, referrals and registration
 * all ask here, so they cannot disagree about what "booked" means.
 */
public enum AppointmentStatus {
	PROPOSED("proposed"),
	PENDING("pending"),
	BOOKED("booked"),
	ARRIVED("arrived"),
	FULFILLED("fulfilled"),
	CANCELLED("cancelled"),
	NOSHOW("noshow"),
	ENTERED_IN_ERROR("entered-in-error"),
	CHECKED_IN("checked-in"),
	WAITLIST("waitlist");

	private final String code;

	AppointmentStatus(String code) {
		this.code = code;
	}

	public String code() {
		return code;
	}

	/** The status of a FHIR code; empty for an unknown or missing one (HAPI's parser refuses those before us). */
	public static Optional<AppointmentStatus> ofCode(String code) {
		for (AppointmentStatus status : values()) {
			if (status.code.equals(code)) {
				return Optional.of(status);
			}
		}
		return Optional.empty();
	}

	/** A hold: the place is kept until the hold expires ({@link org.onetrip.workflow.booking.Hold}). */
	public boolean isHold() {
		return this == PENDING;
	}

	/** Booked and keeps its place for good: booked, or the patient came. */
	public boolean isBooked() {
		return this == BOOKED || patientCame();
	}

	/** Takes a place in its slots: a hold or a booking. Proposed, waitlisted, cancelled, no-show and errors take none. */
	public boolean takesPlace() {
		return isHold() || isBooked();
	}

	/** The patient arrived, checked in, or the visit took place: the visit is registered. */
	public boolean patientCame() {
		return this == ARRIVED || this == CHECKED_IN || this == FULFILLED;
	}
}
