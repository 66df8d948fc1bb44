package org.onetrip.workflow.consultation;

import java.util.Optional;

/** Where one consulting participant stands, and the FHIR Task status that shows it. */
public enum ParticipantState {
	REQUESTED("requested"),
	ACCEPTED("accepted"),
	DECLINED("rejected"),
	/** The participant's opinion is final (a DiagnosticReport based on the consult). */
	COMPLETED("completed"),
	/** The consult closed before this participant answered. */
	CANCELLED("cancelled");

	private final String taskStatus;

	ParticipantState(String taskStatus) {
		this.taskStatus = taskStatus;
	}

	public String taskStatus() {
		return taskStatus;
	}

	/** Accepted, or already answered: on the consult, with its access while it is open. */
	public boolean takesPart() {
		return this == ACCEPTED || this == COMPLETED;
	}

	/** Still answering: asked and not declined, not cancelled. */
	public boolean onTheConsult() {
		return this == REQUESTED || takesPart();
	}

	public static Optional<ParticipantState> ofTaskStatus(String status) {
		for (ParticipantState state : values()) {
			if (state.taskStatus.equals(status)) {
				return Optional.of(state);
			}
		}
		return Optional.empty();
	}
}
