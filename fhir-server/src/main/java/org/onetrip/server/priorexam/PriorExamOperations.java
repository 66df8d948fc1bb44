package org.onetrip.server.priorexam;

import org.onetrip.server.identity.PersonResolver;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import org.onetrip.server.security.FhirAccessInterceptor;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.UrlType;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.terminology.exam.ExamCatalogue;
import org.onetrip.terminology.exam.ExamCode;
import org.onetrip.terminology.exam.ExamTerminology;
import org.onetrip.terminology.exam.ExamType;
import org.onetrip.terminology.exam.PriorExam;

/**
 * The duplicate-exam decision for systems without CDS Hooks, as FHIR operations:
 * {@code ServiceRequest/$duplicate-check} (an order not stored yet), {@code ServiceRequest/{id}/$duplicate-check}
 * (a stored order) and {@code Patient/{id}/$prior-exams} (the person's exams from every hospital).
 */
public class PriorExamOperations {

	private final DuplicateExamCheck check;
	private final PersonResolver persons;
	private final PriorExamIndex index;
	private final ExamTerminology terminology;
	private final RegionDirectory directory;
	private final FindingText text;
	private final IFhirResourceDao<ServiceRequest> serviceRequests;
	private final Clock clock;
	private final org.onetrip.server.security.CareRelationships care;

	public PriorExamOperations(DuplicateExamCheck check, PersonResolver persons, PriorExamIndex index,
			ExamTerminology terminology, RegionDirectory directory, IFhirResourceDao<ServiceRequest> serviceRequests,
			Clock clock, org.onetrip.server.security.CareRelationships care) {
		this.care = care;
		this.serviceRequests = serviceRequests;
		this.clock = clock;
		this.check = check;
		this.persons = persons;
		this.index = index;
		this.terminology = terminology;
		this.directory = directory;
		this.text = new FindingText(terminology, directory, java.time.ZoneId.systemDefault());
	}

	/**
	 * @param requests the orders (as drafted; their subject names the patient by reference or identifier)
	 * @param patient optionally the patient as the ordering hospital knows them (identifiers are used)
	 */
	@Operation(name = "$duplicate-check", type = ServiceRequest.class, idempotent = false)
	public Parameters duplicateCheck(
			@OperationParam(name = "request", min = 1, max = OperationParam.MAX_UNLIMITED) List<ServiceRequest> requests,
			@OperationParam(name = "patient", max = 1) Patient patient,
			RequestDetails requestDetails) {
		if (requests == null || requests.isEmpty()) {
			throw new InvalidRequestException("$duplicate-check needs at least one 'request' parameter holding a ServiceRequest");
		}
		boolean patientNamed = patient != null
				|| requests.stream().anyMatch(r -> r.getSubject().hasReference() || r.getSubject().hasIdentifier());
		if (!patientNamed) {
			throw new InvalidRequestException("$duplicate-check: say who the patient is: ServiceRequest.subject "
					+ "(a Patient reference or identifier) or a 'patient' parameter with identifiers");
		}
		Set<String> person = new LinkedHashSet<>();
		if (patient != null) {
			person.addAll(persons.byIdentifiers(patient.getIdentifier()));
		}
		for (ServiceRequest request : requests) {
			person.addAll(personOfSubject(request.getSubject()));
		}
		care.requireGrounds(FhirAccessInterceptor.judgedCaller(requestDetails), person, "$duplicate-check");
		return answer(check.check(person, requests, null, clock.instant()), requestDetails);
	}

	/** A stored order, checked as if it were placed now (it is never its own prior exam). */
	@Operation(name = "$duplicate-check", type = ServiceRequest.class, idempotent = true)
	public Parameters duplicateCheckStored(@IdParam IdType id, RequestDetails requestDetails) {
		ServiceRequest order = serviceRequests.read(id.toUnqualifiedVersionless(), new SystemRequestDetails());
		Set<String> person = personOfSubject(order.getSubject());
		care.requireGrounds(FhirAccessInterceptor.judgedCaller(requestDetails), person, "$duplicate-check");
		return answer(check.check(person, List.of(order), null, clock.instant()), requestDetails);
	}

	private Set<String> personOfSubject(Reference subject) {
		if (subject.hasReference()) {
			String relative = PriorExamRecords.relative(subject.getReference());
			if (!relative.startsWith("Patient/")) {
				throw new InvalidRequestException("ServiceRequest.subject must be a Patient, was " + subject.getReference());
			}
			Set<String> found = persons.byPatientId(relative.substring("Patient/".length()));
			if (found.isEmpty()) {
				throw new ResourceNotFoundException("ServiceRequest.subject " + subject.getReference() + " does not exist");
			}
			return found;
		}
		return subject.hasIdentifier() ? persons.byIdentifiers(List.of(subject.getIdentifier())) : Set.of();
	}

	/** @param since exams at or after this date (default: one year ago); @param code only exams of the same type as this */
	@Operation(name = "$prior-exams", type = Patient.class, idempotent = true)
	public Parameters priorExams(
			@IdParam IdType patientId,
			@OperationParam(name = "since", max = 1) DateType since,
			@OperationParam(name = "code", max = 1) ca.uhn.fhir.rest.param.TokenParam code, RequestDetails requestDetails) {
		Set<String> person = persons.byPatientId(patientId.getIdPart());
		if (person.isEmpty()) {
			throw new ResourceNotFoundException("Patient/" + patientId.getIdPart() + " does not exist");
		}
		care.requireGrounds(FhirAccessInterceptor.judgedCaller(requestDetails), person, "$prior-exams");
		Instant from = since != null && since.getValue() != null ? since.getValue().toInstant()
				: clock.instant().minus(365, ChronoUnit.DAYS);
		List<PriorExam> exams = index.findByPatients(person, from);
		if (code != null && code.getValue() != null) {
			ExamType type = terminology.type(List.of(new ExamCode(code.getSystem() == null ? ExamCatalogue.SYSTEM : code.getSystem(),
							code.getValue(), null))).examType()
					.orElseThrow(() -> new InvalidRequestException("code " + code.getValueNotNull()
							+ " is neither a catalogue code nor a mapped hospital exam code"));
			exams = exams.stream().filter(e -> terminology.catalogue().exam(e.examCode())
					.map(t -> terminology.sameType(type, t)).orElse(false)).toList();
		}
		Parameters out = new Parameters();
		out.addParameter().setName("person").setValue(new IntegerType(person.size()));
		person.forEach(id -> out.addParameter().setName("patient").setValue(new Reference("Patient/" + id)));
		for (PriorExam exam : PriorExam.mergeRecordsOfOneExam(exams)) {
			out.addParameter(examPart("exam", exam, null));
		}
		return out;
	}

	private Parameters answer(List<DuplicateExamCheck.OrderCheck> checks, RequestDetails requestDetails) {
		Parameters out = new Parameters();
		Instant now = clock.instant();
		for (DuplicateExamCheck.OrderCheck c : checks) {
			ParametersParameterComponent order = out.addParameter().setName("order");
			if (c.order().getIdElement().hasIdPart()) {
				order.addPart().setName("request").setValue(new Reference("ServiceRequest/" + c.order().getIdElement().getIdPart()));
			}
			order.addPart().setName("outcome").setValue(new CodeType(c.outcome().name().toLowerCase().replace('_', '-')));
			order.addPart().setName("duplicate").setValue(new BooleanType(c.outcome() == DuplicateExamCheck.Outcome.DUPLICATE));
			order.addPart().setName("message").setValue(new StringType(text.summary(c, now)));
			c.typing().examType().ifPresent(exam -> {
				order.addPart().setName("examType").setValue(new Coding(ExamCatalogue.SYSTEM, exam.code(), exam.display()));
				order.addPart().setName("lookBackDays").setValue(new IntegerType((int) terminology.lookBack(exam).toDays()));
			});
			if (c.finding() != null) {
				order.addPart().setName("since").setValue(new DateTimeType(Date.from(c.finding().since())));
				for (PriorExam prior : c.finding().repeats()) {
					order.addPart(examPart("prior", prior, requestDetails));
				}
			}
		}
		return out;
	}

	private ParametersParameterComponent examPart(String name, PriorExam exam, RequestDetails requestDetails) {
		ParametersParameterComponent part = new ParametersParameterComponent().setName(name);
		part.addPart().setName("source").setValue(new Reference(exam.source()));
		part.addPart().setName("examType").setValue(new Coding(ExamCatalogue.SYSTEM, exam.examCode(),
				terminology.catalogue().exam(exam.examCode()).map(ExamType::display).orElse(null)));
		part.addPart().setName("date").setValue(new DateTimeType(Date.from(exam.performedAt())));
		if (exam.hospitalKey() != null) {
			part.addPart().setName("hospital").setValue(new Reference("Organization/" + exam.hospitalKey())
					.setDisplay(directory.hospitalName(exam.hospitalKey())));
		}
		if (exam.status() != null) {
			part.addPart().setName("status").setValue(new CodeType(exam.status()));
		}
		part.addPart().setName("result").setValue(new StringType(text.statusText(exam)));
		if (exam.reportRef() != null) {
			part.addPart().setName("report").setValue(new Reference(exam.reportRef()));
		}
		if (exam.imagingStudyRef() != null) {
			part.addPart().setName("imagingStudy").setValue(new Reference(exam.imagingStudyRef()));
		}
		if (exam.imagesUrl() != null) {
			part.addPart().setName("images").setValue(new UrlType(exam.imagesUrl()));
		}
		if (exam.summary() != null) {
			part.addPart().setName("summary").setValue(new StringType(exam.summary()));
		}
		return part;
	}
}
