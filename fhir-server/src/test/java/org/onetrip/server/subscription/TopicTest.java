package org.onetrip.server.subscription;

import static org.assertj.core.api.Assertions.assertThat;

import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.Test;

/** Which writes are a topic's events: transitions, judged from the stored version and the new one (no server). */
class TopicTest {

	private static DiagnosticReport report(DiagnosticReport.DiagnosticReportStatus status) {
		return new DiagnosticReport().setStatus(status);
	}

	private static Appointment appointment(Appointment.AppointmentStatus status) {
		return new Appointment().setStatus(status);
	}

	@Test
	void aReportIsAnEventWhenItBecomesFinalOrAFinalOneIsCorrected() {
		var preliminary = report(DiagnosticReport.DiagnosticReportStatus.PRELIMINARY);
		var fin = report(DiagnosticReport.DiagnosticReportStatus.FINAL);
		var corrected = report(DiagnosticReport.DiagnosticReportStatus.CORRECTED);
		assertThat(Topic.REPORT_FINAL.isEvent(null, fin)).isTrue();
		assertThat(Topic.REPORT_FINAL.isEvent(preliminary, fin)).isTrue();
		assertThat(Topic.REPORT_FINAL.isEvent(fin, corrected)).isTrue();
		assertThat(Topic.REPORT_FINAL.isEvent(fin, report(DiagnosticReport.DiagnosticReportStatus.FINAL))).as("saved again").isFalse();
		assertThat(Topic.REPORT_FINAL.isEvent(null, preliminary)).isFalse();
		assertThat(Topic.REPORT_FINAL.isEvent(fin, report(DiagnosticReport.DiagnosticReportStatus.ENTEREDINERROR))).isFalse();
	}

	@Test
	void aConsultationOpinionIsAnEventWhenAReportMarkedAsOneBecomesFinal() {
		var opinion = report(DiagnosticReport.DiagnosticReportStatus.FINAL);
		opinion.addCategory(new org.hl7.fhir.r4.model.CodeableConcept(org.onetrip.server.consultation.ConsultationRequests.category()));
		var draft = opinion.copy().setStatus(DiagnosticReport.DiagnosticReportStatus.PRELIMINARY);
		assertThat(Topic.CONSULTATION_OPINION.isEvent(null, opinion)).isTrue();
		assertThat(Topic.CONSULTATION_OPINION.isEvent(draft, opinion)).isTrue();
		assertThat(Topic.CONSULTATION_OPINION.isEvent(opinion, opinion.copy())).as("saved again").isFalse();
		assertThat(Topic.CONSULTATION_OPINION.isEvent(null, report(DiagnosticReport.DiagnosticReportStatus.FINAL))).as("any report").isFalse();
	}

	@Test
	void anImagingStudyIsAnEventOnlyWhenNew() {
		assertThat(Topic.IMAGING_STUDY_NEW.isEvent(null, new ImagingStudy())).isTrue();
		assertThat(Topic.IMAGING_STUDY_NEW.isEvent(new ImagingStudy(), new ImagingStudy())).as("more instances arrived").isFalse();
		assertThat(Topic.IMAGING_STUDY_NEW.isEvent(null, report(DiagnosticReport.DiagnosticReportStatus.FINAL))).isFalse();
	}

	@Test
	void appointmentsAreEventsWhenBookedAndWhenCancelled() {
		var proposed = appointment(Appointment.AppointmentStatus.PROPOSED);
		var booked = appointment(Appointment.AppointmentStatus.BOOKED);
		var cancelled = appointment(Appointment.AppointmentStatus.CANCELLED);
		assertThat(Topic.APPOINTMENT_BOOKED.isEvent(null, booked)).isTrue();
		assertThat(Topic.APPOINTMENT_BOOKED.isEvent(proposed, booked)).isTrue();
		assertThat(Topic.APPOINTMENT_BOOKED.isEvent(booked, appointment(Appointment.AppointmentStatus.BOOKED))).isFalse();
		assertThat(Topic.APPOINTMENT_CANCELLED.isEvent(booked, cancelled)).isTrue();
		assertThat(Topic.APPOINTMENT_CANCELLED.isEvent(null, cancelled)).as("never held a place").isFalse();
		assertThat(Topic.APPOINTMENT_CANCELLED.isEvent(cancelled, appointment(Appointment.AppointmentStatus.CANCELLED))).isFalse();
	}

	@Test
	void aReferralTaskIsAnEventWhenOpenedOrWhenItsStatusOrOwnerChanges() {
		Task requested = referralTask(Task.TaskStatus.REQUESTED, "Organization/hospital-b");
		assertThat(Topic.REFERRAL_TASK_CHANGED.isEvent(null, requested)).isTrue();
		assertThat(Topic.REFERRAL_TASK_CHANGED.isEvent(requested, referralTask(Task.TaskStatus.ACCEPTED, "Organization/hospital-b"))).isTrue();
		assertThat(Topic.REFERRAL_TASK_CHANGED.isEvent(requested, referralTask(Task.TaskStatus.REQUESTED, "Organization/hospital-c"))).isTrue();
		assertThat(Topic.REFERRAL_TASK_CHANGED.isEvent(requested, referralTask(Task.TaskStatus.REQUESTED, "Organization/hospital-b")))
				.as("nothing that matters changed").isFalse();
		Task other = new Task().setStatus(Task.TaskStatus.REQUESTED);
		other.getFocus().setReference("Patient/1");
		assertThat(Topic.REFERRAL_TASK_CHANGED.isEvent(null, other)).as("not a referral's").isFalse();
	}

	@Test
	void aFollowUpReminderIsAnEventWhenSent() {
		org.hl7.fhir.r4.model.Communication reminder = new org.hl7.fhir.r4.model.Communication();
		reminder.addCategory().addCoding().setSystem("http://terminology.hl7.org/CodeSystem/communication-category").setCode("reminder");
		assertThat(Topic.FOLLOW_UP_REMINDER.isEvent(null, reminder)).isTrue();
		assertThat(Topic.FOLLOW_UP_REMINDER.isEvent(reminder, reminder)).as("re-saved").isFalse();
		assertThat(Topic.FOLLOW_UP_REMINDER.isEvent(null, new org.hl7.fhir.r4.model.Communication())).as("not a reminder").isFalse();
	}

	@Test
	void topicsAreFoundByTheirCanonicalUrl() {
		assertThat(Topic.byUrl(Topic.CANONICAL_BASE + "report-final")).contains(Topic.REPORT_FINAL);
		assertThat(Topic.byUrl(Topic.CANONICAL_BASE + "no-such-topic")).isEmpty();
	}

	private static Task referralTask(Task.TaskStatus status, String owner) {
		Task task = new Task().setStatus(status);
		task.getFocus().setReference("ServiceRequest/referral-1");
		task.getOwner().setReference(owner);
		return task;
	}
}
