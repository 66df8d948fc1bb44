package org.onetrip.server.referral;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.onetrip.server.consultation.ConsultationRequests;
import org.onetrip.server.hapi.Conflict;
import org.onetrip.server.hapi.WorkflowEffects;
import org.onetrip.server.hapi.WorkflowHandler;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.server.scheduling.AppointmentTerms;
import org.onetrip.terminology.region.Hospital;
import org.onetrip.workflow.AppointmentStatus;
import org.onetrip.workflow.booking.Hold;
import org.onetrip.workflow.referral.Referral;
import org.onetrip.workflow.referral.ReferralCategory;
import org.onetrip.workflow.referral.ReferralState;
import org.onetrip.workflow.referral.ReferralSteps;
import org.onetrip.workflow.referral.ReferralSteps.Outcome;

/**
 * Cross-hospital referrals, kept in step with the FHIR writes that move them (a workflow handler, so a step and the
 * write that makes it commit or fail together):
 * <ul>
 * <li>a ServiceRequest whose requester is at one hospital of the region and whose performer is at another
 * opens a referral and its Task (status requested, owner = the receiving hospital);</li>
 * <li>the receiving hospital accepts or rejects it by updating the Task; the referring hospital may cancel;</li>
 * <li>an Appointment based on the referral is refused until it is accepted, and only one is booked at a time;
 * cancelling that appointment gives the referral back; a fulfilled visit completes it;</li>
 * <li>the final DiagnosticReport of a referred exam completes it and gives the referring hospital a Task to
 * book the follow-up visit, which is then booked against the original referral.</li>
 * </ul>
 * Which step follows which is decided by {@link ReferralSteps}; this class reads what it needs, locks the ledger row,
 * and applies the answer to the ledger and the referral's Task.
 */
public class ReferralWorkflow implements WorkflowHandler {

	public static final String TASK_CODE_SYSTEM = "urn:onetrip:task-code";
	public static final String FOLLOW_UP_CODE = "book-follow-up";
	private static final Coding FULFIL = new Coding("http://hl7.org/fhir/CodeSystem/task-code", "fulfill",
			"Fulfill the focal request");

	private static final Set<DiagnosticReport.DiagnosticReportStatus> RESULT_FINAL = Set.of(
			DiagnosticReport.DiagnosticReportStatus.FINAL, DiagnosticReport.DiagnosticReportStatus.AMENDED,
			DiagnosticReport.DiagnosticReportStatus.CORRECTED, DiagnosticReport.DiagnosticReportStatus.APPENDED);

	private final ReferralLedger ledger;
	private final DaoRegistry daoRegistry;
	private final RegionDirectory directory;
	private final MeterRegistry meters;
	private final Hold hold;
	private final Clock clock;
	private final ReferralSteps steps;

	public ReferralWorkflow(ReferralLedger ledger, DaoRegistry daoRegistry, RegionDirectory directory, MeterRegistry meters,
			Hold hold, Clock clock) {
		this.ledger = ledger;
		this.daoRegistry = daoRegistry;
		this.directory = directory;
		this.meters = meters;
		this.hold = hold;
		this.clock = clock;
		this.steps = new ReferralSteps(directory::hospitalName);
	}

	@Override
	public Stage stage() {
		return Stage.REFERRAL;
	}

	@Override
	public Set<String> resourceTypes() {
		return Set.of("ServiceRequest", "Task", "Appointment", "DiagnosticReport");
	}

	@Override
	public void written(Write write, WorkflowEffects effects) {
		if (write.resource() instanceof Appointment appointment) {
			if (write.deleted()) {
				appointmentLetGo(appointment, effects);
			} else {
				appointmentWritten(appointment, effects);
			}
		} else if (write.deleted()) {
			return; // a deleted request, Task or report leaves the referral where it is
		} else if (write.resource() instanceof ServiceRequest request) {
			serviceRequestWritten(request, effects);
		} else if (write.resource() instanceof Task task && write.kind() == Write.Kind.UPDATED) {
			taskWritten(task);
		} else if (write.resource() instanceof DiagnosticReport report) {
			reportWritten(report, effects);
		}
	}

	// --- the referral itself -------------------------------------------------------------------------

	private void serviceRequestWritten(ServiceRequest request, WorkflowEffects effects) {
		String id = request.getIdElement().getIdPart();
		Optional<Referral> known = ledger.lockByServiceRequest(id);
		if (known.isPresent()) {
			boolean withdrawn = request.getStatus() == ServiceRequest.ServiceRequestStatus.REVOKED
					|| request.getStatus() == ServiceRequest.ServiceRequestStatus.ENTEREDINERROR;
			if (withdrawn) {
				apply(known.get(), steps.serviceRequestWithdrawn(known.get()), effects, null);
			}
			return;
		}
		if (ConsultationRequests.isConsultation(request)) {
			return; // a consultation request, with its own workflow (consultation/ConsultationWorkflow)
		}
		Optional<Hospital> from = directory.hospitalOf(request.getRequester().getReference());
		Optional<Hospital> to = request.getPerformer().stream()
				.map(p -> directory.hospitalOf(p.getReference())).flatMap(Optional::stream).findFirst();
		if (!ReferralSteps.opens(request.getStatus() == ServiceRequest.ServiceRequestStatus.ACTIVE,
				from.map(Hospital::key), to.map(Hospital::key))) {
			return;
		}
		ReferralCategory category = ReferralCategory.ofCodes(request.getCategory().stream()
				.flatMap(c -> c.getCoding().stream()).filter(c -> ReferralCategory.SYSTEM.equals(c.getSystem()))
				.map(Coding::getCode).toList());
		Task task = new Task();
		// Its id chosen here, so the ledger row can name it before the pipeline writes it.
		task.setId(UUID.randomUUID().toString());
		task.setStatus(Task.TaskStatus.REQUESTED);
		task.setIntent(Task.TaskIntent.ORDER);
		task.setCode(new CodeableConcept(FULFIL.copy()));
		task.setFocus(new Reference("ServiceRequest/" + id));
		task.setFor(request.getSubject().copy());
		task.setAuthoredOn(Date.from(clock.instant()));
		task.setRequester(request.getRequester().copy());
		task.setOwner(new Reference("Organization/" + to.get().key()).setDisplay(to.get().name()));
		task.setDescription("Referral from " + from.get().name() + " to " + to.get().name() + " ("
				+ category.code() + ")");
		effects.write(task);
		ledger.open(new Referral(id, task.getIdElement().getIdPart(), from.get().key(), to.get().key(), category,
				ReferralState.REQUESTED, null), patientOf(request.getSubject()), clock.instant());
		Counter.builder("onetrip.referrals")
				.description("Cross-hospital referrals sent, by the levels of the two hospitals")
				.tag("from_level", from.get().level().name().toLowerCase(Locale.ROOT))
				.tag("to_level", to.get().level().name().toLowerCase(Locale.ROOT))
				.tag("category", category.code())
				.register(meters).increment();
	}

	/**
	 * A hospital answers (accepted / rejected) or withdraws (cancelled) by writing the referral's Task. The Task is
	 * the write itself, so only the ledger moves; OneTrip's own writes of the Task show the ledger's state and are no step.
	 */
	private void taskWritten(Task task) {
		Optional<Referral> referral = ledger.lockByTask(task.getIdElement().getIdPart());
		if (referral.isEmpty()) {
			return;
		}
		Outcome outcome = steps.taskWritten(referral.get(), RegionDirectory.relative(task.getFocus().getReference()),
				task.hasStatus() ? task.getStatus().toCode() : "", task.hasStatusReason());
		if (refused(outcome) instanceof ReferralSteps.Step step) {
			move(referral.get(), step);
		}
	}

	// --- appointments against it --------------------------------------------------------------------

	private void appointmentWritten(Appointment appointment, WorkflowEffects effects) {
		String appointmentId = appointment.getIdElement().getIdPart();
		AppointmentStatus status = AppointmentTerms.status(appointment);
		Optional<String> visitHospital = appointment.getParticipant().stream()
				.map(p -> directory.hospitalOf(p.getActor().getReference())).flatMap(Optional::stream)
				.map(Hospital::key).findFirst();
		for (Reference basedOn : appointment.getBasedOn()) {
			referralOf(basedOn).ifPresent(referral -> apply(referral,
					steps.appointmentWritten(referral, appointmentId, status, visitHospital, this::keepsReferral), effects, null));
		}
	}

	/** The booking a referral is waiting for is gone (deleted): the referral takes another. */
	private void appointmentLetGo(Appointment appointment, WorkflowEffects effects) {
		String appointmentId = appointment.getIdElement().getIdPart();
		for (Reference basedOn : appointment.getBasedOn()) {
			referralOf(basedOn).ifPresent(referral -> apply(referral, steps.appointmentLetGo(referral, appointmentId), effects, null));
		}
	}

	/** Whether the appointment a referral is booked as still keeps it: booked, or a hold that has not lapsed ({@link Hold}). */
	private boolean keepsReferral(String appointmentId) {
		try {
			Appointment booked = daoRegistry.getResourceDao(Appointment.class)
					.read(new IdType("Appointment", appointmentId), new SystemRequestDetails());
			Instant now = clock.instant();
			return hold.keeps(AppointmentTerms.status(booked), AppointmentTerms.statedHoldExpiry(booked),
					AppointmentTerms.writtenAt(booked, now), now);
		} catch (ResourceNotFoundException | ResourceGoneException e) {
			return false;
		}
	}

	// --- results -----------------------------------------------------------------------------------

	/** A final report of the referred exam completes the referral; the referring hospital books the follow-up. */
	private void reportWritten(DiagnosticReport report, WorkflowEffects effects) {
		if (!RESULT_FINAL.contains(report.getStatus())) {
			return;
		}
		String result = "DiagnosticReport/" + report.getIdElement().getIdPart();
		for (Reference basedOn : report.getBasedOn()) {
			referralOf(basedOn).ifPresent(referral -> {
				Outcome outcome = steps.resultFinal(referral);
				apply(referral, outcome, effects, result);
				if (ReferralSteps.asksForFollowUp(outcome)) {
					effects.write(followUpTask(referral, report));
				}
			});
		}
	}

	private Task followUpTask(Referral referral, DiagnosticReport report) {
		Task followUp = new Task();
		followUp.setStatus(Task.TaskStatus.REQUESTED);
		followUp.setIntent(Task.TaskIntent.PLAN);
		followUp.setCode(new CodeableConcept(new Coding(TASK_CODE_SYSTEM, FOLLOW_UP_CODE, "Book the follow-up visit")));
		followUp.setFocus(new Reference("ServiceRequest/" + referral.serviceRequestId()));
		followUp.setFor(report.getSubject().copy());
		followUp.setAuthoredOn(Date.from(clock.instant()));
		followUp.setRequester(new Reference("Organization/" + referral.performerHospital()));
		followUp.setOwner(new Reference("Organization/" + referral.requesterHospital())
				.setDisplay(directory.hospitalName(referral.requesterHospital())));
		followUp.setDescription("The results of the referred exam are final: book the follow-up visit against "
				+ "ServiceRequest/" + referral.serviceRequestId());
		followUp.addInput().setType(new CodeableConcept().setText("result"))
				.setValue(new Reference("DiagnosticReport/" + report.getIdElement().getIdPart()));
		return followUp;
	}

	private static String patientOf(Reference subject) {
		return "Patient".equals(subject.getReferenceElement().getResourceType()) ? subject.getReferenceElement().getIdPart() : null;
	}

	// --- shared ------------------------------------------------------------------------------------

	/** The referral behind a basedOn reference to a ServiceRequest, its ledger row locked; empty for anything else. */
	private Optional<Referral> referralOf(Reference basedOn) {
		IdType id = new IdType(RegionDirectory.relative(basedOn.getReference() == null ? "" : basedOn.getReference()));
		return "ServiceRequest".equals(id.getResourceType()) ? ledger.lockByServiceRequest(id.getIdPart()) : Optional.empty();
	}

	/**
	 * A step of OneTrip's making: the ledger moves now, the referral's Task is rewritten to show it (with the result
	 * or the appointment as its output) by the pipeline after every handler of this write has run.
	 */
	private void apply(Referral referral, Outcome outcome, WorkflowEffects effects, String result) {
		if (!(refused(outcome) instanceof ReferralSteps.Step step)) {
			return;
		}
		move(referral, step);
		Task task = effects.queued("Task", referral.taskId()).map(Task.class::cast).orElseGet(() -> daoRegistry
				.getResourceDao(Task.class).read(new IdType("Task", referral.taskId()), new SystemRequestDetails()));
		task.setStatus(Task.TaskStatus.fromCode(step.next().taskStatus()));
		task.setLastModified(Date.from(clock.instant()));
		if (result != null) {
			task.addOutput().setType(new CodeableConcept().setText("result")).setValue(new Reference(result));
		}
		if (step.next() == ReferralState.BOOKED && step.bookedAs() != null) {
			task.getOutput().removeIf(o -> o.getValue() instanceof Reference r && r.getReference().startsWith("Appointment/"));
			task.addOutput().setType(new CodeableConcept().setText("appointment")).setValue(new Reference("Appointment/" + step.bookedAs()));
		}
		effects.write(task);
	}

	private void move(Referral referral, ReferralSteps.Step step) {
		ledger.moveTo(referral.serviceRequestId(), step.next(), step.bookedAs(), clock.instant());
		Counter.builder("onetrip.referral.steps")
				.description("Referral state changes, by receiving hospital and the state reached")
				.tag("to_hospital", referral.performerHospital()).tag("state", step.next().name().toLowerCase(Locale.ROOT))
				.register(meters).increment();
	}

	/** A refusal becomes the write's 409 or 422; any other outcome is returned as it is. */
	private static Outcome refused(Outcome outcome) {
		if (outcome instanceof ReferralSteps.Refusal refusal) {
			throw refusal.kind() == ReferralSteps.Refusal.Kind.CONFLICT ? Conflict.of(refusal.reason())
					: new UnprocessableEntityException(refusal.reason());
		}
		return outcome;
	}
}
