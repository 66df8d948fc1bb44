package org.onetrip.server.hapi;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.entity.StorageSettings;
import ca.uhn.fhir.jpa.searchparam.extractor.BaseSearchParamExtractor;
import ca.uhn.fhir.jpa.searchparam.extractor.SearchParamExtractorR4;
import ca.uhn.fhir.rest.server.util.FhirContextSearchParamRegistry;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Age;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;

/**
 * The walked paths find what HAPI's FHIRPath evaluation finds: the same objects in the same order, for every R4 search
 * parameter of the resources below, which carry the shapes where the two could part (choices of every kind, subtypes of
 * Quantity, several components, references by relative, absolute, contained, typeless and unknown-type URLs, extensions,
 * a Bundle). No server: HAPI's extractor and this one side by side on the same resource objects.
 */
class WalkedSearchParamPathsTest {

	private static final FhirContext CONTEXT = FhirContext.forR4Cached();
	private static final FhirContextSearchParamRegistry REGISTRY = new FhirContextSearchParamRegistry(CONTEXT);
	private static final SearchParamExtractorR4 ENGINE =
			new SearchParamExtractorR4(new StorageSettings(), new PartitionSettings(), CONTEXT, REGISTRY);
	private static final WalkedSearchParamPaths WALKED =
			new WalkedSearchParamPaths(new StorageSettings(), new PartitionSettings(), CONTEXT, REGISTRY);

	@Test
	void nearlyEveryPathOfR4sSearchParametersIsWalked() {
		List<String> walked = new ArrayList<>();
		List<String> engine = new ArrayList<>();
		for (String type : CONTEXT.getResourceTypes()) {
			for (String path : pathsOf(type)) {
				(WALKED.compile(path).isWalked() ? walked : engine).add(path);
			}
		}
		assertThat(walked).contains("Observation.subject.where(resolve() is Patient)", "(Observation.value as Quantity)",
				"(Observation.value as CodeableConcept).text", "Condition.onset.as(Age)", "Resource.meta.profile",
				"Encounter.participant.individual.where(resolve() is Practitioner)", "Observation.component.code");
		assertThat(engine).contains("Patient.deceased.exists() and Patient.deceased != false",
				"Patient.telecom.where(system='phone')", "Bundle.entry[0].resource");
		assertThat(walked.size()).as("walked of %s paths", walked.size() + engine.size())
				.isGreaterThan(9 * (walked.size() + engine.size()) / 10);
	}

	private static int walkedWithValues;

	@Test
	void everyPathFindsWhatTheEngineFinds() {
		int compared = 0;
		walkedWithValues = 0;
		for (IBaseResource resource : resources()) {
			String type = CONTEXT.getResourceType(resource);
			for (RuntimeSearchParam parameter : CONTEXT.getResourceDefinition(type).getSearchParams()) {
				if (parameter.getPath() == null || parameter.getPath().isBlank()) {
					continue;
				}
				for (String path : BaseSearchParamExtractor.splitPathsR4(parameter.getPath())) {
					assertSameValues(path.trim(), resource);
					compared++;
				}
				assertThat(WALKED.split(parameter.getPath())).containsExactly(ENGINE.split(parameter.getPath()));
			}
			assertSameValues(type + ".extension", resource);
			assertSameValues(type + ".meta.tag.code", resource);
		}
		assertThat(compared).isGreaterThan(400);
		assertThat(walkedWithValues).as("walked paths that found something").isGreaterThan(120);
	}

	@Test
	void aValueFoundInAnExtensionIsTheExtensionsValue() {
		Patient patient = patient();
		List<IBase> values = WALKED.extractValues("Patient.extension", patient);
		assertThat(values).hasSize(1).first().isInstanceOf(StringType.class);
	}

	@Test
	void theSplitArrayIsTheCallersOwn() {
		String[] first = WALKED.split("Observation.code | Observation.component.code");
		first[0] = "changed";
		assertThat(WALKED.split("Observation.code | Observation.component.code")[0]).isNotEqualTo("changed");
	}

	private static void assertSameValues(String path, IBaseResource resource) {
		List<IBase> expected;
		try {
			expected = ENGINE.extractValues(path, resource);
		} catch (RuntimeException engineRefused) {
			org.assertj.core.api.Assertions.assertThatThrownBy(() -> WALKED.extractValues(path, resource))
					.as(path).isInstanceOf(engineRefused.getClass()).hasMessage(engineRefused.getMessage());
			return;
		}
		List<IBase> actual = WALKED.extractValues(path, resource);
		// A path the engine answers both ways gives equal values, new objects each time (a boolean it computed).
		java.util.Comparator<IBase> same = WALKED.compile(path).isWalked() ? WalkedSearchParamPathsTest::sameValue
				: (a, b) -> ((org.hl7.fhir.r4.model.Base) a).equalsDeep((org.hl7.fhir.r4.model.Base) b) ? 0 : 1;
		assertThat(actual).as("%s on %s", path, resource.getIdElement().getValue())
				.usingElementComparator(same).containsExactlyElementsOf(expected);
		if (WALKED.compile(path).isWalked() && !actual.isEmpty()) {
			walkedWithValues++;
		}
	}

	/** The same object; an id, which the engine copies, the same id. */
	private static int sameValue(IBase actual, IBase expected) {
		if (actual == expected) {
			return 0;
		}
		return actual instanceof IIdType a && expected instanceof IIdType e && a != e && a.getValue().equals(e.getValue())
				&& a.getClass() == e.getClass() ? 0 : 1;
	}

	private static List<String> pathsOf(String type) {
		List<String> paths = new ArrayList<>();
		for (RuntimeSearchParam parameter : CONTEXT.getResourceDefinition(type).getSearchParams()) {
			if (parameter.getPath() != null && !parameter.getPath().isBlank()) {
				for (String path : BaseSearchParamExtractor.splitPathsR4(parameter.getPath())) {
					paths.add(path.trim());
				}
			}
		}
		return paths;
	}

	private static List<IBaseResource> resources() {
		Observation bloodPressure = new Observation();
		bloodPressure.setId("bp");
		bloodPressure.getMeta().addProfile("http://hl7.org/fhir/StructureDefinition/bp").addTag("urn:t", "tagged", null);
		bloodPressure.setStatus(Observation.ObservationStatus.FINAL);
		bloodPressure.addCategory(concept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs"));
		bloodPressure.setCode(concept("http://loinc.org", "85354-9"));
		bloodPressure.setSubject(new Reference("Patient/p1"));
		bloodPressure.setEncounter(new Reference("Encounter/e1"));
		bloodPressure.setEffective(new DateTimeType("2026-11-30T10:00:00Z"));
		bloodPressure.addComponent().setCode(concept("http://loinc.org", "8480-6"))
				.setValue(new Quantity().setValue(120).setUnit("mm[Hg]").setSystem("http://unitsofmeasure.org"));
		bloodPressure.addComponent().setCode(concept("http://loinc.org", "8462-4"))
				.setValue(new Quantity().setValue(80).setUnit("mm[Hg]"));
		bloodPressure.addComponent().setCode(concept("http://loinc.org", "x")).setValue(concept("http://snomed.info/sct", "1"));
		Practitioner containedDoctor = new Practitioner();
		containedDoctor.setId("dr");
		bloodPressure.addContained(containedDoctor);
		bloodPressure.addPerformer(new Reference("#dr"));
		bloodPressure.addHasMember(new Reference("http://other.example/fhir/Observation/9"));
		bloodPressure.addFocus(new Reference("urn:uuid:2f1c4d3e-0000-4000-8000-000000000001"));
		Reference onlyAnExtension = new Reference();
		onlyAnExtension.getReferenceElement_().addExtension("urn:why", new StringType("withheld"));
		bloodPressure.addDerivedFrom(onlyAnExtension);
		bloodPressure.addDerivedFrom(new Reference().setDisplay("a display only"));

		Observation ofAGroup = new Observation();
		ofAGroup.setId("group-weight");
		ofAGroup.setSubject(new Reference("Group/g1"));
		ofAGroup.setValue(concept("http://snomed.info/sct", "2").setText("heavy"));
		Observation textValue = new Observation();
		textValue.setId("text");
		textValue.setSubject(new Reference("http://other.example/fhir/Patient/p9/_history/2"));
		textValue.setValue(new StringType("positive"));
		Observation periodValue = new Observation();
		periodValue.setId("period");
		periodValue.setValue(new Period().setStart(new Date(0)));
		periodValue.setEffective(new Period().setStart(new Date(0)));
		Patient containedPatient = new Patient();
		containedPatient.setId("p");
		Observation ofAContainedPatient = new Observation();
		ofAContainedPatient.setId("contained-subject");
		ofAContainedPatient.addContained(containedPatient);
		ofAContainedPatient.setSubject(new Reference("#p"));
		Observation ofAnUnknownType = new Observation();
		ofAnUnknownType.setId("unknown-type");
		ofAnUnknownType.setSubject(new Reference("Spaceship/1"));
		Observation ageValue = new Observation();
		ageValue.setId("age");
		ageValue.setValue(new Age().setValue(40).setUnit("a"));

		Condition sinceAnAge = new Condition();
		sinceAnAge.setId("c-age");
		sinceAnAge.setSubject(new Reference("Patient/p1"));
		sinceAnAge.setOnset(new Age().setValue(12).setUnit("a"));
		sinceAnAge.setAbatement(new StringType("in remission"));
		Condition sinceADate = new Condition();
		sinceADate.setId("c-date");
		sinceADate.setSubject(new Reference("Patient/p1"));
		sinceADate.setOnset(new DateTimeType("2020-01-01"));
		sinceADate.setAbatement(new Range().setLow(new Quantity(1)));

		Encounter encounter = new Encounter();
		encounter.setId("e1");
		encounter.setSubject(new Reference("Patient/p1"));
		encounter.addParticipant().setIndividual(new Reference("Practitioner/dr"));
		encounter.addParticipant().setIndividual(new Reference("RelatedPerson/rp"));
		encounter.setPeriod(new Period().setStart(new Date(0)).setEnd(new Date(3_600_000)));

		Provenance provenance = new Provenance();
		provenance.setId("prov");
		provenance.addTarget(new Reference("Patient/p1"));
		provenance.addTarget(new Reference("Observation/bp"));
		provenance.addTarget(new Reference("Patient/p2"));

		DiagnosticReport report = new DiagnosticReport();
		report.setId("dr1");
		report.setSubject(new Reference("Patient/p1"));
		report.setCode(concept("http://loinc.org", "24627-2"));
		report.setEffective(new DateTimeType("2026-11-29"));
		report.addResult(new Reference("Observation/bp"));
		ImagingStudy study = new ImagingStudy();
		study.setId("is1");
		study.setSubject(new Reference("Patient/p1"));
		study.addIdentifier().setSystem("urn:dicom:uid").setValue("urn:oid:1.2.3");
		study.addSeries().setUid("1.2.3.4").setModality(new Coding("http://dicom.nema.org/resources/ontology/DCM", "CT", null));
		ServiceRequest order = new ServiceRequest();
		order.setId("sr1");
		order.setSubject(new Reference("Patient/p1"));
		order.setRequester(new Reference("Practitioner/dr"));
		order.setCode(concept("http://loinc.org", "24627-2"));
		Appointment appointment = new Appointment();
		appointment.setId("a1");
		appointment.addParticipant().setActor(new Reference("Patient/p1"));
		appointment.addParticipant().setActor(new Reference("Location/l1"));
		appointment.setStart(new Date(0));

		Bundle bundle = new Bundle();
		bundle.setId("b1");
		bundle.setType(Bundle.BundleType.DOCUMENT);
		bundle.addEntry().setFullUrl("urn:uuid:2f1c4d3e-0000-4000-8000-000000000002").setResource(textValue);
		bundle.getIdentifier().setSystem("urn:ietf:rfc:3986").setValue("urn:uuid:9");

		return List.of(bloodPressure, ofAGroup, textValue, periodValue, ofAContainedPatient, ofAnUnknownType, ageValue,
				sinceAnAge, sinceADate, encounter, patient(), provenance, report, study, order, appointment, bundle);
	}

	private static Patient patient() {
		Patient patient = new Patient();
		patient.setId("p1");
		patient.addName().setFamily("Rossi").addGiven("Maria");
		patient.addTelecom().setSystem(ContactPoint.ContactPointSystem.PHONE).setValue("+39 06 1234");
		patient.addTelecom().setSystem(ContactPoint.ContactPointSystem.EMAIL).setValue("m@example.org");
		patient.setDeceased(new org.hl7.fhir.r4.model.BooleanType(false));
		patient.addIdentifier().setSystem("urn:oid:2.16.840.1.113883.2.9.4.3.2").setValue("RSSMRA80A01H501U");
		patient.addAddress().setCity("Roma").setPostalCode("00100");
		patient.setGeneralPractitioner(List.of(new Reference("Practitioner/dr")));
		patient.addExtension(new Extension("urn:birthplace", new StringType("Roma")));
		return patient;
	}

	private static CodeableConcept concept(String system, String code) {
		return new CodeableConcept().addCoding(new Coding(system, code, null));
	}
}
