package org.onetrip.server.hapi;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.util.Date;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;

/** HAPI's model read through method handles (ElementReadsThroughMethodHandles) reads exactly what HAPI's own accessors read. */
class ElementReadsThroughMethodHandlesTest {

	@Test
	void aResourceEncodesParsesAndIsWalkedAlikeWithEitherAccessor() {
		FhirContext hapis = FhirContext.forR4();
		FhirContext faster = FhirContext.forR4();
		int replaced = ElementReadsThroughMethodHandles.install(faster);

		assertThat(replaced).as("accessors replaced").isGreaterThan(1_000);
		assertThat(faster.getResourceDefinition("Observation").getChildByName("status").getAccessor().getClass()
				.getEnclosingClass()).isEqualTo(ElementReadsThroughMethodHandles.class);
		assertThat(hapis.getResourceDefinition("Observation").getChildByName("status").getAccessor().getClass()
				.getEnclosingClass()).isNotEqualTo(ElementReadsThroughMethodHandles.class);

		Bundle bundle = sample();
		String byHapi = hapis.newJsonParser().encodeResourceToString(bundle);
		String byMethodHandles = faster.newJsonParser().encodeResourceToString(bundle);
		assertThat(byMethodHandles).isEqualTo(byHapi).contains("\"contained\"").contains("\"component\"")
				.contains("us-core-race").contains("\"valueQuantity\"");
		assertThat(faster.newXmlParser().encodeResourceToString(bundle)).isEqualTo(hapis.newXmlParser().encodeResourceToString(bundle));

		Bundle parsed = faster.newJsonParser().parseResource(Bundle.class, byHapi);
		assertThat(hapis.newJsonParser().encodeResourceToString(parsed)).isEqualTo(byHapi);
		assertThat(faster.newTerser().getAllResourceReferences(parsed)).extracting(r -> r.getResourceReference().getReferenceElement().getValue())
				.containsExactlyInAnyOrderElementsOf(hapis.newTerser().getAllResourceReferences(parsed).stream()
						.map(r -> r.getResourceReference().getReferenceElement().getValue()).toList());
		assertThat(faster.newTerser().getValues(parsed.getEntry().get(1).getResource(), "Observation.component.code.coding.code"))
				.extracting(Object::toString).hasSize(2);
		assertThat(faster.newTerser().getValues(new Observation(), "Observation.component")).isEmpty();
	}

	private static Bundle sample() {
		Patient patient = new Patient();
		patient.setId("urn:uuid:0f3c1c0e-3b7e-4a8e-9a55-000000000001");
		patient.addIdentifier().setSystem("urn:onetrip:mrn:hospital-a").setValue("A-1");
		patient.addName().setFamily("Rossi").addGiven("Anna").addGiven("Maria");
		Extension race = patient.addExtension().setUrl("http://hl7.org/fhir/us/core/StructureDefinition/us-core-race");
		race.addExtension().setUrl("text").setValue(new StringType("White"));
		race.addExtension().setUrl("ombCategory").setValue(new Coding("urn:oid:2.16.840.1.113883.6.238", "2106-3", "White"));
		Organization clinic = new Organization().setName("Clinic");
		clinic.setId("clinic");
		patient.getContained().add(clinic);
		patient.setManagingOrganization(new Reference("#clinic"));
		patient.setBirthDateElement(new org.hl7.fhir.r4.model.DateType("1970-02-03"));

		Observation observation = new Observation().setStatus(Observation.ObservationStatus.FINAL);
		observation.setCode(new CodeableConcept(new Coding("http://loinc.org", "85354-9", "Blood pressure")));
		observation.setSubject(new Reference("urn:uuid:0f3c1c0e-3b7e-4a8e-9a55-000000000001"));
		observation.addPerformer(new Reference("Organization/hospital-a"));
		observation.setEffective(new DateTimeType(new Date(1_700_000_000_000L)));
		observation.addComponent().setCode(new CodeableConcept(new Coding("http://loinc.org", "8480-6", null)))
				.setValue(new Quantity().setValue(120).setUnit("mm[Hg]"));
		observation.addComponent().setCode(new CodeableConcept(new Coding("http://loinc.org", "8462-4", null)))
				.setValue(new Quantity().setValue(80).setUnit("mm[Hg]"));

		Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
		bundle.addEntry().setFullUrl(patient.getId()).setResource(patient).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Patient");
		bundle.addEntry().setResource(observation).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Observation");
		return bundle;
	}
}
