package org.onetrip.workflow.referral;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where a referral from one hospital to another stands, and the one place that says which step may follow
 * which. The referral's FHIR Task shows it to both hospitals; each state is one Task status.
 */
public enum ReferralState {
	/** Sent by the referring hospital; the receiving hospital has not answered. */
	REQUESTED("requested"),
	/** The receiving hospital takes the patient: a booking may now be made against the referral. */
	ACCEPTED("accepted"),
	/** The receiving hospital declined (with a reason); nothing can be booked against it. */
	REJECTED("rejected"),
	/** An appointment is booked against it (exactly one at a time). */
	BOOKED("in-progress"),
	/** The visit took place, or the referred exam's report is final; follow-up visits may be booked against it. */
	COMPLETED("completed"),
	/** Withdrawn by the referring hospital (Task cancelled, or the ServiceRequest revoked). */
	CANCELLED("cancelled");

	private final String taskStatus;

	ReferralState(String taskStatus) {
		this.taskStatus = taskStatus;
	}

	/** The FHIR Task.status code that shows this state. */
	public String taskStatus() {
		return taskStatus;
	}

	public static Optional<ReferralState> ofTaskStatus(String code) {
		for (ReferralState state : values()) {
			if (state.taskStatus.equals(code)) {
				return Optional.of(state);
			}
		}
		return Optional.empty();
	}

	/**
	 * What a hospital may do to the Task by writing it: answer a request, or withdraw it before the visit.
	 * The other steps (booked, back to accepted, completed) follow from Appointments and reports and are
	 * OneTrip's to make.
	 */
	private static final Map<ReferralState, Set<ReferralState>> BY_HOSPITALS = Map.of(
			REQUESTED, Set.of(ACCEPTED, REJECTED, CANCELLED),
			ACCEPTED, Set.of(CANCELLED));

	public boolean hospitalMayMoveTo(ReferralState next) {
		return next == this || BY_HOSPITALS.getOrDefault(this, Set.of()).contains(next);
	}

	/** Whether a new appointment (not the one already booked) may be made against the referral now. */
	public boolean takesBooking() {
		return this == ACCEPTED || this == COMPLETED;
	}
}
