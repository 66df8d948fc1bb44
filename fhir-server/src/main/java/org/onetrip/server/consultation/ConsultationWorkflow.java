package org.onetrip.server.consultation;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.hl7.fhir.r4.model.UrlType;
import org.onetrip.server.hapi.Conflict;
import org.onetrip.server.hapi.WorkflowEffects;
import org.onetrip.server.hapi.WorkflowHandler;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.server.region.RegionDirectory.RegionClinician;
import org.onetrip.server.scheduling.ConsultationSlots;
import org.onetrip.server.security.CareRelationships;
import org.onetrip.server.security.Caller;
import org.onetrip.server.security.FhirAccessInterceptor;
import org.onetrip.terminology.region.Hospital;
import org.onetrip.workflow.consultation.Consult;
import org.onetrip.workflow.consultation.ConsultSteps;
import org.onetrip.workflow.consultation.ConsultationMode;
import org.onetrip.workflow.consultation.ParticipantState;

/**
 * Remote consultation between the region's hospitals (seed 004), kept in step with the FHIR writes that move it (a
 * workflow handler: a step and its write commit or fail together):
 * <ul>
 * <li>a ServiceRequest of category consultation (SNOMED 11429006) from one hospital to others' specialists
 * (PractitionerRole or Practitioner), departments (HealthcareService) or hospitals (Organization) opens a consult and a
 * Task for each of them;</li>
 * <li>each participant accepts (naming who takes it) or declines with a reason by writing its Task;</li>
 * <li>a synchronous consult books an Appointment on a consultation slot, carrying the video meeting's join link;</li>
 * <li>questions and answers are Communications based on the consult, from the requester or a participant;</li>
 * <li>the opinion is a final DiagnosticReport based on the consult: it completes its authors' Tasks;</li>
 * <li>the requester closes the consult (ServiceRequest completed or revoked): the Tasks still open are cancelled, and
 * the consultants' access to the person's record ends (security/CareRelationships reads this ledger).</li>
 * </ul>
 * {@link ConsultSteps} decides each step; this class reads the facts, locks the consult's row, applies the answer.
 */
public class ConsultationWorkflow implements WorkflowHandler {

	/** R5's Appointment.virtualService carried into R4 (cross-version extension): the video meeting's details. */
	public static final String VIRTUAL_SERVICE = "http://hl7.org/fhir/5.0/StructureDefinition/extension-Appointment.virtualService";
	private static final Coding FULFIL = new Coding("http://hl7.org/fhir/CodeSystem/task-code", "fulfill", "Fulfill the focal request");
	private static final Set<DiagnosticReport.DiagnosticReportStatus> FINAL = Set.of(DiagnosticReport.DiagnosticReportStatus.FINAL,
			DiagnosticReport.DiagnosticReportStatus.AMENDED, DiagnosticReport.DiagnosticReportStatus.CORRECTED,
			DiagnosticReport.DiagnosticReportStatus.APPENDED);
	private static final Set<ServiceRequest.ServiceRequestStatus> CLOSING = Set.of(ServiceRequest.ServiceRequestStatus.COMPLETED,
			ServiceRequest.ServiceRequestStatus.REVOKED, ServiceRequest.ServiceRequestStatus.ENTEREDINERROR);

	private final ConsultationLedger ledger;
	private final DaoRegistry daoRegistry;
	private final RegionDirectory directory;
	private final MeterRegistry meters;
	private final Clock clock;
	private final ConsultSteps steps;
	private final CareRelationships care;
	private final ConsultationScheduling scheduling;

	public ConsultationWorkflow(ConsultationLedger ledger, DaoRegistry daoRegistry, RegionDirectory directory, MeterRegistry meters,
			Clock clock, CareRelationships care, ConsultationScheduling scheduling) {
		this.care = care;
		this.scheduling = scheduling;
		this.ledger = ledger;
		this.daoRegistry = daoRegistry;
		this.directory = directory;
		this.meters = meters;
		this.clock = clock;
		this.steps = new ConsultSteps(directory::hospitalName);
	}

	@Override
	public Stage stage() {
		return Stage.CONSULTATION;
	}

	@Override
	public Set<String> resourceTypes() {
		return Set.of("ServiceRequest", "Task", "Appointment", "Communication", "DiagnosticReport");
	}

	/**
	 * An opinion is marked as one (category consultation) before it is stored, so the requesting hospital's subscription
	 * (topic consultation-opinion) and the doctor's view know it without reading the ledger.
	 */
	@Override
	public void beforeStorage(Write write) {
		// A participant's answer takes the consult's row before HAPI writes the Task's: a close or an opinion, which take
		// the consult's row and then rewrite Tasks, never waits for this Task while this write waits for the consult.
		if (write.resource() instanceof Task task && write.kind() == Write.Kind.UPDATED) {
			ledger.consultOfTask(task.getIdElement().getIdPart()).ifPresent(ledger::lock);
		}
		if (write.resource() instanceof DiagnosticReport report && !ConsultationRequests.isOpinion(report)
				&& consultsOf(report.getBasedOn()).stream().anyMatch(ledger::isConsult)) {
			report.addCategory(new CodeableConcept(ConsultationRequests.category()));
		}
	}

	@Override
	public void written(Write write, WorkflowEffects effects) {
		Optional<Caller> caller = FhirAccessInterceptor.judgedCaller(write.request());
		if (write.deleted()) {
			refuseDelete(write.resource());
			return;
		}
		if (write.resource() instanceof ServiceRequest request && ConsultationRequests.isConsultation(request)) {
			requestWritten(request, caller, effects);
		} else if (write.resource() instanceof Task task && write.kind() == Write.Kind.UPDATED) {
			taskWritten(task, caller);
		} else if (write.resource() instanceof Appointment appointment) {
			appointmentWritten(appointment, write.previous() instanceof Appointment previous ? previous : null);
		} else if (write.resource() instanceof Communication message) {
			messageWritten(message, caller);
		} else if (write.resource() instanceof DiagnosticReport report && FINAL.contains(report.getStatus())) {
			opinionWritten(report, caller, effects);
		}
	}

	// --- the request ------------------------------------------------------------------------------------

	private void requestWritten(ServiceRequest request, Optional<Caller> caller, WorkflowEffects effects) {
		String id = request.getIdElement().getIdPart();
		Optional<Consult> known = ledger.lock(id);
		if (known.isPresent()) {
			if (CLOSING.contains(request.getStatus()) && !known.get().closed()) {
				if (caller.isPresent() && !caller.get().isRegion() && !known.get().requesterHospital().equals(caller.get().hospital())) {
					throw new ForbiddenOperationException("The requesting hospital, " + directory.hospitalName(known.get().requesterHospital())
							+ ", closes or withdraws its consult; a consulting participant declines its own Task");
				}
				close(known.get(), effects);
			}
			return;
		}
		if (request.getStatus() != ServiceRequest.ServiceRequestStatus.ACTIVE) {
			return; // a draft opens nothing yet
		}
		Hospital from = directory.hospitalOf(request.getRequester().getReference()).orElseThrow(() -> new UnprocessableEntityException(
				"A consultation request names its requester: an Organization, PractitionerRole or Practitioner of a hospital of the region"));
		if (!"Patient".equals(request.getSubject().getReferenceElement().getResourceType())) {
			throw new UnprocessableEntityException("A consultation request is about a patient: ServiceRequest.subject = Patient/...");
		}
		String patientId = request.getSubject().getReferenceElement().getIdPart();
		if (!care.caresFor(from.key(), patientId)) {
			throw new ForbiddenOperationException(from.name() + " asks consults about people in its care: it keeps no record of "
					+ "Patient/" + patientId + "'s person and has no visit or referral of theirs");
		}
		List<Consult.Participant> participants = participants(request, from);
		List<Task> tasks = new ArrayList<>();
		List<Consult.Participant> withTasks = new ArrayList<>();
		for (Consult.Participant p : participants) {
			Task task = participantTask(request, from, p);
			tasks.add(task);
			withTasks.add(new Consult.Participant(task.getIdElement().getIdPart(), p.hospital(), p.practitionerId(), p.serviceId(), p.state()));
		}
		tasks.forEach(effects::write);
		Consult consult = new Consult(id, request.getSubject().getReferenceElement().getIdPart(), from.key(), ConsultationRequests.modeOf(request),
				Consult.State.OPEN, clock.instant(), null, null, withTasks);
		ledger.open(consult);
		for (String to : withTasks.stream().map(Consult.Participant::hospital).distinct().toList()) {
			Counter.builder("onetrip.consultations")
					.description("Consultations requested, by the levels of the requesting and the consulting hospital, and mode")
					.tag("from_level", level(from.key())).tag("to_level", level(to)).tag("mode", consult.mode().code())
					.register(meters).increment();
		}
	}

	/**
	 * Who the request asks, one participant per performer: a named specialist (PractitionerRole or Practitioner), a
	 * department (HealthcareService) or a hospital (Organization). An Organization that also has a named specialist or
	 * department among the performers only says where they are: a named Practitioner must be of one of those hospitals.
	 */
	private List<Consult.Participant> participants(ServiceRequest request, Hospital from) {
		if (request.getPerformer().isEmpty()) {
			throw new UnprocessableEntityException("A consultation request names whom it asks in ServiceRequest.performer: specialists "
					+ "(PractitionerRole), departments (HealthcareService) or hospitals (Organization) of the region");
		}
		Map<String, Consult.Participant> byKey = new LinkedHashMap<>();
		List<String> namedHospitals = new ArrayList<>();
		for (Reference performer : request.getPerformer()) {
			String reference = RegionDirectory.relative(performer.getReference() == null ? "" : performer.getReference());
			if (reference.startsWith("Organization/")) {
				namedHospitals.add(directory.hospitalOf(reference).map(Hospital::key).orElseThrow(() -> new UnprocessableEntityException(
						reference + " is not a hospital of the region: consults go to the region's hospitals")));
			}
		}
		for (Reference performer : request.getPerformer()) {
			String reference = RegionDirectory.relative(performer.getReference() == null ? "" : performer.getReference());
			String type = reference.contains("/") ? reference.substring(0, reference.indexOf('/')) : "";
			switch (type) {
				case "PractitionerRole", "Practitioner" -> {
					RegionClinician clinician = directory.clinician(reference).orElseThrow(() -> new UnprocessableEntityException(
							reference + " is not a practitioner of the region's hospitals (config/region.yaml)"));
					if (!namedHospitals.isEmpty() && !namedHospitals.contains(clinician.hospital())) {
						throw new UnprocessableEntityException(reference + " is not a practitioner of "
								+ String.join(" or ", namedHospitals.stream().map(directory::hospitalName).toList())
								+ ": they work at " + directory.hospitalName(clinician.hospital()));
					}
					byKey.putIfAbsent("practitioner:" + clinician.practitionerId(), new Consult.Participant(reference,
							clinician.hospital(), clinician.practitionerId(), clinician.serviceId(), ParticipantState.REQUESTED));
				}
				case "HealthcareService" -> {
					String service = directory.department(reference).orElseThrow(() -> new UnprocessableEntityException(
							reference + " is not a department of the region's hospitals"));
					String hospital = directory.hospitalOf(reference).orElseThrow().key();
					byKey.putIfAbsent("service:" + service, new Consult.Participant(reference, hospital, null, service, ParticipantState.REQUESTED));
				}
				case "Organization" -> { } // after the others: it may only say where they are
				default -> throw new UnprocessableEntityException("ServiceRequest.performer '" + reference + "' is not a specialist, "
						+ "department or hospital of the region");
			}
		}
		for (String hospital : namedHospitals) {
			if (byKey.values().stream().noneMatch(p -> p.hospital().equals(hospital))) {
				byKey.putIfAbsent("hospital:" + hospital, new Consult.Participant("Organization/" + hospital, hospital, null, null,
						ParticipantState.REQUESTED));
			}
		}
		for (Consult.Participant p : byKey.values()) {
			if (p.hospital().equals(from.key())) {
				throw new UnprocessableEntityException("A consult asks another hospital: " + p.taskId() + " is at "
						+ from.name() + ", the requesting hospital itself");
			}
		}
		return List.copyOf(byKey.values()); // taskId holds the performer reference until the Task is made
	}

	private Task participantTask(ServiceRequest request, Hospital from, Consult.Participant participant) {
		Task task = new Task();
		task.setId(UUID.randomUUID().toString()); // chosen here, so the ledger row names it before the pipeline writes it
		task.setStatus(Task.TaskStatus.REQUESTED);
		task.setIntent(Task.TaskIntent.ORDER);
		task.setCode(new CodeableConcept(FULFIL.copy()));
		task.setFocus(new Reference("ServiceRequest/" + request.getIdElement().getIdPart()));
		task.addBasedOn(new Reference("ServiceRequest/" + request.getIdElement().getIdPart()));
		task.setFor(request.getSubject().copy());
		task.setAuthoredOn(Date.from(clock.instant()));
		task.setRequester(request.getRequester().copy());
		String owner = participant.taskId(); // the performer reference, see participants()
		task.setOwner(new Reference(owner));
		task.setDescription("Consultation (" + ConsultationRequests.modeOf(request).code() + ") asked by " + from.name() + " of "
				+ directory.hospitalName(participant.hospital()) + (request.hasNote() ? ": " + request.getNoteFirstRep().getText() : ""));
		return task;
	}

	/** The requester closed the consult: whoever is still answering is cancelled, and access ends with the row's state. */
	private void close(Consult consult, WorkflowEffects effects) {
		for (Consult.Participant p : steps.closing(consult)) {
			ledger.moveParticipant(p, clock.instant());
			rewriteTask(p, effects, null);
		}
		ledger.closed(consult.serviceRequestId(), clock.instant());
	}

	// --- a participant's answer -------------------------------------------------------------------------

	private void taskWritten(Task task, Optional<Caller> caller) {
		Optional<String> consultId = ledger.consultOfTask(task.getIdElement().getIdPart());
		if (consultId.isEmpty()) {
			return;
		}
		Consult consult = ledger.lock(consultId.get()).orElseThrow();
		Consult.Participant participant = consult.participantOfTask(task.getIdElement().getIdPart()).orElseThrow();
		String status = task.hasStatus() ? task.getStatus().toCode() : "";
		if (!participant.state().taskStatus().equals(status) && caller.isPresent() && !caller.get().isRegion()
				&& !participant.hospital().equals(caller.get().hospital())) {
			throw new ForbiddenOperationException(directory.hospitalName(caller.get().hospital()) + " cannot answer for "
					+ directory.hospitalName(participant.hospital()) + ": Task/" + participant.taskId() + " is theirs to accept or decline");
		}
		String ownerPractitioner = directory.clinician(task.getOwner().getReference())
				.filter(c -> c.hospital().equals(participant.hospital())).map(RegionClinician::practitionerId).orElse(null);
		String callerPractitioner = caller.filter(c -> participant.hospital().equals(c.hospital())).map(Caller::practitionerId).orElse(null);
		ConsultSteps.Outcome outcome = steps.taskWritten(consult, participant, status, task.hasStatusReason(), ownerPractitioner, callerPractitioner);
		if (refused(outcome) instanceof ConsultSteps.Step step) {
			ledger.moveParticipant(step.participant(), clock.instant());
		}
	}

	// --- a booking --------------------------------------------------------------------------------------

	private void appointmentWritten(Appointment appointment, Appointment before) {
		List<String> consults = consultsOf(appointment.getBasedOn());
		boolean onConsultationSlot = appointment.getSlot().stream()
				.anyMatch(s -> ConsultationSlots.isConsultationSlot(s.getReferenceElement().getIdPart()));
		Optional<Consult> consult = consults.stream().map(ledger::lock).flatMap(Optional::stream).findFirst();
		if (consult.isEmpty()) {
			if (onConsultationSlot && !ConsultationScheduling.NOT_TAKING_TIME.contains(appointment.getStatus())) {
				throw new UnprocessableEntityException("A consultation slot is booked for a consult: Appointment.basedOn names the "
						+ "consultation's ServiceRequest");
			}
			return;
		}
		if (ConsultationScheduling.NOT_TAKING_TIME.contains(appointment.getStatus()) || before != null && sameTime(before, appointment)) {
			return; // cancelled, or the booked meeting moving on (arrived, fulfilled): no new time is taken
		}
		refused(steps.booking(consult.get()));
		List<String> departments = consult.get().accepted().stream().map(this::departmentOf).filter(java.util.Objects::nonNull)
				.map(service -> ConsultationSlots.SLOT_ID_PREFIX + service + "-").toList();
		boolean theirs = !appointment.getSlot().isEmpty() && appointment.getSlot().stream().allMatch(s -> departments.stream()
				.anyMatch(prefix -> s.getReferenceElement().getIdPart() != null && s.getReferenceElement().getIdPart().startsWith(prefix)));
		if (!theirs) {
			throw new UnprocessableEntityException("A consult is booked on a consultation slot of a department of a consultant who "
					+ "accepted it (" + String.join(", ", departments.stream().map(d -> d + "...").toList())
					+ "; Appointment/$find?consultation=ServiceRequest/" + consult.get().serviceRequestId() + " offers them)");
		}
		requireConsultantsFree(consult.get(), appointment);
		if (appointment.getStatus() == Appointment.AppointmentStatus.BOOKED) {
			String link = joinLink(appointment);
			if (link == null || !(link.startsWith("https://") || link.startsWith("http://"))) {
				throw new UnprocessableEntityException("A video consult carries its meeting's join link: extension " + VIRTUAL_SERVICE
						+ " with an 'address' (valueUrl, http or https) from the hospital's video system");
			}
		}
	}

	/**
	 * Everyone who took the consult is free then: each consultant's lock, in id order (two consults sharing consultants
	 * take them in the same order), then their other Appointments. What $find offered may have been taken meanwhile.
	 */
	private void requireConsultantsFree(Consult consult, Appointment appointment) {
		if (!appointment.hasStart() || !appointment.hasEnd() || !appointment.getStart().before(appointment.getEnd())) {
			throw new UnprocessableEntityException("A consult's booking says when it is: Appointment.start and end (as $find proposes them)");
		}
		List<String> consultants = consult.accepted().stream().map(Consult.Participant::practitionerId)
				.filter(java.util.Objects::nonNull).distinct().sorted().toList();
		consultants.forEach(ledger::lockConsultant);
		for (String practitioner : consultants) {
			scheduling.clash(practitioner, appointment.getStart().toInstant(), appointment.getEnd().toInstant(),
					appointment.getIdElement().getIdPart()).ifPresent(other -> {
						throw Conflict.of("Practitioner/" + practitioner + " is booked then (" + other + "): "
								+ "Appointment/$find?consultation=ServiceRequest/" + consult.serviceRequestId() + " offers the times everyone is free");
					});
		}
	}

	private static boolean sameTime(Appointment before, Appointment now) {
		return ConsultationScheduling.NOT_TAKING_TIME.contains(before.getStatus()) == ConsultationScheduling.NOT_TAKING_TIME.contains(now.getStatus())
				&& java.util.Objects.equals(before.getStart(), now.getStart())
				&& before.getSlot().stream().map(Reference::getReference).toList().equals(now.getSlot().stream().map(Reference::getReference).toList());
	}

	/** The department (HealthcareService id) a participant consults from: the one asked, else the practitioner's. */
	private String departmentOf(Consult.Participant participant) {
		return participant.serviceId() != null ? participant.serviceId()
				: directory.clinician("Practitioner/" + participant.practitionerId()).map(RegionClinician::serviceId).orElse(null);
	}

	/** The join link of an Appointment's virtual service, or null. */
	public static String joinLink(Appointment appointment) {
		Extension service = appointment.getExtensionByUrl(VIRTUAL_SERVICE);
		if (service == null) {
			return null;
		}
		Extension address = service.getExtensionByUrl("address");
		return address != null && address.getValue() instanceof UrlType url ? url.getValue()
				: address != null && address.getValue() != null ? address.getValue().primitiveValue() : null;
	}

	// --- questions and answers --------------------------------------------------------------------------

	private void messageWritten(Communication message, Optional<Caller> caller) {
		List<Reference> about = new ArrayList<>(message.getBasedOn());
		about.addAll(message.getPartOf());
		for (String consultId : consultsOf(about)) {
			Optional<Consult> consult = ledger.lock(consultId);
			if (consult.isEmpty()) {
				continue;
			}
			if (caller.isEmpty() || caller.get().isRegion()) {
				// OneTrip's own or the region's message: not judged as a hospital's, but a closed consult takes no more
				if (consult.get().closed()) {
					throw Conflict.of("The consult ServiceRequest/" + consultId + " is closed: questions and answers end with it");
				}
				continue;
			}
			refused(steps.message(consult.get(), caller.get().hospital(), caller.get().practitionerId()));
		}
	}

	// --- the opinion ------------------------------------------------------------------------------------

	private void opinionWritten(DiagnosticReport report, Optional<Caller> caller, WorkflowEffects effects) {
		for (String consultId : consultsOf(report.getBasedOn())) {
			Optional<Consult> found = ledger.lock(consultId);
			if (found.isEmpty()) {
				continue;
			}
			Consult consult = found.get();
			List<Consult.Participant> authors = authors(consult, report, caller);
			if (refused(steps.opinion(consult, authors)) instanceof ConsultSteps.Opinion opinion) {
				String reportRef = "DiagnosticReport/" + report.getIdElement().getIdPart();
				for (Consult.Participant p : opinion.completes()) {
					ledger.moveParticipant(p, clock.instant());
					rewriteTask(p, effects, reportRef);
				}
				if (opinion.firstAnswer()) {
					ledger.answered(consult.serviceRequestId(), authors.get(0).hospital(), report.getIdElement().getIdPart(), clock.instant());
					Counter.builder("onetrip.consultation.opinions")
							.description("Consultation opinions given, by consulting hospital").tag("hospital", authors.get(0).hospital())
							.register(meters).increment();
				}
			}
		}
	}

	/**
	 * Whom a report speaks for: a caller's own participants (their hospital's; the practitioner's, when the token names
	 * one); for OneTrip's own or the region's writes, the participants the report's performers name.
	 */
	private List<Consult.Participant> authors(Consult consult, DiagnosticReport report, Optional<Caller> caller) {
		if (caller.isPresent() && !caller.get().isRegion()) {
			Caller who = caller.get();
			// A practitioner speaks for themselves; a hospital's system for the practitioners its report names, or, when it
			// names none of them, for its hospital's participants.
			Set<String> performers = new java.util.HashSet<>();
			report.getPerformer().forEach(r -> directory.clinician(r.getReference()).ifPresent(c -> performers.add(c.practitionerId())));
			List<Consult.Participant> ours = consult.participants().stream().filter(p -> p.hospital().equals(who.hospital())).toList();
			if (who.practitionerId() != null) {
				return ours.stream().filter(p -> who.practitionerId().equals(p.practitionerId())).toList();
			}
			List<Consult.Participant> named = ours.stream().filter(p -> performers.contains(p.practitionerId())).toList();
			return named.isEmpty() ? ours : named;
		}
		List<Consult.Participant> named = new ArrayList<>();
		for (Reference performer : report.getPerformer()) {
			Optional<RegionClinician> clinician = directory.clinician(performer.getReference());
			Optional<String> hospital = directory.hospitalOf(performer.getReference()).map(Hospital::key);
			consult.participants().stream()
					.filter(p -> clinician.isPresent() ? clinician.get().practitionerId().equals(p.practitionerId())
							: hospital.isPresent() && hospital.get().equals(p.hospital()))
					.filter(p -> !named.contains(p)).forEach(named::add);
		}
		return named;
	}

	// --- shared -----------------------------------------------------------------------------------------

	/**
	 * The ids of the ServiceRequests these references name (a consult, if the ledger holds it), sorted: a write naming
	 * several consults locks them in the same order as any other.
	 */
	private static List<String> consultsOf(List<Reference> references) {
		return references.stream().map(r -> new IdType(RegionDirectory.relative(r.getReference() == null ? "" : r.getReference())))
				.filter(id -> "ServiceRequest".equals(id.getResourceType())).map(IdType::getIdPart).distinct().sorted().toList();
	}

	/**
	 * A consult and its Tasks are its record: the requester closes it by the request's status, a participant declines by
	 * its Task; deleting either would leave the consult (and its access) open with nothing to close it by.
	 */
	private void refuseDelete(org.hl7.fhir.instance.model.api.IBaseResource resource) {
		String id = resource.getIdElement().getIdPart();
		if (resource instanceof ServiceRequest && ledger.isConsult(id) || resource instanceof Task && ledger.consultOfTask(id).isPresent()) {
			throw Conflict.of(resource.fhirType() + "/" + id + " belongs to a consult and is kept: the requester closes a consult "
					+ "(ServiceRequest status completed or revoked), a participant declines (its Task rejected, with a statusReason)");
		}
	}

	/** A participant's Task shows the ledger's state (and the opinion as its output); a Task gone from the store is left so. */
	private void rewriteTask(Consult.Participant participant, WorkflowEffects effects, String opinion) {
		Task task;
		try {
			task = effects.queued("Task", participant.taskId()).map(Task.class::cast).orElseGet(() -> daoRegistry
					.getResourceDao(Task.class).read(new IdType("Task", participant.taskId()), new SystemRequestDetails()));
		} catch (ca.uhn.fhir.rest.server.exceptions.ResourceGoneException | ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException e) {
			return;
		}
		task.setStatus(Task.TaskStatus.fromCode(participant.state().taskStatus()));
		task.setLastModified(Date.from(clock.instant()));
		if (opinion != null) {
			task.addOutput().setType(new CodeableConcept().setText("opinion")).setValue(new Reference(opinion));
		}
		effects.write(task);
	}

	private String level(String hospital) {
		return directory.levelName(hospital);
	}

	/** A refusal becomes the write's 403, 409 or 422; any other outcome is returned as it is. */
	private static ConsultSteps.Outcome refused(ConsultSteps.Outcome outcome) {
		if (outcome instanceof ConsultSteps.Refusal refusal) {
			throw switch (refusal.kind()) {
				case CONFLICT -> Conflict.of(refusal.reason());
				case FORBIDDEN -> new ForbiddenOperationException(refusal.reason());
				case UNPROCESSABLE -> new UnprocessableEntityException(refusal.reason());
			};
		}
		return outcome;
	}
}
