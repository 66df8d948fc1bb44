package org.onetrip.server.dicom;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Reference;
import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import org.onetrip.dicom.store.DicomHeader;
import org.onetrip.dicom.store.StudySnapshot;
import org.onetrip.terminology.exam.ExamCatalogue;
import org.onetrip.terminology.exam.ExamCode;
import org.onetrip.terminology.exam.ExamTerminology;
import org.onetrip.terminology.exam.ExamType;
import org.onetrip.terminology.exam.HospitalExamCodes;

/**
 * One indexed study as a FHIR ImagingStudy, id = Study Instance UID. Its procedure codes carry the regional exam
 * type (from the Procedure Code Sequence through the sending hospital's code map, else from a series' modality and
 * body part), so the study counts as a prior exam for the duplicate-exam check.
 */
public class ImagingStudyBuilder {

	static final String DICOM_UID_SYSTEM = "urn:dicom:uid";
	static final String DCM = "http://dicom.nema.org/resources/ontology/DCM";
	static final String ACCESSION_SYSTEM_PREFIX = "urn:onetrip:accession:";

	private final ExamTerminology terminology;
	private final ZoneId zone;
	/** The ServiceRequest an accession number (of a hospital) belongs to, as "ServiceRequest/id". */
	private final Function<StudySnapshot, Optional<String>> orderOfAccession;
	/** The Endpoint where the images are retrieved (DICOMweb), or null when they are not served from here. */
	private final String endpointId;

	public ImagingStudyBuilder(ExamTerminology terminology, ZoneId zone,
			Function<StudySnapshot, Optional<String>> orderOfAccession, String endpointId) {
		this.terminology = terminology;
		this.zone = zone;
		this.endpointId = endpointId;
		this.orderOfAccession = orderOfAccession;
	}

	/**
	 * The builder whose orders come from a FHIR store: the ServiceRequest of the study's patient whose identifier
	 * (any system) is the accession number, when there is exactly one.
	 */
	public static ImagingStudyBuilder over(org.onetrip.server.fhirstore.FhirStore store, ExamTerminology terminology,
			ZoneId zone, String endpointId) {
		return new ImagingStudyBuilder(terminology, zone, study -> {
			if (study.accessionNumber().isEmpty() || study.patientRef() == null) {
				return Optional.empty();
			}
			List<String> ids = store.serviceRequestsWithIdentifier(study.accessionNumber()).stream()
					.filter(o -> o.getSubject().getReferenceElement().getIdPart() != null)
					.filter(o -> study.patientRef().equals(o.getSubject().getReferenceElement().getIdPart()))
					.map(o -> "ServiceRequest/" + o.getIdElement().getIdPart()).toList();
			return ids.size() == 1 ? Optional.of(ids.get(0)) : Optional.empty();
		}, endpointId);
	}

	/**
	 * @param subject the study's Patient: "Patient/id", or the full URL of the Patient made in the same transaction
	 *                (a PatientID the region did not know; its study has no order to find: an order names a Patient)
	 */
	public ImagingStudy build(StudySnapshot study, String subject) {
		ImagingStudy fhir = new ImagingStudy();
		fhir.setId(study.studyInstanceUid());
		fhir.addIdentifier().setSystem(DICOM_UID_SYSTEM).setValue("urn:oid:" + study.studyInstanceUid());
		if (!study.accessionNumber().isEmpty()) {
			fhir.addIdentifier()
					.setType(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/v2-0203", "ACSN", null)))
					.setSystem(ACCESSION_SYSTEM_PREFIX + study.hospital()).setValue(study.accessionNumber());
		}
		fhir.setStatus(ImagingStudy.ImagingStudyStatus.AVAILABLE);
		fhir.setSubject(new Reference(subject));
		// Where the images are: OneTrip's DICOMweb (the CDS cards link the study there through this Endpoint).
		if (endpointId != null) {
			fhir.addEndpoint(new Reference("Endpoint/" + endpointId));
		}
		for (String modality : study.modalities()) {
			fhir.addModality(new Coding(DCM, modality, null));
		}
		dateTime(study.studyDate(), study.studyTime()).ifPresent(fhir::setStartedElement);
		orderOfAccession.apply(study).ifPresent(order -> fhir.addBasedOn(new Reference(order)));
		if (!study.referringPhysicianName().isEmpty()) {
			fhir.setReferrer(new Reference().setDisplay(study.referringPhysicianName().replace('^', ' ').trim()));
		}
		if (!study.studyDescription().isEmpty()) {
			fhir.setDescription(study.studyDescription());
		}
		fhir.setNumberOfSeries(study.series().size());
		fhir.setNumberOfInstances(study.instanceCount());
		fhir.addProcedureCode(procedureCode(study));
		Reference performer = new Reference("Organization/" + study.hospital());
		for (StudySnapshot.Series series : study.series()) {
			ImagingStudy.ImagingStudySeriesComponent s = fhir.addSeries();
			s.setUid(series.seriesInstanceUid());
			integer(series.seriesNumber()).ifPresent(s::setNumber);
			s.setModality(new Coding(DCM, series.modality().isEmpty() ? "OT" : series.modality(), null));
			if (!series.description().isEmpty()) {
				s.setDescription(series.description());
			}
			s.setNumberOfInstances(series.instances().size());
			if (!series.bodyPartExamined().isEmpty()) {
				s.setBodySite(new Coding().setDisplay(series.bodyPartExamined()));
			}
			dateTime(series.seriesDate(), series.seriesTime()).ifPresent(s::setStartedElement);
			s.addPerformer().setActor(performer);
			for (StudySnapshot.Instance instance : series.instances()) {
				ImagingStudy.ImagingStudySeriesInstanceComponent i = s.addInstance();
				i.setUid(instance.sopInstanceUid());
				i.setSopClass(new Coding("urn:ietf:rfc:3986", "urn:oid:" + instance.sopClassUid(), null));
				integer(instance.instanceNumber()).ifPresent(i::setNumber);
			}
		}
		if (!fhir.hasStarted()) {
			fhir.getSeries().stream().filter(ImagingStudy.ImagingStudySeriesComponent::hasStarted)
					.map(ImagingStudy.ImagingStudySeriesComponent::getStartedElement).findFirst()
					.ifPresent(fhir::setStartedElement);
		}
		return fhir;
	}

	/** The sending hospital's own codes (as its local exam code system unless LOINC) plus the regional exam type. */
	private CodeableConcept procedureCode(StudySnapshot study) {
		CodeableConcept concept = new CodeableConcept();
		List<ExamCode> codes = new ArrayList<>();
		for (DicomHeader.ProcedureCode code : study.procedureCodes()) {
			String system = switch (code.codingScheme()) {
				case "LN" -> ExamCatalogue.SYSTEM;
				case "SCT", "SRT" -> "http://snomed.info/sct";
				case "DCM" -> DCM;
				default -> HospitalExamCodes.SYSTEM_PREFIX + study.hospital();
			};
			String meaning = code.meaning().isEmpty() ? null : code.meaning();
			concept.addCoding(new Coding(system, code.code(), meaning));
			codes.add(new ExamCode(system, code.code(), meaning));
		}
		Optional<ExamType> exam = terminology.type(codes).examType();
		if (exam.isEmpty()) {
			Set<String> tried = new LinkedHashSet<>();
			for (StudySnapshot.Series series : study.series()) {
				if (tried.add(series.modality() + "|" + series.bodyPartExamined())) {
					exam = terminology.typeByModalityAndBodyPart(series.modality(), series.bodyPartExamined());
					if (exam.isPresent()) {
						break;
					}
				}
			}
		}
		exam.filter(e -> concept.getCoding().stream()
				.noneMatch(c -> ExamCatalogue.SYSTEM.equals(c.getSystem()) && e.code().equals(c.getCode())))
				.ifPresent(e -> concept.addCoding(new Coding(ExamCatalogue.SYSTEM, e.code(), e.display())));
		if (!study.studyDescription().isEmpty()) {
			concept.setText(study.studyDescription());
		}
		return concept;
	}

	/** DICOM DA + TM (local time of the modality) as a FHIR dateTime in the region's time zone. */
	Optional<DateTimeType> dateTime(String da, String tm) {
		if (da == null || da.length() != 8) {
			return Optional.empty();
		}
		try {
			LocalDate date = LocalDate.parse(da, DateTimeFormatter.BASIC_ISO_DATE);
			String digits = tm == null ? "" : tm.split("\\.")[0].replace(":", "");
			if (digits.length() < 4) {
				return Optional.of(new DateTimeType(date.toString()));
			}
			int hour = Integer.parseInt(digits.substring(0, 2));
			int minute = Integer.parseInt(digits.substring(2, 4));
			int second = digits.length() >= 6 ? Integer.parseInt(digits.substring(4, 6)) : 0;
			LocalDateTime local = LocalDateTime.of(date, LocalTime.of(hour, minute, second));
			DateTimeType value = new DateTimeType(Date.from(local.atZone(zone).toInstant()), TemporalPrecisionEnum.SECOND,
					java.util.TimeZone.getTimeZone(zone));
			return Optional.of(value);
		} catch (NumberFormatException | java.time.DateTimeException e) {
			return Optional.empty();
		}
	}

	private static Optional<Integer> integer(String value) {
		try {
			return value.isEmpty() ? Optional.empty() : Optional.of(Integer.parseInt(value.trim()));
		} catch (NumberFormatException e) {
			return Optional.empty();
		}
	}
}
