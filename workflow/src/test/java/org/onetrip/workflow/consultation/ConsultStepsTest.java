package org.onetrip.workflow.consultation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.onetrip.workflow.consultation.CommonTimes.Interval;
import org.onetrip.workflow.consultation.ConsultSteps.NoStep;
import org.onetrip.workflow.consultation.ConsultSteps.Opinion;
import org.onetrip.workflow.consultation.ConsultSteps.Refusal;
import org.onetrip.workflow.consultation.ConsultSteps.Step;

/** Every step of a consult without a server: answering a Task, the opinion, messages, booking, closing, access. */
class ConsultStepsTest {

	static final ConsultSteps STEPS = new ConsultSteps(key -> "Hospital " + key);
	static final Instant ASKED = Instant.parse("2026-12-01T02:00:00Z");

	static Consult.Participant named(String task, String hospital, String practitioner, ParticipantState state) {
		return new Consult.Participant(task, hospital, practitioner, null, state);
	}

	static Consult.Participant department(String task, String hospital, ParticipantState state) {
		return new Consult.Participant(task, hospital, null, hospital + "-radiology", state);
	}

	static Consult consult(Consult.State state, ConsultationMode mode, Consult.Participant... participants) {
		return new Consult("sr1", "p1", "clinic-c", mode, state, ASKED, null, null, List.of(participants));
	}

	@Test
	void aNamedSpecialistAcceptsOrDeclinesWithAReasonAndNobodyElseAnswersForThem() {
		Consult.Participant zhao = named("t1", "imaging-d", "imaging-d-zhao-qiang", ParticipantState.REQUESTED);
		Consult open = consult(Consult.State.OPEN, ConsultationMode.ASYNCHRONOUS, zhao);

		assertThat(STEPS.taskWritten(open, zhao, "accepted", false, null, null)).isInstanceOfSatisfying(Step.class,
				s -> assertThat(s.participant().state()).isEqualTo(ParticipantState.ACCEPTED));
		assertThat(STEPS.taskWritten(open, zhao, "accepted", false, null, "imaging-d-wu-xia")).as("a colleague")
				.isInstanceOfSatisfying(Refusal.class, r -> assertThat(r.kind()).isEqualTo(Refusal.Kind.FORBIDDEN));
		assertThat(STEPS.taskWritten(open, zhao, "rejected", false, null, null)).as("no reason")
				.isInstanceOfSatisfying(Refusal.class, r -> assertThat(r.kind()).isEqualTo(Refusal.Kind.UNPROCESSABLE));
		assertThat(STEPS.taskWritten(open, zhao, "rejected", true, null, null)).isInstanceOfSatisfying(Step.class,
				s -> assertThat(s.participant().state()).isEqualTo(ParticipantState.DECLINED));
		assertThat(STEPS.taskWritten(open, zhao, "completed", false, null, null)).as("completed by the opinion only")
				.isInstanceOf(Refusal.class);
		assertThat(STEPS.taskWritten(open, zhao, "requested", false, null, null)).as("OneTrip's own rewrite").isInstanceOf(NoStep.class);
		assertThat(STEPS.taskWritten(consult(Consult.State.CLOSED, ConsultationMode.ASYNCHRONOUS, zhao), zhao, "accepted", false, null, null))
				.isInstanceOfSatisfying(Refusal.class, r -> assertThat(r.kind()).isEqualTo(Refusal.Kind.CONFLICT));
	}

	@Test
	void aDepartmentsConsultIsTakenByTheOneWhoAcceptsIt() {
		Consult.Participant radiology = department("t1", "hospital-a", ParticipantState.REQUESTED);
		Consult open = consult(Consult.State.OPEN, ConsultationMode.ASYNCHRONOUS, radiology);

		assertThat(STEPS.taskWritten(open, radiology, "accepted", false, null, null)).as("nobody named")
				.isInstanceOfSatisfying(Refusal.class, r -> assertThat(r.reason()).contains("names who takes it"));
		assertThat(STEPS.taskWritten(open, radiology, "accepted", false, "hospital-a-chen-wei", null))
				.isInstanceOfSatisfying(Step.class, s -> assertThat(s.participant().practitionerId()).isEqualTo("hospital-a-chen-wei"));
		assertThat(STEPS.taskWritten(open, radiology, "accepted", false, null, "hospital-a-li-na"))
				.isInstanceOfSatisfying(Step.class, s -> assertThat(s.participant().practitionerId()).isEqualTo("hospital-a-li-na"));
		assertThat(STEPS.taskWritten(open, radiology, "accepted", false, "hospital-a-chen-wei", "hospital-a-li-na"))
				.as("not for a colleague").isInstanceOfSatisfying(Refusal.class, r -> assertThat(r.kind()).isEqualTo(Refusal.Kind.FORBIDDEN));
	}

	@Test
	void theOpinionComesFromAnAcceptedConsultantAndOnlyTheFirstCountsForTheTurnaround() {
		Consult.Participant zhao = named("t1", "imaging-d", "imaging-d-zhao-qiang", ParticipantState.ACCEPTED);
		Consult.Participant chen = named("t2", "hospital-a", "hospital-a-chen-wei", ParticipantState.REQUESTED);
		Consult open = consult(Consult.State.OPEN, ConsultationMode.ASYNCHRONOUS, zhao, chen);

		assertThat(STEPS.opinion(open, List.of(chen))).as("not accepted").isInstanceOfSatisfying(Refusal.class,
				r -> assertThat(r.kind()).isEqualTo(Refusal.Kind.FORBIDDEN));
		assertThat(STEPS.opinion(open, List.of())).as("not on it").isInstanceOf(Refusal.class);
		assertThat(STEPS.opinion(open, List.of(zhao))).isInstanceOfSatisfying(Opinion.class, o -> {
			assertThat(o.firstAnswer()).isTrue();
			assertThat(o.completes()).singleElement().satisfies(p -> assertThat(p.state()).isEqualTo(ParticipantState.COMPLETED));
		});
		Consult answered = consult(Consult.State.ANSWERED, ConsultationMode.ASYNCHRONOUS,
				zhao.withState(ParticipantState.COMPLETED, zhao.practitionerId()), chen);
		assertThat(STEPS.opinion(answered, List.of(answered.participants().get(0)))).as("an amended opinion")
				.isInstanceOfSatisfying(Opinion.class, o -> {
					assertThat(o.firstAnswer()).isFalse();
					assertThat(o.completes()).isEmpty();
				});
		assertThat(STEPS.opinion(consult(Consult.State.CLOSED, ConsultationMode.ASYNCHRONOUS, zhao), List.of(zhao)))
				.isInstanceOfSatisfying(Refusal.class, r -> assertThat(r.kind()).isEqualTo(Refusal.Kind.CONFLICT));
	}

	@Test
	void messagesComeFromTheRequesterOrAParticipantStillOnTheConsult() {
		Consult.Participant zhao = named("t1", "imaging-d", "imaging-d-zhao-qiang", ParticipantState.ACCEPTED);
		Consult.Participant declined = named("t2", "hospital-a", "hospital-a-chen-wei", ParticipantState.DECLINED);
		Consult open = consult(Consult.State.OPEN, ConsultationMode.ASYNCHRONOUS, zhao, declined);

		assertThat(STEPS.message(open, "clinic-c", "clinic-c-xu-jing")).isInstanceOf(NoStep.class);
		assertThat(STEPS.message(open, "imaging-d", "imaging-d-zhao-qiang")).isInstanceOf(NoStep.class);
		assertThat(STEPS.message(open, "imaging-d", null)).as("the hospital's system").isInstanceOf(NoStep.class);
		assertThat(STEPS.message(open, "imaging-d", "imaging-d-wu-xia")).as("a colleague").isInstanceOf(Refusal.class);
		assertThat(STEPS.message(open, "hospital-a", null)).as("declined").isInstanceOf(Refusal.class);
		assertThat(STEPS.message(open, "hospital-b", null)).as("never asked").isInstanceOf(Refusal.class);
		assertThat(STEPS.message(consult(Consult.State.CLOSED, ConsultationMode.ASYNCHRONOUS, zhao), "clinic-c", null))
				.isInstanceOfSatisfying(Refusal.class, r -> assertThat(r.kind()).isEqualTo(Refusal.Kind.CONFLICT));
	}

	@Test
	void onlyAnAcceptedSynchronousConsultBooksATime() {
		Consult.Participant asked = named("t1", "imaging-d", "imaging-d-zhao-qiang", ParticipantState.REQUESTED);
		Consult.Participant accepted = asked.withState(ParticipantState.ACCEPTED, asked.practitionerId());
		assertThat(STEPS.booking(consult(Consult.State.OPEN, ConsultationMode.ASYNCHRONOUS, accepted))).isInstanceOf(Refusal.class);
		assertThat(STEPS.booking(consult(Consult.State.OPEN, ConsultationMode.SYNCHRONOUS, asked))).isInstanceOf(Refusal.class);
		assertThat(STEPS.booking(consult(Consult.State.CLOSED, ConsultationMode.SYNCHRONOUS, accepted))).isInstanceOf(Refusal.class);
		assertThat(STEPS.booking(consult(Consult.State.OPEN, ConsultationMode.SYNCHRONOUS, accepted))).isInstanceOf(NoStep.class);
	}

	@Test
	void accessLastsWhileTheConsultIsOpenAndOnlyForThoseWhoTookIt() {
		Consult.Participant zhao = named("t1", "imaging-d", "imaging-d-zhao-qiang", ParticipantState.COMPLETED);
		Consult.Participant asked = named("t2", "hospital-a", "hospital-a-chen-wei", ParticipantState.REQUESTED);
		Consult answered = consult(Consult.State.ANSWERED, ConsultationMode.ASYNCHRONOUS, zhao, asked);
		assertThat(ConsultSteps.grantsAccess(answered, "imaging-d-zhao-qiang")).isTrue();
		assertThat(ConsultSteps.grantsAccess(answered, "hospital-a-chen-wei")).as("not accepted").isFalse();
		assertThat(ConsultSteps.grantsAccess(answered, "imaging-d-wu-xia")).as("a colleague").isFalse();
		assertThat(ConsultSteps.grantsAccess(answered, null)).isFalse();
		assertThat(STEPS.closing(answered)).singleElement().satisfies(p -> {
			assertThat(p.taskId()).isEqualTo("t2");
			assertThat(p.state()).isEqualTo(ParticipantState.CANCELLED);
		});
		Consult closed = consult(Consult.State.CLOSED, ConsultationMode.ASYNCHRONOUS, zhao, asked);
		assertThat(ConsultSteps.grantsAccess(closed, "imaging-d-zhao-qiang")).isFalse();
	}

	@Test
	void commonTimesAreTheCandidatesNoParticipantIsBusyIn() {
		Instant nine = Instant.parse("2026-12-03T01:00:00Z");
		Interval a = new Interval(nine, nine.plus(Duration.ofMinutes(30)));
		Interval b = new Interval(a.end(), a.end().plus(Duration.ofMinutes(30)));
		Interval c = new Interval(b.end(), b.end().plus(Duration.ofMinutes(30)));
		List<Interval> busyOfOne = List.of(new Interval(nine.plus(Duration.ofMinutes(40)), nine.plus(Duration.ofMinutes(50))));
		List<Interval> busyOfOther = List.of(new Interval(c.start(), c.end()));
		assertThat(CommonTimes.whenAllFree(List.of(a, b, c), List.of(busyOfOne, busyOfOther, List.of()))).containsExactly(a);
		assertThat(CommonTimes.whenAllFree(List.of(a, b, c), List.of())).containsExactly(a, b, c);
		assertThat(a.overlaps(b)).as("half-open: back to back is no overlap").isFalse();
	}

	@Test
	void turnaroundPercentilesByNearestRank() {
		List<Duration> hours = List.of(Duration.ofHours(5), Duration.ofHours(1), Duration.ofHours(3), Duration.ofHours(2),
				Duration.ofHours(4), Duration.ofHours(6), Duration.ofHours(7), Duration.ofHours(8), Duration.ofHours(9), Duration.ofHours(10));
		assertThat(Turnaround.percentile(hours, 50)).contains(Duration.ofHours(5));
		assertThat(Turnaround.percentile(hours, 90)).contains(Duration.ofHours(9));
		assertThat(Turnaround.percentile(List.of(Duration.ofMinutes(7)), 90)).contains(Duration.ofMinutes(7));
		assertThat(Turnaround.percentile(List.of(), 50)).isEmpty();
	}
}
