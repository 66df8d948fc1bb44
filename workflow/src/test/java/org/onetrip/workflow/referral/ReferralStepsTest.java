package org.onetrip.workflow.referral;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.onetrip.workflow.AppointmentStatus;
import org.onetrip.workflow.referral.ReferralSteps.Refusal;
import org.onetrip.workflow.referral.ReferralSteps.Step;

/** Every step of a cross-hospital referral, without a server: what each write does to it, or why it is refused. */
class ReferralStepsTest {

	static final ReferralSteps STEPS = new ReferralSteps(key -> key.equals("hospital-a") ? "Hospital A" : "Hospital B");
	static final Predicate<String> STILL_KEPT = id -> true;
	static final Predicate<String> LAPSED = id -> false;

	static Referral referral(ReferralState state, String bookedAs) {
		return new Referral("sr1", "t1", "hospital-b", "hospital-a", ReferralCategory.OUTPATIENT_VISIT, state, bookedAs);
	}

	static Referral exam(ReferralState state, String bookedAs) {
		return new Referral("sr1", "t1", "hospital-b", "hospital-a", ReferralCategory.EXAMINATION, state, bookedAs);
	}

	@Test
	void onlyAnActiveRequestFromOneRegionHospitalToAnotherOpensAReferral() {
		assertThat(ReferralSteps.opens(true, Optional.of("hospital-b"), Optional.of("hospital-a"))).isTrue();
		assertThat(ReferralSteps.opens(false, Optional.of("hospital-b"), Optional.of("hospital-a"))).as("a draft").isFalse();
		assertThat(ReferralSteps.opens(true, Optional.of("hospital-a"), Optional.of("hospital-a"))).as("inside one hospital").isFalse();
		assertThat(ReferralSteps.opens(true, Optional.of("hospital-b"), Optional.empty())).as("outside the region").isFalse();
	}

	@Test
	void theReceivingHospitalAnswersThroughTheTask() {
		assertThat(STEPS.taskWritten(referral(ReferralState.REQUESTED, null), "ServiceRequest/sr1", "accepted", false))
				.isEqualTo(new Step(ReferralState.ACCEPTED, null));
		assertThat(STEPS.taskWritten(referral(ReferralState.REQUESTED, null), "ServiceRequest/sr1", "rejected", true))
				.isEqualTo(new Step(ReferralState.REJECTED, null));
		assertThat(STEPS.taskWritten(referral(ReferralState.ACCEPTED, null), "ServiceRequest/sr1", "cancelled", false))
				.isEqualTo(new Step(ReferralState.CANCELLED, null));
	}

	@Test
	void aTaskWriteThatCannotBeAStepIsRefusedWithItsReason() {
		assertThat(STEPS.taskWritten(referral(ReferralState.REQUESTED, null), "ServiceRequest/sr1", "rejected", false))
				.isEqualTo(new Refusal(Refusal.Kind.INVALID, "Rejecting a referral needs Task.statusReason: the referring hospital is told why"));
		assertThat(STEPS.taskWritten(referral(ReferralState.REQUESTED, null), "ServiceRequest/other", "accepted", false))
				.extracting(o -> ((Refusal) o).kind()).isEqualTo(Refusal.Kind.INVALID);
		assertThat(STEPS.taskWritten(referral(ReferralState.REQUESTED, null), "ServiceRequest/sr1", "on-hold", false))
				.extracting(o -> ((Refusal) o).reason()).asString().contains("'on-hold' has no meaning");
		Refusal booking = (Refusal) STEPS.taskWritten(referral(ReferralState.ACCEPTED, null), "ServiceRequest/sr1", "in-progress", false);
		assertThat(booking.kind()).isEqualTo(Refusal.Kind.CONFLICT);
		assertThat(booking.reason()).contains("is accepted; it cannot become in-progress by writing its Task");
		assertThat(STEPS.taskWritten(referral(ReferralState.REJECTED, null), "ServiceRequest/sr1", "accepted", false))
				.as("an answer is final").isInstanceOf(Refusal.class);
		assertThat(STEPS.taskWritten(referral(ReferralState.ACCEPTED, null), "ServiceRequest/sr1", "rejected", false))
				.as("a move that is not the hospital's to make is a conflict, reason or not")
				.extracting(o -> ((Refusal) o).kind()).isEqualTo(Refusal.Kind.CONFLICT);
	}

	@Test
	void aTaskThatShowsTheLedgersStateIsNoStep() {
		// How OneTrip's own rewrite of the Task comes back through the pipeline, with no guard.
		assertThat(STEPS.taskWritten(referral(ReferralState.BOOKED, "ap1"), "ServiceRequest/sr1", "in-progress", false))
				.isEqualTo(ReferralSteps.NOTHING);
		assertThat(STEPS.taskWritten(referral(ReferralState.COMPLETED, "ap1"), "ServiceRequest/sr1", "completed", false))
				.isEqualTo(ReferralSteps.NOTHING);
	}

	@Test
	void nothingIsBookedBeforeTheReferralIsAcceptedNorAfterItEnded() {
		Refusal waiting = (Refusal) STEPS.appointmentWritten(referral(ReferralState.REQUESTED, null), "ap1",
				AppointmentStatus.BOOKED, Optional.empty(), STILL_KEPT);
		assertThat(waiting.kind()).isEqualTo(Refusal.Kind.CONFLICT);
		assertThat(waiting.reason()).contains("waits for Hospital A to accept it (Task/t1)");
		for (ReferralState ended : new ReferralState[] {ReferralState.REJECTED, ReferralState.CANCELLED}) {
			assertThat(STEPS.appointmentWritten(referral(ended, null), "ap1", AppointmentStatus.PENDING, Optional.empty(), STILL_KEPT))
					.as(ended.name()).isInstanceOf(Refusal.class);
		}
	}

	@Test
	void anAcceptedReferralIsBookedOnceAtTheHospitalItWasSentTo() {
		assertThat(STEPS.appointmentWritten(referral(ReferralState.ACCEPTED, null), "ap1", AppointmentStatus.PENDING,
				Optional.of("hospital-a"), STILL_KEPT)).isEqualTo(new Step(ReferralState.BOOKED, "ap1"));
		Refusal elsewhere = (Refusal) STEPS.appointmentWritten(referral(ReferralState.ACCEPTED, null), "ap1",
				AppointmentStatus.BOOKED, Optional.of("hospital-b"), STILL_KEPT);
		assertThat(elsewhere).isEqualTo(new Refusal(Refusal.Kind.INVALID,
				"ServiceRequest/sr1 refers the patient to Hospital A; it cannot be booked at Hospital B"));

		Refusal second = (Refusal) STEPS.appointmentWritten(referral(ReferralState.BOOKED, "ap1"), "ap2",
				AppointmentStatus.BOOKED, Optional.empty(), STILL_KEPT);
		assertThat(second.kind()).isEqualTo(Refusal.Kind.CONFLICT);
		assertThat(second.reason()).contains("already booked as Appointment/ap1");
		assertThat(STEPS.appointmentWritten(referral(ReferralState.BOOKED, "ap1"), "ap2", AppointmentStatus.BOOKED,
				Optional.empty(), LAPSED)).as("the first one's hold lapsed").isEqualTo(new Step(ReferralState.BOOKED, "ap2"));
	}

	@Test
	void cancellingTheBookingGivesTheReferralBack() {
		assertThat(STEPS.appointmentWritten(referral(ReferralState.BOOKED, "ap1"), "ap1", AppointmentStatus.CANCELLED,
				Optional.empty(), STILL_KEPT)).isEqualTo(new Step(ReferralState.ACCEPTED, null));
		assertThat(STEPS.appointmentLetGo(referral(ReferralState.BOOKED, "ap1"), "ap2"))
				.as("another appointment let go").isEqualTo(ReferralSteps.NOTHING);
	}

	@Test
	void aVisitCompletesItsReferralButAnExamWaitsForItsReport() {
		assertThat(STEPS.appointmentWritten(referral(ReferralState.BOOKED, "ap1"), "ap1", AppointmentStatus.FULFILLED,
				Optional.empty(), STILL_KEPT)).isEqualTo(new Step(ReferralState.COMPLETED, "ap1"));
		assertThat(STEPS.appointmentWritten(exam(ReferralState.BOOKED, "ap1"), "ap1", AppointmentStatus.FULFILLED,
				Optional.empty(), STILL_KEPT)).isEqualTo(ReferralSteps.NOTHING);
		assertThat(STEPS.appointmentWritten(referral(ReferralState.BOOKED, "ap1"), "ap1", AppointmentStatus.ARRIVED,
				Optional.empty(), STILL_KEPT)).isEqualTo(ReferralSteps.NOTHING);

		var completed = STEPS.resultFinal(exam(ReferralState.BOOKED, "ap1"));
		assertThat(completed).isEqualTo(new Step(ReferralState.COMPLETED, "ap1"));
		assertThat(ReferralSteps.asksForFollowUp(completed)).isTrue();
		assertThat(ReferralSteps.asksForFollowUp(STEPS.resultFinal(exam(ReferralState.COMPLETED, "ap1"))))
				.as("a corrected report asks no second time").isFalse();
	}

	@Test
	void followUpVisitsAreBookedAgainstACompletedReferral() {
		assertThat(STEPS.appointmentWritten(referral(ReferralState.COMPLETED, "ap1"), "ap9", AppointmentStatus.BOOKED,
				Optional.of("hospital-b"), STILL_KEPT)).isEqualTo(ReferralSteps.NOTHING);
	}

	@Test
	void aWithdrawnRequestCancelsAReferralThatHasNotEnded() {
		assertThat(STEPS.serviceRequestWithdrawn(referral(ReferralState.BOOKED, "ap1")))
				.isEqualTo(new Step(ReferralState.CANCELLED, "ap1"));
		assertThat(STEPS.serviceRequestWithdrawn(referral(ReferralState.COMPLETED, "ap1"))).isEqualTo(ReferralSteps.NOTHING);
	}
}
