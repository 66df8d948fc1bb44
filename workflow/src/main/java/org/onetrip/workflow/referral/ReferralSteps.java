package org.onetrip.workflow.referral;

import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import org.onetrip.workflow.AppointmentStatus;

/**
 * What each write that touches a referral does to it: a ServiceRequest withdrawn, its Task answered by a hospital,
 * an Appointment booked against it or let go, the referred exam's report made final. Each answer is a
 * {@link Step} (the state it moves to, and what the Task shows of it), a {@link Refusal} of the write, or
 * {@link #NOTHING}. The server applies steps to the ledger and the Task in the write's own transaction.
 */
public final class ReferralSteps {

	public sealed interface Outcome {}

	/** The referral moves to {@code next}; {@code bookedAs} is the appointment it is then booked as (or keeps). */
	public record Step(ReferralState next, String bookedAs) implements Outcome {}

	/** The write is refused: {@link Kind#CONFLICT} for the referral's state (409), {@link Kind#INVALID} for the write itself (422). */
	public record Refusal(Kind kind, String reason) implements Outcome {
		public enum Kind { CONFLICT, INVALID }
	}

	public record Nothing() implements Outcome {}

	public static final Nothing NOTHING = new Nothing();

	private final Function<String, String> hospitalName;

	/** @param hospitalName a region hospital's name by its key, for the reasons a hospital reads */
	public ReferralSteps(Function<String, String> hospitalName) {
		this.hospitalName = hospitalName;
	}

	/**
	 * Whether a ServiceRequest that is not a referral yet opens one: it is active (a draft is not sent) and goes from
	 * one region hospital to another (not an order inside a hospital, nor to somebody outside the region).
	 */
	public static boolean opens(boolean active, Optional<String> requesterHospital, Optional<String> performerHospital) {
		return active && requesterHospital.isPresent() && performerHospital.isPresent()
				&& !requesterHospital.get().equals(performerHospital.get());
	}

	/** The referring hospital withdrew the request (revoked or entered in error): cancelled, unless it has ended. */
	public Outcome serviceRequestWithdrawn(Referral referral) {
		return referral.state() == ReferralState.COMPLETED || referral.state() == ReferralState.CANCELLED
				? NOTHING : new Step(ReferralState.CANCELLED, referral.appointmentId());
	}

	/**
	 * A hospital wrote the referral's Task (an update). A Task that shows the state the ledger already has is no step:
	 * that is also how OneTrip's own writes of the Task come back through the pipeline.
	 *
	 * @param focus the Task's focus reference, relative ("ServiceRequest/x")
	 * @param taskStatus the Task's status code
	 */
	public Outcome taskWritten(Referral referral, String focus, String taskStatus, boolean hasStatusReason) {
		if (!("ServiceRequest/" + referral.serviceRequestId()).equals(focus)) {
			return invalid("Task/" + referral.taskId() + " is the referral of ServiceRequest/" + referral.serviceRequestId()
					+ "; its focus cannot change");
		}
		Optional<ReferralState> asked = ReferralState.ofTaskStatus(taskStatus);
		if (asked.isEmpty()) {
			return invalid("Task status '" + taskStatus + "' has no meaning for a referral; use accepted, rejected or cancelled");
		}
		ReferralState next = asked.get();
		if (!referral.state().hospitalMayMoveTo(next)) {
			return conflict("The referral of ServiceRequest/" + referral.serviceRequestId() + " is "
					+ referral.state().taskStatus() + "; it cannot become " + next.taskStatus()
					+ (next == ReferralState.BOOKED || next == ReferralState.COMPLETED
							? " by writing its Task (booking an Appointment or a final report does that)" : ""));
		}
		if (next == ReferralState.REJECTED && !hasStatusReason) {
			return invalid("Rejecting a referral needs Task.statusReason: the referring hospital is told why");
		}
		return next == referral.state() ? NOTHING : new Step(next, referral.appointmentId());
	}

	/**
	 * An Appointment based on the referral was written.
	 *
	 * @param visitHospital the region hospital the appointment says the visit is at, if it says
	 * @param keepsReferral whether an appointment (by id) still keeps the referral: booked, or a hold not lapsed
	 */
	public Outcome appointmentWritten(Referral referral, String appointmentId, AppointmentStatus status,
			Optional<String> visitHospital, Predicate<String> keepsReferral) {
		if (!status.takesPlace()) {
			return appointmentLetGo(referral, appointmentId);
		}
		if (appointmentId.equals(referral.appointmentId())) {
			// Its own booking moving on: a visit that took place completes the referral, except an exam (its report does).
			return referral.state() == ReferralState.BOOKED && status == AppointmentStatus.FULFILLED
					&& referral.category() != ReferralCategory.EXAMINATION
					? new Step(ReferralState.COMPLETED, appointmentId) : NOTHING;
		}
		String request = "ServiceRequest/" + referral.serviceRequestId();
		return switch (referral.state()) {
			case ACCEPTED -> bookAt(referral, appointmentId, visitHospital);
			case COMPLETED -> NOTHING; // a follow-up visit, booked against the original referral
			case BOOKED -> referral.appointmentId() != null && keepsReferral.test(referral.appointmentId())
					? conflict(request + " is already booked as Appointment/" + referral.appointmentId()
							+ "; cancel that appointment to book another against the referral")
					: bookAt(referral, appointmentId, visitHospital); // the earlier hold lapsed
			case REQUESTED -> conflict(request + " waits for " + hospitalName.apply(referral.performerHospital())
					+ " to accept it (Task/" + referral.taskId() + "); nothing can be booked against it before that");
			case REJECTED, CANCELLED -> conflict(request + " was " + referral.state().taskStatus() + " (Task/"
					+ referral.taskId() + "); nothing can be booked against it");
		};
	}

	/** The booking a referral waits on is gone (cancelled, no-show, deleted): the referral takes another. */
	public Outcome appointmentLetGo(Referral referral, String appointmentId) {
		return referral.state() == ReferralState.BOOKED && appointmentId.equals(referral.appointmentId())
				? new Step(ReferralState.ACCEPTED, null) : NOTHING;
	}

	/**
	 * The final report of the referred exam: the referral is completed, and the referring hospital is then asked to
	 * book the follow-up visit ({@link #asksForFollowUp}).
	 */
	public Outcome resultFinal(Referral referral) {
		return referral.state() == ReferralState.BOOKED || referral.state() == ReferralState.ACCEPTED
				? new Step(ReferralState.COMPLETED, referral.appointmentId()) : NOTHING;
	}

	/** Whether a step completes a referral by its result, so the referring hospital gets the follow-up Task. */
	public static boolean asksForFollowUp(Outcome resultOutcome) {
		return resultOutcome instanceof Step step && step.next() == ReferralState.COMPLETED;
	}

	private Outcome bookAt(Referral referral, String appointmentId, Optional<String> visitHospital) {
		if (visitHospital.isPresent() && !visitHospital.get().equals(referral.performerHospital())) {
			return invalid("ServiceRequest/" + referral.serviceRequestId() + " refers the patient to "
					+ hospitalName.apply(referral.performerHospital()) + "; it cannot be booked at "
					+ hospitalName.apply(visitHospital.get()));
		}
		return new Step(ReferralState.BOOKED, appointmentId);
	}

	private static Refusal conflict(String reason) {
		return new Refusal(Refusal.Kind.CONFLICT, reason);
	}

	private static Refusal invalid(String reason) {
		return new Refusal(Refusal.Kind.INVALID, reason);
	}
}
