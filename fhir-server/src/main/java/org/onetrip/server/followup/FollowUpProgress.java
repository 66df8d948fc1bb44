package org.onetrip.server.followup;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Task;
import org.onetrip.server.hapi.Conflict;
import org.onetrip.server.hapi.WorkflowEffects;
import org.onetrip.server.hapi.WorkflowHandler;
import org.onetrip.server.identity.PersonLedger;
import org.onetrip.server.scheduling.AppointmentTerms;
import org.onetrip.terminology.exam.ExamCode;
import org.onetrip.terminology.exam.ExamTerminology;
import org.onetrip.terminology.exam.ExamType;
import org.onetrip.workflow.followup.FollowUpMatch;

/**
 * The follow-up file keeps itself: a result (a final DiagnosticReport or Observation) or a finished visit (Encounter)
 * of the person, at any hospital, completes the earliest open follow-up Task it satisfies (same exam type in the
 * catalogue's sense, or a visit; on or after the Task's window opens), in the same transaction. A Task a hospital marks
 * completed itself must name, as its output, a result of the same person and exam type.
 */
public class FollowUpProgress implements WorkflowHandler {

	private static final Set<String> FINAL = Set.of("final", "amended", "corrected", "appended");

	private final FollowUpLedger ledger;
	private final PersonLedger persons;
	private final ExamTerminology terminology;
	private final DaoRegistry daos;
	private final ZoneId zone;
	private final Clock clock;

	FollowUpProgress(FollowUpLedger ledger, PersonLedger persons, ExamTerminology terminology, DaoRegistry daos, ZoneId zone, Clock clock) {
		this.ledger = ledger;
		this.persons = persons;
		this.terminology = terminology;
		this.daos = daos;
		this.zone = zone;
		this.clock = clock;
	}

	@Override
	public Stage stage() {
		return Stage.FOLLOW_UP;
	}

	@Override
	public Set<String> resourceTypes() {
		return Set.of("DiagnosticReport", "Observation", "Encounter", "Task", "Appointment");
	}

	/** What a result or visit is to the follow-up file: whose, which exam (empty: a visit), on which day. */
	private record Done(String patientId, Optional<ExamType> exam, boolean visit, LocalDate day) {}

	private static final Set<Task.TaskStatus> GIVEN_UP = Set.of(Task.TaskStatus.CANCELLED, Task.TaskStatus.REJECTED,
			Task.TaskStatus.FAILED, Task.TaskStatus.ENTEREDINERROR);

	@Override
	public void written(Write write, WorkflowEffects effects) {
		IBaseResource resource = write.resource();
		if (resource instanceof Task task && (write.deleted() || GIVEN_UP.contains(task.getStatus()))) {
			ledger.cancelled(task.getIdElement().getIdPart());
			return;
		}
		if (write.deleted()) {
			return;
		}
		if (resource instanceof Task task) {
			checkCompletedByHand((Task) write.previous(), task);
			return;
		}
		if (resource instanceof Appointment appointment) {
			checkPreVisitOrder((Appointment) write.previous(), appointment);
			return;
		}
		if (write.previous() != null && doneBy(write.previous()).isPresent()) {
			return; // already final or finished before: a correction or a re-send completes nothing more
		}
		doneBy(resource).filter(done -> done.exam().isPresent() || done.visit()).ifPresent(done -> {
			List<FollowUpLedger.Row> open = ledger.lockOpenOfPerson(done.patientId());
			if (open.isEmpty() || ledger.completedBy(resource.fhirType() + "/" + resource.getIdElement().getIdPart())) {
				return;
			}
			String examCode = done.exam().map(ExamType::code).orElse(null);
			FollowUpMatch.completedBy(open.stream().map(FollowUpLedger.Row::open).toList(), examCode, done.day(), this::sameType)
					.ifPresent(match -> {
						String by = resource.fhirType() + "/" + resource.getIdElement().getIdPart();
						boolean onTime = FollowUpMatch.onTime(match, done.day());
						Task task = (Task) effects.queued("Task", match.taskId()).orElseGet(() ->
								daos.getResourceDao(Task.class).read(new IdType("Task", match.taskId()), new SystemRequestDetails()));
						complete(task, by, done.day(), onTime, onTime ? "done on time" : "done late");
						effects.write(task);
						ledger.done(match.taskId(), by, done.day(), onTime);
					});
		});
	}

	/** Marks a follow-up Task completed by a result (or a prior exam), with why in its business status. */
	static void complete(Task task, String by, LocalDate day, boolean onTime, String why) {
		task.setStatus(Task.TaskStatus.COMPLETED);
		task.getOutput().clear();
		task.addOutput().setType(new CodeableConcept().setText("result")).setValue(new Reference(by));
		task.setBusinessStatus(new CodeableConcept(new Coding(FollowUpOperations.BUSINESS_STATUS, onTime ? "on-time" : "late", null)).setText(why));
		task.getExecutionPeriod().setEnd(java.sql.Date.valueOf(day));
		task.setLastModified(new Date());
	}

	private Optional<Done> doneBy(IBaseResource resource) {
		if (resource instanceof DiagnosticReport report && report.hasStatus() && FINAL.contains(report.getStatus().toCode())
				&& isPatient(report.getSubject())) {
			Date when = report.hasEffectiveDateTimeType() ? report.getEffectiveDateTimeType().getValue() : report.getIssued();
			return Optional.of(new Done(report.getSubject().getReferenceElement().getIdPart(), examOf(report.getCode()), false, dayOf(when)));
		}
		if (resource instanceof Observation observation && observation.hasStatus() && FINAL.contains(observation.getStatus().toCode())
				&& isPatient(observation.getSubject())) {
			Date when = observation.hasEffectiveDateTimeType() ? observation.getEffectiveDateTimeType().getValue() : observation.getIssued();
			return Optional.of(new Done(observation.getSubject().getReferenceElement().getIdPart(), examOf(observation.getCode()), false,
					dayOf(when)));
		}
		if (resource instanceof Encounter encounter && encounter.getStatus() == Encounter.EncounterStatus.FINISHED
				&& isPatient(encounter.getSubject())) {
			Date when = encounter.getPeriod().hasEnd() ? encounter.getPeriod().getEnd() : encounter.getPeriod().getStart();
			return Optional.of(new Done(encounter.getSubject().getReferenceElement().getIdPart(), Optional.empty(), true, dayOf(when)));
		}
		return Optional.empty();
	}

	/**
	 * Pre-visit mode: an appointment for a follow-up (Appointment.supportingInformation names its Task) is refused (409)
	 * when that follow-up is already done (a result, possibly from another hospital, satisfied it: no new exam), or when
	 * it is a visit whose exams' results are not in yet (book the exams first).
	 */
	private void checkPreVisitOrder(Appointment previous, Appointment appointment) {
		if (!AppointmentTerms.status(appointment).takesPlace()
				|| previous != null && AppointmentTerms.status(previous).takesPlace()) {
			return;
		}
		for (Reference support : appointment.getSupportingInformation()) {
			if (!"Task".equals(support.getReferenceElement().getResourceType())) {
				continue;
			}
			Optional<FollowUpLedger.Row> row = ledger.task(support.getReferenceElement().getIdPart());
			if (row.isEmpty()) {
				continue;
			}
			if (row.get().done()) {
				throw Conflict.of("'" + row.get().title() + "' (Task/" + row.get().taskId() + ") is already done: nothing to book for it");
			}
			if (row.get().examCode() == null) {
				List<FollowUpLedger.Row> first = ledger.openPrerequisites(row.get());
				if (!first.isEmpty()) {
					throw Conflict.of("'" + row.get().title() + "' is booked once the results of its exams are in; book first: "
							+ String.join(", ", first.stream().map(r -> r.title() + " (Task/" + r.taskId() + ")").toList()));
				}
			}
		}
	}

	/**
	 * A hospital completing a follow-up Task itself: its output must be a result or visit of the same person and kind
	 * (422 otherwise, nothing changed); OneTrip's own completion is already in the ledger and passes.
	 */
	private void checkCompletedByHand(Task previous, Task task) {
		if (task.getStatus() != Task.TaskStatus.COMPLETED) {
			return;
		}
		Optional<FollowUpLedger.Row> row = ledger.task(task.getIdElement().getIdPart());
		if (row.isEmpty() || row.get().done()) {
			return;
		}
		String id = task.getIdElement().getIdPart();
		Reference output = task.getOutput().stream().map(o -> o.getValue()).filter(Reference.class::isInstance).map(Reference.class::cast)
				.findFirst().orElseThrow(() -> new UnprocessableEntityException("Task/" + id + " is a follow-up: completing it names the result or "
						+ "visit that did it (Task.output valueReference)"));
		IBaseResource result = daos.getResourceDao(output.getReferenceElement().getResourceType())
				.read(output.getReferenceElement().toUnqualifiedVersionless(), new SystemRequestDetails());
		Done done = doneBy(result).orElseThrow(() -> new UnprocessableEntityException("Task/" + id + ": " + output.getReference()
				+ " is not a final result or a finished visit"));
		Set<String> person = persons.personOf(row.get().patientId());
		if (!done.patientId().equals(row.get().patientId()) && !person.contains(done.patientId())) {
			throw new UnprocessableEntityException("Task/" + id + " is Patient/" + row.get().patientId() + "'s follow-up; "
					+ output.getReference() + " is another person's");
		}
		String examCode = done.exam().map(ExamType::code).orElse(null);
		boolean sameKind = row.get().examCode() == null ? done.visit() : examCode != null && sameType(row.get().examCode(), examCode);
		if (!sameKind) {
			throw new UnprocessableEntityException("Task/" + id + " is '" + row.get().title() + "'; " + output.getReference()
					+ " is " + (examCode == null ? (done.visit() ? "a visit" : "not an exam of the catalogue") : "another exam (" + examCode + ")"));
		}
		ledger.done(id, output.getReference(), done.day(), !done.day().isAfter(row.get().due()));
	}

	private boolean sameType(String a, String b) {
		Optional<ExamType> one = terminology.catalogue().exam(a);
		Optional<ExamType> other = terminology.catalogue().exam(b);
		return one.isPresent() && other.isPresent() && terminology.sameType(one.get(), other.get());
	}

	private Optional<ExamType> examOf(CodeableConcept code) {
		List<ExamCode> codes = code.getCoding().stream().filter(c -> c.hasSystem() && c.hasCode())
				.map(c -> new ExamCode(c.getSystem(), c.getCode(), c.getDisplay())).toList();
		return codes.isEmpty() ? Optional.empty() : terminology.type(codes).examType();
	}

	private static boolean isPatient(Reference subject) {
		return subject != null && "Patient".equals(subject.getReferenceElement().getResourceType());
	}

	private LocalDate dayOf(Date when) {
		return LocalDate.ofInstant((when == null ? Date.from(clock.instant()) : when).toInstant(), zone);
	}
}
