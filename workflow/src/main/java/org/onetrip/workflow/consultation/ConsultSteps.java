package org.onetrip.workflow.consultation;

import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * What each write does to a consult: a participant answering its Task, an opinion, a message, a booking, the close.
 * Plain rules over {@link Consult}; the server reads the facts, asks, and applies the answer to its ledger and Tasks.
 */
public final class ConsultSteps {

	/** The answer to a write: a step, a refusal, or nothing to do. */
	public sealed interface Outcome permits Step, Refusal, NoStep, Opinion {}

	/** The participant as it is after the write. */
	public record Step(Consult.Participant participant) implements Outcome {}

	public record NoStep() implements Outcome {}

	/** A refusal: CONFLICT for the consult's state (409), UNPROCESSABLE for the write (422), FORBIDDEN for who writes (403). */
	public record Refusal(Kind kind, String reason) implements Outcome {
		public enum Kind { CONFLICT, UNPROCESSABLE, FORBIDDEN }
	}

	/** An opinion's effect: the participants it completes, and whether it is the consult's first answer. */
	public record Opinion(List<Consult.Participant> completes, boolean firstAnswer) implements Outcome {}

	private final UnaryOperator<String> hospitalName;

	/** @param hospitalName a hospital key to the name people read in messages */
	public ConsultSteps(UnaryOperator<String> hospitalName) {
		this.hospitalName = hospitalName;
	}

	/**
	 * A participant's hospital wrote its Task.
	 *
	 * @param taskStatus the Task's status as written
	 * @param hasReason whether it carries a statusReason
	 * @param ownerPractitioner the Practitioner the Task's owner names, if it names one of the participant's hospital
	 * @param callerPractitioner the Practitioner the caller's token names (fhirUser), or null for a hospital's system
	 */
	public Outcome taskWritten(Consult consult, Consult.Participant participant, String taskStatus, boolean hasReason,
			String ownerPractitioner, String callerPractitioner) {
		if (participant.state().taskStatus().equals(taskStatus)
				|| "in-progress".equals(taskStatus) && participant.state().takesPart()) {
			return new NoStep(); // OneTrip's own rewrite, or a note added: no step
		}
		if (consult.closed()) {
			return new Refusal(Refusal.Kind.CONFLICT, "The consult ServiceRequest/" + consult.serviceRequestId() + " is closed: its Tasks no longer move");
		}
		if (callerPractitioner != null && participant.practitionerId() != null && !participant.practitionerId().equals(callerPractitioner)) {
			return new Refusal(Refusal.Kind.FORBIDDEN, "Practitioner/" + callerPractitioner + " is not on this consult: Task/"
					+ participant.taskId() + " is Practitioner/" + participant.practitionerId() + "'s");
		}
		return switch (taskStatus) {
			case "accepted" -> accept(participant, ownerPractitioner, callerPractitioner);
			case "rejected" -> participant.state() == ParticipantState.COMPLETED
					? new Refusal(Refusal.Kind.CONFLICT, "This participant's opinion is given; it cannot decline any more")
					: hasReason ? new Step(participant.withState(ParticipantState.DECLINED, participant.practitionerId()))
							: new Refusal(Refusal.Kind.UNPROCESSABLE, "Declining a consult needs Task.statusReason: the requester reads why");
			case "completed" -> new Refusal(Refusal.Kind.UNPROCESSABLE, "A consult Task is completed by the participant's opinion: "
					+ "a final DiagnosticReport whose basedOn is ServiceRequest/" + consult.serviceRequestId());
			case "cancelled" -> new Refusal(Refusal.Kind.UNPROCESSABLE, "The requesting hospital withdraws a consult by revoking "
					+ "its ServiceRequest; a participant declines (status rejected, with a statusReason)");
			default -> new Refusal(Refusal.Kind.UNPROCESSABLE, "A consulting participant answers its Task with status accepted, "
					+ "or rejected with a statusReason; '" + taskStatus + "' is not an answer");
		};
	}

	private Outcome accept(Consult.Participant participant, String ownerPractitioner, String callerPractitioner) {
		if (participant.state() != ParticipantState.REQUESTED) {
			return new Refusal(Refusal.Kind.CONFLICT, "Task/" + participant.taskId() + " is " + participant.state().taskStatus()
					+ ": only a requested consult is accepted");
		}
		if (participant.practitionerId() == null && callerPractitioner != null && ownerPractitioner != null
				&& !ownerPractitioner.equals(callerPractitioner)) {
			return new Refusal(Refusal.Kind.FORBIDDEN, "Practitioner/" + callerPractitioner + " accepts a consult for themselves, "
					+ "not for Practitioner/" + ownerPractitioner + ": a colleague accepts with their own sign-in");
		}
		String who = participant.practitionerId() != null ? participant.practitionerId()
				: ownerPractitioner != null ? ownerPractitioner : callerPractitioner;
		if (who == null) {
			return new Refusal(Refusal.Kind.UNPROCESSABLE, "Accepting a consult asked of " + hospitalName.apply(participant.hospital())
					+ " names who takes it: set Task.owner to the consultant's PractitionerRole (or Practitioner), or accept "
					+ "with the consultant's own sign-in");
		}
		return new Step(participant.withState(ParticipantState.ACCEPTED, who));
	}

	/**
	 * An opinion (a final DiagnosticReport based on the consult) by these of its participants.
	 *
	 * @param authors the participants the writer speaks for: of the writer's hospital and, when the token names one, its
	 *                practitioner
	 */
	public Outcome opinion(Consult consult, List<Consult.Participant> authors) {
		if (consult.closed()) {
			return new Refusal(Refusal.Kind.CONFLICT, "The consult ServiceRequest/" + consult.serviceRequestId()
					+ " is closed: an opinion comes while it is open");
		}
		List<Consult.Participant> taking = authors.stream().filter(p -> p.state().takesPart()).toList();
		if (taking.isEmpty()) {
			return new Refusal(Refusal.Kind.FORBIDDEN, "Only a consultant who accepted ServiceRequest/" + consult.serviceRequestId()
					+ " gives its opinion");
		}
		// An amended opinion completes nobody new; the first final one is the consult's answer (turnaround).
		List<Consult.Participant> completes = taking.stream().filter(p -> p.state() == ParticipantState.ACCEPTED)
				.map(p -> p.withState(ParticipantState.COMPLETED, p.practitionerId())).toList();
		return new Opinion(completes, consult.state() == Consult.State.OPEN);
	}

	/**
	 * A question or an answer (a Communication based on the consult) from this hospital and, when the token names one,
	 * practitioner: the requesting hospital, or a participant still on the consult.
	 */
	public Outcome message(Consult consult, String hospital, String practitioner) {
		if (consult.closed()) {
			return new Refusal(Refusal.Kind.CONFLICT, "The consult ServiceRequest/" + consult.serviceRequestId()
					+ " is closed: questions and answers end with it");
		}
		if (Objects.equals(hospital, consult.requesterHospital())) {
			return new NoStep();
		}
		boolean onIt = consult.participants().stream().anyMatch(p -> p.hospital().equals(hospital) && p.state().onTheConsult()
				&& (practitioner == null || p.practitionerId() == null || p.practitionerId().equals(practitioner)));
		return onIt ? new NoStep() : new Refusal(Refusal.Kind.FORBIDDEN, (practitioner == null ? hospitalName.apply(hospital)
				: "Practitioner/" + practitioner) + " is not on the consult ServiceRequest/" + consult.serviceRequestId());
	}

	/** An Appointment for the consult: only a synchronous one books a time, once someone has accepted, while it is open. */
	public Outcome booking(Consult consult) {
		if (consult.mode() != ConsultationMode.SYNCHRONOUS) {
			return new Refusal(Refusal.Kind.UNPROCESSABLE, "ServiceRequest/" + consult.serviceRequestId() + " is an asynchronous "
					+ "consult (a review of the records): only a synchronous (video) consult books a time");
		}
		if (consult.closed()) {
			return new Refusal(Refusal.Kind.CONFLICT, "The consult ServiceRequest/" + consult.serviceRequestId() + " is closed");
		}
		if (consult.accepted().isEmpty()) {
			return new Refusal(Refusal.Kind.CONFLICT, "No consultant has accepted ServiceRequest/" + consult.serviceRequestId()
					+ " yet: a time is booked once someone takes the consult");
		}
		return new NoStep();
	}

	/** The requester closed the consult: the participants still answering are cancelled. */
	public List<Consult.Participant> closing(Consult consult) {
		return consult.participants().stream()
				.filter(p -> p.state() == ParticipantState.REQUESTED || p.state() == ParticipantState.ACCEPTED)
				.map(p -> p.withState(ParticipantState.CANCELLED, p.practitionerId())).toList();
	}

	/** Whether this practitioner may read the consult's patient's regional record now: on it, accepted, and it is open. */
	public static boolean grantsAccess(Consult consult, String practitionerId) {
		return practitionerId != null && !consult.closed() && consult.participants().stream()
				.anyMatch(p -> practitionerId.equals(p.practitionerId()) && p.state().takesPart());
	}
}
