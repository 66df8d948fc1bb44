package org.onetrip.workflow.referral;

/**
 * One cross-hospital referral as its ledger row keeps it.
 *
 * @param appointmentId the appointment it is booked as, while {@link ReferralState#BOOKED} (and after, for the record)
 */
public record Referral(String serviceRequestId, String taskId, String requesterHospital, String performerHospital,
		ReferralCategory category, ReferralState state, String appointmentId) {

	public Referral moveTo(ReferralState next, String bookedAs) {
		return new Referral(serviceRequestId, taskId, requesterHospital, performerHospital, category, next, bookedAs);
	}
}
