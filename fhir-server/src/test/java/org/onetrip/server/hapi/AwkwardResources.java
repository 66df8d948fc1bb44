package org.onetrip.server.hapi;

import java.util.Date;
import java.util.List;
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

/**
 * Resources with the shapes where a shortcut through HAPI's model could part from HAPI's own way: choices of every kind,
 * subtypes of Quantity, several components, references by relative, absolute, contained, typeless, unknown-type and
 * extension-only URLs, extensions, a Bundle. Shared by the tests that compare OneTrip's walks with HAPI's.
 */
final class AwkwardResources {

	private AwkwardResources() {}

	static List<IBaseResource> all() {
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

	static Patient patient() {
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

	static CodeableConcept concept(String system, String code) {
		return new CodeableConcept().addCoding(new Coding(system, code, null));
	}
}
