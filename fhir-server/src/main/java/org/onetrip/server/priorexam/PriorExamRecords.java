package org.onetrip.server.priorexam;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Endpoint;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.terminology.exam.ExamCode;
import org.onetrip.terminology.exam.ExamTerminology;
import org.onetrip.terminology.exam.ExamType;
import org.onetrip.terminology.exam.ExamTyping;
import org.onetrip.terminology.exam.PriorExam;
import org.onetrip.terminology.region.Hospital;

/**
 * Which FHIR resources are exams a person had, and what the prior-exam index records of them:
 * a DiagnosticReport with a result, an ImagingStudy with images, a ServiceRequest that was completed.
 */
public class PriorExamRecords {

	public static final Set<String> SOURCE_TYPES = Set.of("DiagnosticReport", "ImagingStudy", "ServiceRequest");

	private static final Set<String> REPORT_STATUSES_THAT_COUNT =
			Set.of("registered", "partial", "preliminary", "final", "amended", "corrected", "appended");
	private static final String DICOM_UID_SYSTEM = "urn:dicom:uid";

	private final ExamTerminology terminology;
	private final RegionDirectory directory;
	private final Function<String, Optional<Endpoint>> endpoints;

	/** @param endpoints reads an Endpoint by relative reference (where an ImagingStudy's images can be retrieved) */
	public PriorExamRecords(ExamTerminology terminology, RegionDirectory directory,
			Function<String, Optional<Endpoint>> endpoints) {
		this.terminology = terminology;
		this.directory = directory;
		this.endpoints = endpoints;
	}

	/** The typing an exam resource's codes give, for counting unmapped local codes. */
	public Optional<ExamTyping> typing(IBaseResource resource) {
		if (resource instanceof DiagnosticReport report) {
			return Optional.of(terminology.type(codes(report.getCode())));
		}
		if (resource instanceof ImagingStudy study) {
			return Optional.of(terminology.type(study.getProcedureCode().stream().flatMap(c -> codes(c).stream()).toList()));
		}
		if (resource instanceof ServiceRequest order) {
			return Optional.of(terminology.type(codes(order.getCode())));
		}
		return Optional.empty();
	}

	/** The index record of this resource, or empty when it is not (or no longer) an exam that counts. */
	public Optional<PriorExam> of(IBaseResource resource) {
		if (resource instanceof DiagnosticReport report) {
			return report(report);
		}
		if (resource instanceof ImagingStudy study) {
			return study(study);
		}
		if (resource instanceof ServiceRequest order) {
			return completedOrder(order);
		}
		return Optional.empty();
	}

	private Optional<PriorExam> report(DiagnosticReport report) {
		if (report.getStatus() == null || !REPORT_STATUSES_THAT_COUNT.contains(report.getStatus().toCode())) {
			return Optional.empty();
		}
		Optional<ExamType> exam = terminology.type(codes(report.getCode())).examType();
		Optional<String> patient = patientId(report.getSubject());
		Instant performed = report.hasEffectiveDateTimeType() ? report.getEffectiveDateTimeType().getValue().toInstant()
				: report.hasEffectivePeriod() && report.getEffectivePeriod().hasStart() ? report.getEffectivePeriod().getStart().toInstant()
				: report.hasIssued() ? report.getIssued().toInstant() : null;
		if (exam.isEmpty() || patient.isEmpty() || performed == null) {
			return Optional.empty();
		}
		String source = "DiagnosticReport/" + report.getIdElement().getIdPart();
		String summary = report.hasConclusion() ? report.getConclusion() : displayOf(report.getCode());
		return Optional.of(new PriorExam(source, patient.get(), exam.get().code(), performed,
				hospital(report.getPerformer(), report.getCode()),
				report.getStatus().toCode(), source,
				reference(report.getImagingStudy()), reference(report.getBasedOn()), null, null, summary));
	}

	private Optional<PriorExam> study(ImagingStudy study) {
		// "registered": the study is known (scheduled) but has no images yet.
		if (study.getStatus() != ImagingStudy.ImagingStudyStatus.AVAILABLE) {
			return Optional.empty();
		}
		List<ExamCode> procedureCodes = study.getProcedureCode().stream().flatMap(c -> codes(c).stream()).toList();
		Optional<ExamType> exam = terminology.type(procedureCodes).examType().or(() -> study.getSeries().stream()
				.map(s -> terminology.typeByModalityAndBodyPart(s.getModality().getCode(), bodyPart(s.getBodySite())))
				.flatMap(Optional::stream).findFirst());
		Optional<String> patient = patientId(study.getSubject());
		Instant performed = study.hasStarted() ? study.getStarted().toInstant()
				: study.getSeries().stream().filter(ImagingStudy.ImagingStudySeriesComponent::hasStarted)
						.map(s -> s.getStarted().toInstant()).min(Comparator.naturalOrder()).orElse(null);
		if (exam.isEmpty() || patient.isEmpty() || performed == null) {
			return Optional.empty();
		}
		String source = "ImagingStudy/" + study.getIdElement().getIdPart();
		String uid = study.getIdentifier().stream()
				.filter(i -> DICOM_UID_SYSTEM.equals(i.getSystem()) && i.hasValue())
				.map(i -> i.getValue().replaceFirst("^urn:oid:", ""))
				.findFirst().orElse(null);
		List<Reference> performers = study.getSeries().stream()
				.flatMap(s -> s.getPerformer().stream()).map(ImagingStudy.ImagingStudySeriesPerformerComponent::getActor)
				.toList();
		String hospital = hospital(performers, study.getProcedureCodeFirstRep());
		return Optional.of(new PriorExam(source, patient.get(), exam.get().code(), performed, hospital,
				study.getStatus().toCode(), null, source, reference(study.getBasedOn()), uid,
				imagesUrl(study, uid), study.getDescription()));
	}

	private Optional<PriorExam> completedOrder(ServiceRequest order) {
		if (order.getStatus() != ServiceRequest.ServiceRequestStatus.COMPLETED) {
			return Optional.empty();
		}
		Optional<ExamType> exam = terminology.type(codes(order.getCode())).examType();
		Optional<String> patient = patientId(order.getSubject());
		// When the exam was done; a completed order without it is dated by when it was placed.
		Instant performed = order.hasOccurrenceDateTimeType() ? order.getOccurrenceDateTimeType().getValue().toInstant()
				: order.hasOccurrencePeriod() && order.getOccurrencePeriod().hasStart() ? order.getOccurrencePeriod().getStart().toInstant()
				: order.hasAuthoredOn() ? order.getAuthoredOn().toInstant() : null;
		if (exam.isEmpty() || patient.isEmpty() || performed == null) {
			return Optional.empty();
		}
		String source = "ServiceRequest/" + order.getIdElement().getIdPart();
		return Optional.of(new PriorExam(source, patient.get(), exam.get().code(), performed,
				hospital(order.getPerformer(), order.getCode()), order.getStatus().toCode(),
				null, null, source, null, null, displayOf(order.getCode())));
	}

	/** The performing hospital: a performer that is one of the region's own resources, else the issuer of a local code. */
	private String hospital(List<Reference> performers, CodeableConcept code) {
		return performers.stream()
				.map(r -> directory.hospitalOf(r.getReference()))
				.flatMap(Optional::stream).map(Hospital::key).findFirst()
				.orElseGet(() -> codes(code).stream()
						.map(c -> terminology.hospitalOfLocalSystem(c.system())).flatMap(Optional::stream)
						.filter(key -> directory.region().hospital(key).isPresent())
						.findFirst().orElse(null));
	}

	private String imagesUrl(ImagingStudy study, String uid) {
		if (uid == null) {
			return null;
		}
		return study.getEndpoint().stream()
				.map(r -> endpoints.apply(r.getReference())).flatMap(Optional::stream)
				.filter(e -> "dicom-wado-rs".equals(e.getConnectionType().getCode()) && e.hasAddress())
				.map(e -> e.getAddress().replaceFirst("/+$", "") + "/studies/" + uid)
				.findFirst().orElse(null);
	}

	static List<ExamCode> codes(CodeableConcept concept) {
		List<ExamCode> codes = new ArrayList<>();
		for (Coding coding : concept.getCoding()) {
			if (coding.hasCode()) {
				codes.add(new ExamCode(coding.getSystem(), coding.getCode(), coding.getDisplay()));
			}
		}
		return codes;
	}

	private static String bodyPart(Coding bodySite) {
		return Stream.of(bodySite.getDisplay(), bodySite.getCode()).filter(Objects::nonNull).findFirst().orElse(null);
	}

	private static String displayOf(CodeableConcept concept) {
		if (concept.hasText()) {
			return concept.getText();
		}
		return concept.getCoding().stream().map(Coding::getDisplay).filter(Objects::nonNull).findFirst().orElse(null);
	}

	private static String reference(List<Reference> references) {
		return references.stream().filter(Reference::hasReference).map(r -> relative(r.getReference())).findFirst().orElse(null);
	}

	static Optional<String> patientId(Reference subject) {
		String reference = subject.getReference();
		if (reference == null || !reference.contains("Patient/")) {
			return Optional.empty();
		}
		String relative = relative(reference);
		return relative.startsWith("Patient/") ? Optional.of(relative.substring("Patient/".length())) : Optional.empty();
	}

	static String relative(String reference) {
		return RegionDirectory.relative(reference);
	}
}
