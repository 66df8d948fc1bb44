package org.onetrip.server.subscription;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiPredicate;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Task;

/**
 * The events OneTrip publishes as subscription topics (FHIR Subscriptions R5 Backport for R4): a Subscription names
 * one by its canonical URL in {@code criteria}, narrows it with filter criteria (searches on the topic's resource),
 * and gets a notification Bundle for each event. Each topic says which write is its event: a transition, not merely
 * "a matching resource was written" (a report corrected twice is two events, re-saving a final one is none).
 */
public enum Topic {

	REPORT_FINAL("report-final", "DiagnosticReport",
			"A diagnostic report became final, or a final one was amended or corrected: the result a referring hospital waits for",
			Topic::becameFinal),
	IMAGING_STUDY_NEW("imaging-study-new", "ImagingStudy",
			"A new imaging study of a person, from any hospital's PACS (filter patient= matches every record of the person)",
			(before, now) -> before == null),
	APPOINTMENT_BOOKED("appointment-booked", "Appointment", "An appointment was booked",
			(before, now) -> status(now) == Appointment.AppointmentStatus.BOOKED && (before == null || status(before) != Appointment.AppointmentStatus.BOOKED)),
	APPOINTMENT_CANCELLED("appointment-cancelled", "Appointment", "A booked or pending appointment was cancelled",
			(before, now) -> status(now) == Appointment.AppointmentStatus.CANCELLED && before != null
					&& status(before) != Appointment.AppointmentStatus.CANCELLED),
	REFERRAL_TASK_CHANGED("referral-task-changed", "Task",
			"A referral's or a consult's Task was opened or changed its status, business status or owner",
			(before, now) -> isReferralTask(now) && (before == null || changed((Task) before, (Task) now))),
	CONSULTATION_OPINION("consultation-opinion", "DiagnosticReport",
			"A consultant's opinion on a consult became final (or was amended): the answer the requesting hospital waits for",
			(before, now) -> org.onetrip.server.consultation.ConsultationRequests.isOpinion((DiagnosticReport) now)
					&& becameFinal(before, now)),
	FOLLOW_UP_REMINDER("follow-up-reminder", "Communication",
			"A follow-up of the person's plan is overdue: the reminder to the patient (filter recipient= or subject=)",
			(before, now) -> before == null && isReminder(now));

	/** A report became final, or a final one changed its status (amended, corrected). */
	private static boolean becameFinal(IBaseResource before, IBaseResource now) {
		return isFinal(now) && (before == null || !isFinal(before)
				|| ((DiagnosticReport) before).getStatus() != ((DiagnosticReport) now).getStatus());
	}

	/** Where OneTrip's topics are named (their canonical URLs are this plus the topic's code). */
	public static final String CANONICAL_BASE = "http://onetrip.org/fhir/SubscriptionTopic/";

	private static final Set<DiagnosticReport.DiagnosticReportStatus> FINAL = Set.of(DiagnosticReport.DiagnosticReportStatus.FINAL,
			DiagnosticReport.DiagnosticReportStatus.AMENDED, DiagnosticReport.DiagnosticReportStatus.CORRECTED,
			DiagnosticReport.DiagnosticReportStatus.APPENDED);

	private final String code;
	private final String resourceType;
	private final String description;
	private final BiPredicate<IBaseResource, IBaseResource> event;

	Topic(String code, String resourceType, String description, BiPredicate<IBaseResource, IBaseResource> event) {
		this.code = code;
		this.resourceType = resourceType;
		this.description = description;
		this.event = event;
	}

	public String url() {
		return CANONICAL_BASE + code;
	}

	public String resourceType() {
		return resourceType;
	}

	public String description() {
		return description;
	}

	public static Optional<Topic> byUrl(String url) {
		return Arrays.stream(values()).filter(t -> t.url().equals(url)).findFirst();
	}

	/** Whether this write (before: the stored version it replaced, null for a create) is one of this topic's events. */
	public boolean isEvent(IBaseResource before, IBaseResource now) {
		return now.fhirType().equals(resourceType) && (before == null || before.fhirType().equals(resourceType))
				&& event.test(before, now);
	}

	private static boolean isFinal(IBaseResource report) {
		return FINAL.contains(((DiagnosticReport) report).getStatus());
	}

	private static Appointment.AppointmentStatus status(IBaseResource appointment) {
		return ((Appointment) appointment).getStatus();
	}

	private static boolean isReminder(IBaseResource resource) {
		return ((Communication) resource).getCategory().stream().flatMap(c -> c.getCoding().stream())
				.anyMatch(c -> "reminder".equals(c.getCode()) && "http://terminology.hl7.org/CodeSystem/communication-category".equals(c.getSystem()));
	}

	/** OneTrip's referral Tasks: the receiving hospital's "fulfill" of a ServiceRequest, and the follow-up booking. */
	private static boolean isReferralTask(IBaseResource resource) {
		Task task = (Task) resource;
		return task.getFocus().getReferenceElement().getResourceType() != null
				&& "ServiceRequest".equals(task.getFocus().getReferenceElement().getResourceType());
	}

	private static boolean changed(Task before, Task now) {
		return before.getStatus() != now.getStatus()
				|| !Objects.equals(before.getBusinessStatus().getText(), now.getBusinessStatus().getText())
				|| !Objects.equals(before.getBusinessStatus().getCodingFirstRep().getCode(), now.getBusinessStatus().getCodingFirstRep().getCode())
				|| !Objects.equals(before.getOwner().getReference(), now.getOwner().getReference());
	}
}
