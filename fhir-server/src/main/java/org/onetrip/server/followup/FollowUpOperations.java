package org.onetrip.server.followup;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;
import org.onetrip.server.identity.PersonLedger;
import org.onetrip.server.priorexam.PriorExamIndex;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.server.security.Caller;
import org.onetrip.server.security.FhirAccessInterceptor;
import org.onetrip.server.security.Ownership;
import org.onetrip.terminology.exam.ExamTerminology;
import org.onetrip.terminology.exam.PriorExam;
import org.onetrip.workflow.followup.FollowUpSchedule;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@code PlanDefinition/[id]/$apply?subject=Patient/x} (or {@code PlanDefinition/$apply?condition=system|code&subject=...})
 * makes the patient's follow-up file: a CarePlan and a Task per follow-up (restriction.period: from when a result counts
 * to its due day), owned by the hospital that applies it. An exam the person already had at any hospital inside its
 * window (the region's look-back for that exam) completes its Task at once: no new exam for it. OneTrip's own subset of
 * $apply (timing, visits and catalogue exams; no CQL): the clinical-reasoning module would bring a CQL engine this
 * does not use. {@code $follow-up-adherence?date=}: per hospital and plan (with its condition), follow-ups due by then,
 * done on time, late, still open.
 */
public class FollowUpOperations {

	static final String BUSINESS_STATUS = "urn:onetrip:follow-up-status";
	/** On a follow-up visit's Task: an exam Task whose result must be in before the visit is booked. */
	static final Coding PREREQUISITE = new Coding("urn:onetrip:follow-up-input", "prerequisite", "done before this visit is booked");

	private final FollowUpPlans plans;
	private final FollowUpLedger ledger;
	private final PersonLedger persons;
	private final PriorExamIndex priorExams;
	private final ExamTerminology terminology;
	private final RegionDirectory directory;
	private final DaoRegistry daos;
	private final TransactionTemplate transaction;
	private final ZoneId zone;
	private final Clock clock;

	FollowUpOperations(FollowUpPlans plans, FollowUpLedger ledger, PersonLedger persons, PriorExamIndex priorExams, ExamTerminology terminology,
			RegionDirectory directory, DaoRegistry daos, PlatformTransactionManager transactions, ZoneId zone, Clock clock) {
		this.plans = plans;
		this.ledger = ledger;
		this.persons = persons;
		this.priorExams = priorExams;
		this.terminology = terminology;
		this.directory = directory;
		this.daos = daos;
		this.transaction = new TransactionTemplate(transactions);
		// Its own transaction: a plan applied on a diagnosis is applied right after that write committed.
		this.transaction.setPropagationBehavior(org.springframework.transaction.TransactionDefinition.PROPAGATION_REQUIRES_NEW);
		this.zone = zone;
		this.clock = clock;
	}

	@Operation(name = "$apply", type = PlanDefinition.class, idempotent = false)
	public CarePlan apply(@IdParam IdType planId, @OperationParam(name = "subject", min = 1, max = 1) StringType subject,
			@OperationParam(name = "organization", max = 1) StringType organization, @OperationParam(name = "start", max = 1) DateType start,
			RequestDetails request) {
		PlanDefinition plan = daos.getResourceDao(PlanDefinition.class).read(planId.toUnqualifiedVersionless(), new SystemRequestDetails());
		return applyPlan(plan, subject, organization, start, request);
	}

	@Operation(name = "$apply", type = PlanDefinition.class, idempotent = false)
	public CarePlan applyForCondition(@OperationParam(name = "condition", min = 1, max = 1) StringType condition,
			@OperationParam(name = "subject", min = 1, max = 1) StringType subject, @OperationParam(name = "organization", max = 1) StringType organization,
			@OperationParam(name = "start", max = 1) DateType start, RequestDetails request) {
		String wanted = condition == null ? "" : condition.getValue();
		PlanDefinition plan = daos.getResourceDao(PlanDefinition.class).searchForResources(SearchParameterMap.newSynchronous(),
						new SystemRequestDetails()).stream().map(PlanDefinition.class::cast)
				.filter(p -> p.getStatus() == org.hl7.fhir.r4.model.Enumerations.PublicationStatus.ACTIVE)
				.filter(p -> FollowUpPlans.conditions(p).stream().anyMatch(c -> (c.getSystem() + "|" + c.getCode()).equals(wanted)))
				.findFirst().orElseThrow(() -> new UnprocessableEntityException("No follow-up plan of the region is for condition '" + wanted
						+ "' (system|code, as in a plan's useContext focus)"));
		return applyPlan(plan, subject, organization, start, request);
	}

	private CarePlan applyPlan(PlanDefinition plan, StringType subject, StringType organization, DateType start, RequestDetails request) {
		String patientId = patientOf(subject);
		Patient patient = daos.getResourceDao(Patient.class).read(new IdType("Patient", patientId), new SystemRequestDetails());
		Optional<Caller> caller = FhirAccessInterceptor.judgedCaller(request);
		if (caller.isPresent() && caller.get().isPatient()) {
			throw new ForbiddenOperationException("A follow-up plan is applied by a hospital's doctor, not by a patient's app");
		}
		String hospital = hospitalOf(organization, patient, request);
		if (caller.isPresent() && !caller.get().isRegion() && !persons.personHasRecordAt(patientId, hospital)) {
			throw new ForbiddenOperationException(directory.hospitalName(hospital) + " has no record of Patient/" + patientId
					+ "'s person: a hospital applies a follow-up plan for its own patients");
		}
		LocalDate first = start == null || start.getValue() == null ? today() : LocalDate.of(start.getYear(), start.getMonth() + 1, start.getDay());
		return apply(plan, patientId, hospital, first, null);
	}

	/**
	 * Applies the plan of a diagnosis just recorded ({@link PlansOnDiagnosis}), after that write committed; nothing when
	 * the person already follows this plan (the earlier file goes on).
	 */
	void applyOnDiagnosis(String planId, String patientId, String hospital, LocalDate first, String conditionId) {
		PlanDefinition plan = daos.getResourceDao(PlanDefinition.class).read(new IdType("PlanDefinition", planId), new SystemRequestDetails());
		transaction.executeWithoutResult(tx -> {
			// Two diagnoses of one person at once (two hospitals, two instances) apply the plan once.
			ledger.serialise(persons.personIdOf(patientId) + "|" + plan.getUrl());
			if (!ledger.followsPlan(patientId, plan.getUrl(), today())) {
				apply(plan, patientId, hospital, first, conditionId);
			}
		});
	}

	/** @param conditionId the diagnosis the plan addresses, if it was applied on one */
	private CarePlan apply(PlanDefinition plan, String patientId, String hospital, LocalDate first, String conditionId) {
		List<FollowUpPlans.Action> actions = plans.actions(plan);
		return transaction.execute(tx -> {
			String carePlanId = UUID.randomUUID().toString();
			CarePlan carePlan = new CarePlan();
			carePlan.setId(carePlanId);
			carePlan.setStatus(CarePlan.CarePlanStatus.ACTIVE).setIntent(CarePlan.CarePlanIntent.PLAN);
			carePlan.setTitle(plan.getTitle()).setDescription(plan.getDescription());
			carePlan.addInstantiatesCanonical(plan.getUrl());
			carePlan.setSubject(new Reference("Patient/" + patientId));
			carePlan.setAuthor(new Reference("Organization/" + hospital).setDisplay(directory.hospitalName(hospital)));
			carePlan.setCreated(Date.from(clock.instant()));
			if (conditionId != null) {
				carePlan.addAddresses(new Reference("Condition/" + conditionId));
			}
			Ownership.stamp(carePlan, hospital);
			SystemRequestDetails system = new SystemRequestDetails();
			daos.getResourceDao(CarePlan.class).update(carePlan, system);

			List<Planned> planned = new ArrayList<>();
			for (FollowUpPlans.Action action : actions) {
				for (FollowUpSchedule.Occurrence occurrence : FollowUpSchedule.occurrences(first, action.every(), action.count())) {
					// An exam counts from the start of its look-back before the due day when that is earlier than the half period.
					LocalDate opens = action.exam().map(exam -> earlier(occurrence.opens(),
							LocalDate.ofInstant(occurrence.due().atStartOfDay(zone).toInstant().minus(terminology.lookBack(exam)), zone)))
							.orElse(occurrence.opens());
					planned.add(new Planned(action, occurrence.number(), opens, occurrence.due()));
				}
			}
			planned.sort(Comparator.comparing(Planned::due));
			List<PriorExam> priors = priorExamsOf(patientId, planned);
			java.util.Map<Planned, String> taskIds = new java.util.HashMap<>();
			planned.forEach(p -> taskIds.put(p, UUID.randomUUID().toString()));
			Set<String> used = new HashSet<>();
			LocalDate end = first;
			for (Planned p : planned) {
				String taskId = taskIds.get(p);
				Task task = task(taskId, carePlanId, p, patientId, hospital);
				if (p.action().exam().isEmpty()) {
					// Pre-visit mode: the exams due with a visit come first; the visit is booked once their results are in.
					planned.stream().filter(e -> e.action().exam().isPresent() && e.due().equals(p.due())).forEach(e -> task.addInput()
							.setType(new CodeableConcept(new Coding(PREREQUISITE.getSystem(), PREREQUISITE.getCode(), PREREQUISITE.getDisplay())))
							.setValue(new Reference("Task/" + taskIds.get(e)).setDisplay(e.action().title() + (e.action().count() > 1
									? " (" + e.number() + " of " + e.action().count() + ")" : ""))));
				}
				Optional<PriorExam> prior = p.action().exam().flatMap(exam -> priors.stream()
						.filter(x -> !used.contains(x.source()))
						.filter(x -> terminology.catalogue().exam(x.examCode()).map(t -> terminology.sameType(exam, t)).orElse(false))
						.filter(x -> !LocalDate.ofInstant(x.performedAt(), zone).isBefore(p.opens()))
						.findFirst());
				daos.getResourceDao(Task.class).update(task, system);
				ledger.add(new FollowUpLedger.Row(taskId, carePlanId, plan.getUrl(), persons.personIdOf(patientId), patientId, hospital,
						p.action().exam().map(e -> e.code()).orElse(null), task.getDescription(), p.opens(), p.due(), false));
				if (prior.isPresent()) {
					used.add(prior.get().source());
					String by = prior.get().reportRef() != null ? prior.get().reportRef() : prior.get().source();
					FollowUpProgress.complete(task, by, LocalDate.ofInstant(prior.get().performedAt(), zone), true,
							"satisfied by the same exam done at " + directory.hospitalName(prior.get().hospitalKey()) + " on "
									+ LocalDate.ofInstant(prior.get().performedAt(), zone));
					// The ledger first: the Task's update is then OneTrip's own completion, not one checked as by hand.
					ledger.done(taskId, by, LocalDate.ofInstant(prior.get().performedAt(), zone), true);
					daos.getResourceDao(Task.class).update(task, system);
				}
				carePlan.addActivity().setReference(new Reference("Task/" + taskId).setDisplay(task.getDescription()));
				end = p.due().isAfter(end) ? p.due() : end;
			}
			carePlan.setPeriod(new Period().setStart(java.sql.Date.valueOf(first)).setEnd(java.sql.Date.valueOf(end)));
			return (CarePlan) daos.getResourceDao(CarePlan.class).update(carePlan, system).getResource();
		});
	}

	private record Planned(FollowUpPlans.Action action, int number, LocalDate opens, LocalDate due) {}

	private Task task(String taskId, String carePlanId, Planned p, String patientId, String hospital) {
		Task task = new Task();
		task.setId(taskId);
		task.setStatus(Task.TaskStatus.REQUESTED).setIntent(Task.TaskIntent.PLAN);
		task.setCode(p.action().code().copy());
		int of = p.action().count();
		task.setDescription(p.action().title() + (of > 1 ? " (" + p.number() + " of " + of + ")" : ""));
		task.addBasedOn(new Reference("CarePlan/" + carePlanId));
		task.setFor(new Reference("Patient/" + patientId));
		task.setOwner(new Reference("Organization/" + hospital));
		task.setRequester(new Reference("Organization/" + hospital));
		task.setAuthoredOn(Date.from(clock.instant()));
		task.getRestriction().setPeriod(new Period().setStart(java.sql.Date.valueOf(p.opens())).setEnd(java.sql.Date.valueOf(p.due())));
		Ownership.stamp(task, hospital);
		return task;
	}

	/** Exams of every record of the person since the earliest window opens. */
	private List<PriorExam> priorExamsOf(String patientId, List<Planned> planned) {
		LocalDate earliest = planned.stream().filter(p -> p.action().exam().isPresent()).map(Planned::opens).min(LocalDate::compareTo).orElse(null);
		if (earliest == null) {
			return List.of();
		}
		Set<String> records = new HashSet<>(persons.personOf(patientId));
		records.add(patientId);
		Instant since = earliest.atStartOfDay(zone).toInstant();
		return priorExams.findByPatients(records, since).stream().filter(x -> !x.performedAt().isAfter(clock.instant()))
				.sorted(Comparator.comparing(PriorExam::performedAt)).toList();
	}

	private static String patientOf(StringType subject) {
		String reference = subject == null ? null : subject.getValue();
		if (reference == null || !reference.startsWith("Patient/") || reference.length() <= "Patient/".length()) {
			throw new UnprocessableEntityException("$apply needs 'subject' = Patient/<id>");
		}
		return reference.substring("Patient/".length());
	}

	/** The applying hospital: as asked (the region), else the caller's, else the Patient's own. */
	private String hospitalOf(StringType organization, Patient patient, RequestDetails request) {
		Optional<Caller> caller = FhirAccessInterceptor.judgedCaller(request);
		if (caller.isPresent() && !caller.get().isRegion() && !caller.get().isPatient()) {
			return caller.get().hospital();
		}
		if (organization != null && organization.getValue() != null) {
			return directory.hospitalOf(organization.getValue()).map(h -> h.key()).orElseThrow(() ->
					new UnprocessableEntityException("'organization' " + organization.getValue() + " is not a hospital of the region"));
		}
		return directory.hospitalOfPatient(patient).map(h -> h.key()).orElseThrow(() -> new UnprocessableEntityException(
				"Patient/" + patient.getIdElement().getIdPart() + " names no hospital of the region: give 'organization'"));
	}

	@Operation(name = "$follow-up-adherence", idempotent = true)
	public Parameters adherence(@OperationParam(name = "date", max = 1) DateType date, RequestDetails request) {
		LocalDate until = date == null || date.getValue() == null ? today() : LocalDate.of(date.getYear(), date.getMonth() + 1, date.getDay());
		Optional<Caller> caller = FhirAccessInterceptor.judgedCaller(request);
		if (caller.isPresent() && caller.get().isPatient()) {
			throw new ForbiddenOperationException("$follow-up-adherence is for hospitals and the region");
		}
		// A hospital sees its own figures, the region everyone's.
		String own = caller.filter(c -> !c.isRegion()).map(Caller::hospital).orElse(null);
		Parameters out = new Parameters();
		for (FollowUpLedger.Adherence row : ledger.adherence(until)) {
			if (own != null && !own.equals(row.hospital())) {
				continue;
			}
			Parameters.ParametersParameterComponent part = out.addParameter().setName("plan");
			part.addPart().setName("hospital").setValue(new StringType(row.hospital()));
			part.addPart().setName("plan").setValue(new StringType(row.planUrl()));
			plans.condition(row.planUrl()).ifPresent(c -> part.addPart().setName("condition").setValue(c));
			part.addPart().setName("due").setValue(new IntegerType(Math.toIntExact(row.due())));
			part.addPart().setName("on-time").setValue(new IntegerType(Math.toIntExact(row.onTime())));
			part.addPart().setName("late").setValue(new IntegerType(Math.toIntExact(row.late())));
			part.addPart().setName("overdue").setValue(new IntegerType(Math.toIntExact(row.overdue())));
		}
		return out;
	}

	private static LocalDate earlier(LocalDate a, LocalDate b) {
		return a.isBefore(b) ? a : b;
	}

	private LocalDate today() {
		return LocalDate.ofInstant(clock.instant(), zone);
	}
}
