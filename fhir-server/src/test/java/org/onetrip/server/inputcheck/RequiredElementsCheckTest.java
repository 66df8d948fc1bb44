package org.onetrip.server.inputcheck;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import org.hl7.fhir.r4.model.Annotation;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Narrative;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.SampledData;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;

/** Which required elements the check finds missing, wherever they sit: no server needed. */
class RequiredElementsCheckTest {

	private final RequiredElementsCheck check = new RequiredElementsCheck(FhirContext.forR4Cached());

	@Test
	void findsRequiredElementsOfTheResourceAndOfItsBackboneElements() {
		Appointment appointment = new Appointment();
		appointment.addParticipant().setActor(new Reference().setDisplay("x"));
		assertThat(check.missingRequiredElements(appointment))
				.containsExactlyInAnyOrder("Appointment.status", "Appointment.participant.status");
	}

	@Test
	void findsRequiredElementsOfDatatypesAtAnyDepth() {
		Observation observation = complete();
		observation.addNote(new Annotation().setAuthor(new StringType("dr x"))); // Annotation.text is required
		observation.setValue(new SampledData().setDimensions(1)); // SampledData.origin and .period are required
		assertThat(check.missingRequiredElements(observation))
				.containsExactlyInAnyOrder("Observation.note.text", "Observation.value.origin", "Observation.value.period");
	}

	@Test
	void findsRequiredElementsOfContainedResourcesAndOfTheNarrative() {
		Patient patient = new Patient();
		Narrative text = new Narrative();
		text.setDivAsString("<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"); // Narrative.status is required
		patient.setText(text);
		Observation contained = new Observation();
		contained.setId("obs");
		contained.getCode().setText("no status");
		patient.addContained(contained);
		assertThat(check.missingRequiredElements(patient))
				.containsExactlyInAnyOrder("Patient.text.status", "Patient.contained.status");
	}

	@Test
	void aCompleteResourceWithOptionalDatatypesAndExtensionsLacksNothing() {
		Observation observation = complete();
		observation.addIdentifier().setSystem("urn:x").setValue("1").setAssigner(new Reference("Organization/o"));
		observation.setValue(new Quantity(5.4).setUnit("mmol/L"));
		Extension outer = new Extension("urn:x:outer");
		outer.addExtension(new Extension("urn:x:inner", new StringType("v")));
		observation.addExtension(outer);
		observation.addNote(new Annotation().setText("fine"));
		assertThat(check.missingRequiredElements(observation)).isEmpty();
	}

	@Test
	void anEmptyRequiredElementCountsAsMissing() {
		Observation observation = complete();
		observation.setCode(new org.hl7.fhir.r4.model.CodeableConcept().addCoding(new org.hl7.fhir.r4.model.Coding()));
		assertThat(check.missingRequiredElements(observation)).containsExactly("Observation.code");
	}

	private static Observation complete() {
		Observation observation = new Observation();
		observation.setStatus(Observation.ObservationStatus.FINAL);
		observation.getCode().addCoding().setSystem("http://loinc.org").setCode("2339-0");
		return observation;
	}
}
