package org.onetrip.server.referral;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.Date;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.onetrip.server.hapi.Conflict;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.server.scheduling.AppointmentLedgerGuard;
import org.onetrip.terminology.region.Hospital;

/**
 * Cross-hospital referrals, kept in step with the FHIR writes that move them (HAPI's pre-commit pointcuts,
 * so a step and the write that makes it commit or fail together):
 * <ul>
 * <li>a ServiceRequest whose requester is at one hospital of the region and whose performer is at another
 * opens a referral and its Task (status requested, owner = the receiving hospital);</li>
 * <li>the receiving hospital accepts or rejects it by updating the Task; the referring hospital may cancel;</li>
 * <li>an Appointment based on the referral is refused until it is accepted, and only one is booked at a time;
 * cancelling that appointment gives the referral back; a fulfilled visit completes it;</li>
 * <li>the final DiagnosticReport of a referred exam completes it and gives the referring hospital a Task to
 * book the follow-up visit, which is then booked against the original referral.</li>
 * </ul>
 * The steps themselves are decided by {@link ReferralState}.
 */
@Interceptor
public class ReferralWorkflow {

	public static final String TASK_CODE_SYSTEM = "urn:onetrip:task-code";
	public static final String FOLLOW_UP_CODE = "book-follow-up";
	private static final Coding FULFIL = new Coding("http://hl7.org/fhir/CodeSystem/task-code", "fulfill",
			"Fulfill the focal request");

	private static final Set<Appointment.AppointmentStatus> HOLDS_REFERRAL = Set.of(Appointment.AppointmentStatus.PENDING,
			Appointment.AppointmentStatus.BOOKED, Appointment.AppointmentStatus.ARRIVED,
			Appointment.AppointmentStatus.CHECKEDIN, Appointment.AppointmentStatus.FULFILLED);
	private static final Set<DiagnosticReport.DiagnosticReportStatus> RESULT_FINAL = Set.of(
			DiagnosticReport.DiagnosticReportStatus.FINAL, DiagnosticReport.DiagnosticReportStatus.AMENDED,
			DiagnosticReport.DiagnosticReportStatus.CORRECTED, DiagnosticReport.DiagnosticReportStatus.APPENDED);

	/** True while this class writes a Task itself, so its own steps are not judged as a hospital's. */
	private static final ThreadLocal<Boolean> WRITING_TASK = ThreadLocal.withInitial(() -> false);

	private final ReferralLedger ledger;
	private final DaoRegistry daoRegistry;
	private final RegionDirectory directory;
	private final MeterRegistry meters;

	public ReferralWorkflow(ReferralLedger ledger, DaoRegistry daoRegistry, RegionDirectory directory, MeterRegistry meters) {
		this.ledger = ledger;
		this.daoRegistry = daoRegistry;
		this.directory = directory;
		this.meters = meters;
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
	public void created(IBaseResource resource) {
		written(null, resource);
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
	public void updated(IBaseResource previous, IBaseResource resource) {
		written(previous, resource);
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
	public void deleted(IBaseResource resource) {
		if (resource instanceof Appointment appointment) {
			appointmentLetGo(appointment);
		}
	}

	private void written(IBaseResource previous, IBaseResource resource) {
		if (resource instanceof ServiceRequest request) {
			serviceRequestWritten(request);
		} else if (resource instanceof Task task && !WRITING_TASK.get()) {
			taskWrittenByHospital((Task) previous, task);
		} else if (resource instanceof Appointment appointment) {
			appointmentWritten(appointment);
		} else if (resource instanceof DiagnosticReport report) {
			reportWritten(report);
		}
	}

	// --- the referral itself -------------------------------------------------------------------------

	private void serviceRequestWritten(ServiceRequest request) {
		String id = request.getIdElement().getIdPart();
		Optional<ReferralLedger.Referral> known = ledger.lockByServiceRequest(id);
		if (known.isPresent()) {
			boolean withdrawn = request.getStatus() == ServiceRequest.ServiceRequestStatus.REVOKED
					|| request.getStatus() == ServiceRequest.ServiceRequestStatus.ENTEREDINERROR;
			ReferralState state = known.get().state();
			if (withdrawn && state != ReferralState.COMPLETED && state != ReferralState.CANCELLED) {
				step(known.get(), ReferralState.CANCELLED, known.get().appointmentId(), null);
			}
			return;
		}
		if (request.getStatus() != ServiceRequest.ServiceRequestStatus.ACTIVE) {
			return; // a draft is not sent yet; it becomes a referral when it turns active
		}
		Optional<Hospital> from = directory.hospitalOf(request.getRequester().getReference());
		Optional<Hospital> to = request.getPerformer().stream()
				.map(p -> directory.hospitalOf(p.getReference())).flatMap(Optional::stream).findFirst();
		if (from.isEmpty() || to.isEmpty() || from.get().key().equals(to.get().key())) {
			return; // an order inside one hospital, or to somebody outside the region: no referral workflow
		}
		ReferralCategory category = ReferralCategory.of(request);
		Task task = new Task();
		task.setStatus(Task.TaskStatus.REQUESTED);
		task.setIntent(Task.TaskIntent.ORDER);
		task.setCode(new CodeableConcept(FULFIL.copy()));
		task.setFocus(new Reference("ServiceRequest/" + id));
		task.setFor(request.getSubject().copy());
		task.setAuthoredOn(new Date());
		task.setRequester(request.getRequester().copy());
		task.setOwner(new Reference("Organization/" + to.get().key()).setDisplay(to.get().name()));
		task.setDescription("Referral from " + from.get().name() + " to " + to.get().name() + " ("
				+ category.code() + ")");
		String taskId = writeTask(task, true);
		ledger.open(new ReferralLedger.Referral(id, taskId, from.get().key(), to.get().key(), category,
				ReferralState.REQUESTED, null), Instant.now());
		Counter.builder("onetrip.referrals")
				.description("Cross-hospital referrals sent, by the levels of the two hospitals")
				.tag("from_level", from.get().level().name().toLowerCase(Locale.ROOT))
				.tag("to_level", to.get().level().name().toLowerCase(Locale.ROOT))
				.tag("category", category.code())
				.register(meters).increment();
	}

	/** A hospital answers (accepted / rejected) or withdraws (cancelled) by writing the referral's Task. */
	private void taskWrittenByHospital(Task previous, Task task) {
		if (previous == null) {
			return;
		}
		Optional<ReferralLedger.Referral> referral = ledger.lockByTask(task.getIdElement().getIdPart());
		if (referral.isEmpty()) {
			return;
		}
		ReferralLedger.Referral current = referral.get();
		if (!("ServiceRequest/" + current.serviceRequestId()).equals(RegionDirectory.relative(task.getFocus().getReference()))) {
			throw new UnprocessableEntityException("Task/" + current.taskId() + " is the referral of ServiceRequest/"
					+ current.serviceRequestId() + "; its focus cannot change");
		}
		ReferralState next = ReferralState.ofTaskStatus(task.getStatus()).orElseThrow(() -> new UnprocessableEntityException(
				"Task status '" + task.getStatus().toCode() + "' has no meaning for a referral; use accepted, rejected or cancelled"));
		if (!current.state().hospitalMayMoveTo(next)) {
			throw Conflict.of("The referral of ServiceRequest/" + current.serviceRequestId() + " is "
					+ current.state().taskStatus().toCode() + "; it cannot become " + next.taskStatus().toCode()
					+ (next == ReferralState.BOOKED || next == ReferralState.COMPLETED
							? " by writing its Task (booking an Appointment or a final report does that)" : ""));
		}
		if (next == ReferralState.REJECTED && !task.hasStatusReason()) {
			throw new UnprocessableEntityException("Rejecting a referral needs Task.statusReason: the referring hospital is told why");
		}
		if (next != current.state()) {
			ledger.moveTo(current.serviceRequestId(), next, current.appointmentId(), Instant.now());
			countStep(current, next);
		}
	}

	// --- appointments against it --------------------------------------------------------------------

	private void appointmentWritten(Appointment appointment) {
		String appointmentId = appointment.getIdElement().getIdPart();
		if (!HOLDS_REFERRAL.contains(appointment.getStatus())) {
			appointmentLetGo(appointment);
			return;
		}
		for (Reference basedOn : appointment.getBasedOn()) {
			String serviceRequestId = serviceRequestId(basedOn);
			if (serviceRequestId == null) {
				continue;
			}
			Optional<ReferralLedger.Referral> found = ledger.lockByServiceRequest(serviceRequestId);
			if (found.isEmpty()) {
				continue;
			}
			ReferralLedger.Referral referral = found.get();
			boolean itsOwnBooking = appointmentId.equals(referral.appointmentId());
			if (itsOwnBooking) {
				if (referral.state() == ReferralState.BOOKED && appointment.getStatus() == Appointment.AppointmentStatus.FULFILLED
						&& referral.category() != ReferralCategory.EXAMINATION) {
					step(referral, ReferralState.COMPLETED, appointmentId, null); // an exam completes with its report
				}
				continue;
			}
			switch (referral.state()) {
				case ACCEPTED -> {
					requireReceivingHospital(appointment, referral);
					step(referral, ReferralState.BOOKED, appointmentId, null);
				}
				case COMPLETED -> { } // a follow-up visit, booked against the original referral
				case BOOKED -> {
					if (stillHeld(referral.appointmentId())) {
						throw Conflict.of("ServiceRequest/" + serviceRequestId
								+ " is already booked as Appointment/" + referral.appointmentId()
								+ "; cancel that appointment to book another against the referral");
					}
					requireReceivingHospital(appointment, referral);
					step(referral, ReferralState.BOOKED, appointmentId, null); // the earlier hold lapsed
				}
				case REQUESTED -> throw Conflict.of("ServiceRequest/" + serviceRequestId
						+ " waits for " + directory.hospitalName(referral.performerHospital()) + " to accept it (Task/"
						+ referral.taskId() + "); nothing can be booked against it before that");
				case REJECTED, CANCELLED -> throw Conflict.of("ServiceRequest/" + serviceRequestId
						+ " was " + referral.state().taskStatus().toCode() + " (Task/" + referral.taskId()
						+ "); nothing can be booked against it");
			}
		}
	}

	/** The booking a referral is waiting for is gone (cancelled, no-show, deleted): the referral takes another. */
	private void appointmentLetGo(Appointment appointment) {
		String appointmentId = appointment.getIdElement().getIdPart();
		for (Reference basedOn : appointment.getBasedOn()) {
			String serviceRequestId = serviceRequestId(basedOn);
			if (serviceRequestId == null) {
				continue;
			}
			ledger.lockByServiceRequest(serviceRequestId)
					.filter(r -> r.state() == ReferralState.BOOKED && appointmentId.equals(r.appointmentId()))
					.ifPresent(r -> step(r, ReferralState.ACCEPTED, null, null));
		}
	}

	/** The visit must be at the hospital the referral was sent to, when the appointment says where it is. */
	private void requireReceivingHospital(Appointment appointment, ReferralLedger.Referral referral) {
		Optional<String> where = appointment.getParticipant().stream()
				.map(p -> directory.hospitalOf(p.getActor().getReference())).flatMap(Optional::stream)
				.map(Hospital::key).findFirst();
		if (where.isPresent() && !where.get().equals(referral.performerHospital())) {
			throw new UnprocessableEntityException("ServiceRequest/" + referral.serviceRequestId() + " refers the patient to "
					+ directory.hospitalName(referral.performerHospital()) + "; it cannot be booked at "
					+ directory.hospitalName(where.get()));
		}
	}

	/** Whether the appointment a referral is booked as still keeps it (a lapsed hold does not). */
	private boolean stillHeld(String appointmentId) {
		if (appointmentId == null) {
			return false;
		}
		try {
			Appointment booked = daoRegistry.getResourceDao(Appointment.class)
					.read(new IdType("Appointment", appointmentId), new SystemRequestDetails());
			if (booked.getStatus() != Appointment.AppointmentStatus.PENDING) {
				return HOLDS_REFERRAL.contains(booked.getStatus());
			}
			var expires = booked.getExtensionByUrl(AppointmentLedgerGuard.EXT_HOLD_EXPIRES);
			return expires == null || !(expires.getValue() instanceof DateTimeType until) || until.getValue() == null
					|| until.getValue().toInstant().isAfter(Instant.now());
		} catch (ResourceNotFoundException | ResourceGoneException e) {
			return false;
		}
	}

	// --- results -----------------------------------------------------------------------------------

	/** A final report of the referred exam completes the referral; the referring hospital books the follow-up. */
	private void reportWritten(DiagnosticReport report) {
		if (!RESULT_FINAL.contains(report.getStatus())) {
			return;
		}
		for (Reference basedOn : report.getBasedOn()) {
			String serviceRequestId = serviceRequestId(basedOn);
			if (serviceRequestId == null) {
				continue;
			}
			ledger.lockByServiceRequest(serviceRequestId)
					.filter(r -> r.state() == ReferralState.BOOKED || r.state() == ReferralState.ACCEPTED)
					.ifPresent(referral -> {
						step(referral, ReferralState.COMPLETED, referral.appointmentId(),
								"DiagnosticReport/" + report.getIdElement().getIdPart());
						askForFollowUp(referral, report);
					});
		}
	}

	private void askForFollowUp(ReferralLedger.Referral referral, DiagnosticReport report) {
		Task followUp = new Task();
		followUp.setStatus(Task.TaskStatus.REQUESTED);
		followUp.setIntent(Task.TaskIntent.PLAN);
		followUp.setCode(new CodeableConcept(new Coding(TASK_CODE_SYSTEM, FOLLOW_UP_CODE, "Book the follow-up visit")));
		followUp.setFocus(new Reference("ServiceRequest/" + referral.serviceRequestId()));
		followUp.setFor(report.getSubject().copy());
		followUp.setAuthoredOn(new Date());
		followUp.setRequester(new Reference("Organization/" + referral.performerHospital()));
		followUp.setOwner(new Reference("Organization/" + referral.requesterHospital())
				.setDisplay(directory.hospitalName(referral.requesterHospital())));
		followUp.setDescription("The results of the referred exam are final: book the follow-up visit against "
				+ "ServiceRequest/" + referral.serviceRequestId());
		followUp.addInput().setType(new CodeableConcept().setText("result"))
				.setValue(new Reference("DiagnosticReport/" + report.getIdElement().getIdPart()));
		writeTask(followUp, true);
	}

	// --- shared ------------------------------------------------------------------------------------

	/** Moves the referral and its Task together; {@code output} (a reference) is added to the Task when given. */
	private void step(ReferralLedger.Referral referral, ReferralState next, String appointmentId, String output) {
		ledger.moveTo(referral.serviceRequestId(), next, appointmentId, Instant.now());
		Task task = daoRegistry.getResourceDao(Task.class).read(new IdType("Task", referral.taskId()), new SystemRequestDetails());
		task.setStatus(next.taskStatus());
		task.setLastModified(new Date());
		if (output != null) {
			task.addOutput().setType(new CodeableConcept().setText("result")).setValue(new Reference(output));
		}
		if (next == ReferralState.BOOKED && appointmentId != null) {
			task.getOutput().removeIf(o -> o.getValue() instanceof Reference r && r.getReference().startsWith("Appointment/"));
			task.addOutput().setType(new CodeableConcept().setText("appointment")).setValue(new Reference("Appointment/" + appointmentId));
		}
		writeTask(task, false);
		countStep(referral, next);
	}

	private String writeTask(Task task, boolean create) {
		WRITING_TASK.set(true);
		try {
			var dao = daoRegistry.getResourceDao(Task.class);
			var outcome = create ? dao.create(task, new SystemRequestDetails()) : dao.update(task, new SystemRequestDetails());
			return outcome.getId().getIdPart();
		} finally {
			WRITING_TASK.set(false);
		}
	}

	private void countStep(ReferralLedger.Referral referral, ReferralState next) {
		Counter.builder("onetrip.referral.steps")
				.description("Referral state changes, by receiving hospital and the state reached")
				.tag("to_hospital", referral.performerHospital()).tag("state", next.name().toLowerCase(Locale.ROOT))
				.register(meters).increment();
	}

	private static String serviceRequestId(Reference reference) {
		IdType id = new IdType(RegionDirectory.relative(reference.getReference() == null ? "" : reference.getReference()));
		return "ServiceRequest".equals(id.getResourceType()) ? id.getIdPart() : null;
	}
}
