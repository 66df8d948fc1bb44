package org.onetrip.server.terminology;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.CodeSystem.PropertyType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.ConceptMap;
import org.hl7.fhir.r4.model.Enumerations.ConceptMapEquivalence;
import org.hl7.fhir.r4.model.Enumerations.PublicationStatus;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.ValueSet;
import org.onetrip.terminology.exam.ExamCatalogue;
import org.onetrip.terminology.exam.ExamTerminology;
import org.onetrip.terminology.exam.ExamType;
import org.onetrip.terminology.exam.HospitalExamCodes;
import org.onetrip.terminology.region.Hospital;
import org.onetrip.terminology.region.Region;

/**
 * The FHIR picture of the exam terminology: the catalogue as a CodeSystem (a LOINC fragment with
 * modality, body region, contrast and laterality properties) and a ValueSet of it, and per hospital
 * a CodeSystem of its local exam codes and the ConceptMap from them to the catalogue.
 */
public final class ExamTerminologyResources {

	public static final String CATALOGUE_ID = "onetrip-exam-catalogue";
	public static final String CATALOGUE_VALUE_SET_URL = "urn:onetrip:fhir:ValueSet:exam-catalogue";
	public static final String CODE_MAP_URL_PREFIX = "urn:onetrip:fhir:ConceptMap:";

	private ExamTerminologyResources() {}

	public static String codeMapId(String hospitalKey) {
		return "exam-codes-" + hospitalKey;
	}

	public static CodeSystem catalogue(ExamTerminology terminology) {
		CodeSystem cs = new CodeSystem();
		cs.setId(CATALOGUE_ID);
		cs.setUrl(ExamCatalogue.SYSTEM);
		cs.setName("OneTripExamCatalogue");
		cs.setTitle("Regional exam catalogue (LOINC / RSNA Radiology Playbook style)");
		cs.setStatus(PublicationStatus.ACTIVE);
		// The region uses a subset of LOINC; publishing it as a fragment tells clients it is not all of LOINC.
		cs.setContent(CodeSystem.CodeSystemContentMode.FRAGMENT);
		cs.setDescription("The exam types the region tells apart. Each hospital's local codes map to these "
				+ "(ConceptMap exam-codes-<hospital>); two exams are the same type when they share a concept, "
				+ "or by the rules in config/exams/rules.yaml.");
		cs.addProperty().setCode("category").setType(PropertyType.CODE).setDescription("imaging, ecg or lab");
		cs.addProperty().setCode("modality").setType(PropertyType.CODE).setDescription("DICOM modality, ECG or LAB");
		cs.addProperty().setCode("body-region").setType(PropertyType.CODE).setDescription("examined body region");
		cs.addProperty().setCode("contrast").setType(PropertyType.CODE).setDescription("unspecified, none, with, without-and-with");
		cs.addProperty().setCode("laterality").setType(PropertyType.CODE).setDescription("unspecified, left, right, bilateral");
		cs.addProperty().setCode("look-back-days").setType(PropertyType.INTEGER)
				.setDescription("how long ago a same-type exam still counts as a duplicate");
		for (ExamType exam : terminology.catalogue().exams()) {
			var concept = cs.addConcept().setCode(exam.code()).setDisplay(exam.display());
			concept.addProperty().setCode("category").setValue(new CodeType(exam.category()));
			concept.addProperty().setCode("modality").setValue(new CodeType(exam.modality()));
			concept.addProperty().setCode("body-region").setValue(new CodeType(exam.bodyRegion()));
			concept.addProperty().setCode("contrast").setValue(new CodeType(exam.contrast()));
			concept.addProperty().setCode("laterality").setValue(new CodeType(exam.laterality()));
			concept.addProperty().setCode("look-back-days")
					.setValue(new IntegerType((int) terminology.lookBack(exam).toDays()));
		}
		return cs;
	}

	/** Every catalogue concept, listed (a fragment cannot be expanded by "include the whole system"). */
	public static ValueSet catalogueValueSet(ExamTerminology terminology) {
		ValueSet vs = new ValueSet();
		vs.setId(CATALOGUE_ID);
		vs.setUrl(CATALOGUE_VALUE_SET_URL);
		vs.setName("OneTripExamCatalogue");
		vs.setTitle("Every exam type of the regional catalogue");
		vs.setStatus(PublicationStatus.ACTIVE);
		var include = vs.getCompose().addInclude().setSystem(ExamCatalogue.SYSTEM);
		for (ExamType exam : terminology.catalogue().exams()) {
			include.addConcept().setCode(exam.code()).setDisplay(exam.display());
		}
		return vs;
	}

	/** A hospital's local exam codes as a CodeSystem, so that $lookup and $validate-code work on them. */
	public static CodeSystem localCodes(Hospital hospital, HospitalExamCodes codes) {
		CodeSystem cs = new CodeSystem();
		cs.setId(codeMapId(hospital.key()));
		cs.setUrl(codes.system());
		cs.setName("ExamCodes" + hospital.key().replace("-", ""));
		cs.setTitle("Local exam codes of " + hospital.name());
		cs.setStatus(PublicationStatus.ACTIVE);
		cs.setContent(CodeSystem.CodeSystemContentMode.COMPLETE);
		for (HospitalExamCodes.Entry entry : codes.entries().values()) {
			cs.addConcept().setCode(entry.localCode()).setDisplay(blankToNull(entry.localDisplay()));
		}
		return cs;
	}

	public static ConceptMap codeMap(Hospital hospital, HospitalExamCodes codes, ExamTerminology terminology) {
		ConceptMap map = new ConceptMap();
		map.setId(codeMapId(hospital.key()));
		map.setUrl(CODE_MAP_URL_PREFIX + codeMapId(hospital.key()));
		map.setName("ExamCodes" + hospital.key().replace("-", "") + "ToCatalogue");
		map.setTitle("Exam codes of " + hospital.name() + " to the regional catalogue");
		map.setStatus(PublicationStatus.ACTIVE);
		map.setSource(new org.hl7.fhir.r4.model.UriType(codes.system()));
		map.setTarget(new org.hl7.fhir.r4.model.UriType(CATALOGUE_VALUE_SET_URL));
		var group = map.addGroup().setSource(codes.system()).setTarget(ExamCatalogue.SYSTEM);
		for (HospitalExamCodes.Entry entry : codes.entries().values()) {
			var element = group.addElement().setCode(entry.localCode()).setDisplay(blankToNull(entry.localDisplay()));
			element.addTarget()
					.setCode(entry.catalogueCode())
					.setDisplay(terminology.catalogue().exam(entry.catalogueCode()).map(ExamType::display).orElse(null))
					.setEquivalence(ConceptMapEquivalence.EQUIVALENT);
		}
		return map;
	}

	/**
	 * The hospital code map a ConceptMap describes, if it is one: a group from a hospital's local exam
	 * code system to the catalogue. Every target must be a catalogue code; otherwise the reason is thrown.
	 */
	public static Optional<HospitalExamCodes> asHospitalCodes(ConceptMap map, ExamTerminology terminology, Region region) {
		List<ConceptMap.ConceptMapGroupComponent> groups = map.getGroup().stream()
				.filter(g -> ExamCatalogue.SYSTEM.equals(g.getTarget()))
				.filter(g -> terminology.hospitalOfLocalSystem(g.getSource()).flatMap(region::hospital).isPresent())
				.toList();
		if (groups.isEmpty()) {
			return Optional.empty();
		}
		String system = groups.get(0).getSource();
		String hospitalKey = terminology.hospitalOfLocalSystem(system).orElseThrow();
		Map<String, HospitalExamCodes.Entry> entries = new LinkedHashMap<>();
		for (ConceptMap.ConceptMapGroupComponent group : groups) {
			if (!group.getSource().equals(system)) {
				throw new IllegalArgumentException("an exam code map covers one hospital's codes; this one has groups from "
						+ system + " and " + group.getSource());
			}
			for (var element : group.getElement()) {
				var targets = element.getTarget().stream()
						.filter(t -> t.getEquivalence() != ConceptMapEquivalence.UNMATCHED
								&& t.getEquivalence() != ConceptMapEquivalence.DISJOINT)
						.toList();
				if (targets.isEmpty()) {
					continue;
				}
				if (targets.size() > 1) {
					throw new IllegalArgumentException("local exam code '" + element.getCode() + "' maps to "
							+ targets.size() + " catalogue codes; an exam has one regional type");
				}
				String target = targets.get(0).getCode();
				if (terminology.catalogue().exam(target).isEmpty()) {
					throw new IllegalArgumentException("local exam code '" + element.getCode() + "' maps to '" + target
							+ "', which is not in the regional exam catalogue (" + ExamCatalogue.SYSTEM + ")");
				}
				entries.put(element.getCode(), new HospitalExamCodes.Entry(element.getCode(), element.getDisplay(), target));
			}
		}
		return Optional.of(new HospitalExamCodes(hospitalKey, system, entries));
	}

	private static String blankToNull(String s) {
		return s == null || s.isBlank() ? null : s;
	}
}
