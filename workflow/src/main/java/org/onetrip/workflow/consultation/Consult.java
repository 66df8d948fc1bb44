package org.onetrip.workflow.consultation;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One consultation request as the rules see it: who asked, how, where it stands, and who was asked.
 *
 * @param serviceRequestId the consultation request
 * @param requesterHospital the hospital that asked (often a county hospital or a primary clinic)
 * @param state OPEN until the requester closes it (completed, revoked); ANSWERED once an opinion is final
 * @param participants everyone asked: one per named specialist, department or hospital
 */
public record Consult(String serviceRequestId, String patientId, String requesterHospital, ConsultationMode mode, State state,
		Instant requestedAt, Instant answeredAt, Instant closedAt, List<Participant> participants) {

	public enum State { OPEN, ANSWERED, CLOSED }

	public Consult {
		participants = List.copyOf(participants);
	}

	/**
	 * One consulting participant and its Task.
	 *
	 * @param hospital the participant's hospital
	 * @param practitionerId the Practitioner who takes part: named in the request, or the one who accepted a department's
	 *                       or a hospital's Task; null until then
	 * @param serviceId the department (HealthcareService) asked, or null when a hospital was asked without one
	 */
	public record Participant(String taskId, String hospital, String practitionerId, String serviceId, ParticipantState state) {

		public Participant withState(ParticipantState next, String practitioner) {
			return new Participant(taskId, hospital, practitioner, serviceId, next);
		}
	}

	public boolean closed() {
		return state == State.CLOSED;
	}

	public Optional<Participant> participantOfTask(String taskId) {
		return participants.stream().filter(p -> p.taskId().equals(taskId)).findFirst();
	}

	public List<Participant> accepted() {
		return participants.stream().filter(p -> p.state().takesPart()).toList();
	}
}
