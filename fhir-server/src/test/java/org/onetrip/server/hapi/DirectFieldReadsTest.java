package org.onetrip.server.hapi;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementCompositeDefinition;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.util.FhirTerser;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Narrative;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.PrimitiveType;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;

/**
 * The direct-read accessors answer what HAPI's reflective ones answer: the same JSON, the same references found, the
 * same populated elements, for resources with lists, choice types, backbone elements, contained resources and
 * extensions (a reference inside an extension of a primitive included). No server: two FHIR contexts, one given the
 * accessors, one as HAPI makes it, compared on the same resource objects.
 */
class DirectFieldReadsTest {

	private static final FhirContext DIRECT = FhirContext.forR4();
	private static final FhirContext REFLECTIVE = FhirContext.forR4();
	private static final int INSTALLED = DirectFieldReads.install(DIRECT);

	@Test
	void everyChildOfTheModelIsReadDirectlyByAGeneratedClass() {
		assertThat(INSTALLED).as("child definitions of R4's resources and datatypes").isGreaterThan(3000);
		BaseRuntimeChildDefinition status = DIRECT.getResourceDefinition("Observation").getChildByName("status");
		assertThat(status.getAccessor().getClass().getName()).startsWith(DirectFieldReads.class.getName());
		assertThat(REFLECTIVE.getResourceDefinition("Observation").getChildByName("status").getAccessor().getClass().getName())
				.startsWith("ca.uhn.fhir.context.");
		BaseRuntimeChildDefinition extension = ((BaseRuntimeElementCompositeDefinition<?>) DIRECT.getElementDefinition(Coding.class))
				.getChildByName("extension");
		assertThat(extension.getAccessor().getClass().getName()).startsWith(DirectFieldReads.class.getName());

		Observation observation = observation();
		assertThat(status.getAccessor().getValues(observation)).extracting(Object::toString)
				.containsExactly(observation.getStatusElement().toString());
		assertThat(DirectFieldReads.readerOf(declaredField(Observation.class, "status")).getClass().isHidden())
				.as("a generated class, not the reflective fallback").isTrue();
		assertThat(DirectFieldReads.install(DIRECT)).as("installed once").isZero();
	}

	@Test
	void encodingFindingReferencesAndWalkingGiveWhatHapisOwnAccessorsGive() {
		for (IBaseResource resource : List.of(observation(), patient(), bundle(), new Observation())) {
			assertThat(DIRECT.newJsonParser().encodeResourceToString(resource))
					.isEqualTo(REFLECTIVE.newJsonParser().encodeResourceToString(resource));
			assertThat(DIRECT.newXmlParser().encodeResourceToString(resource))
					.isEqualTo(REFLECTIVE.newXmlParser().encodeResourceToString(resource));
			assertThat(references(DIRECT.newTerser(), resource)).isEqualTo(references(REFLECTIVE.newTerser(), resource));
			assertThat(DIRECT.newTerser().getAllPopulatedChildElementsOfType(resource, PrimitiveType.class))
					.isEqualTo(REFLECTIVE.newTerser().getAllPopulatedChildElementsOfType(resource, PrimitiveType.class));
			assertThat(DIRECT.newTerser().getValues(resource, "meta")).isEqualTo(REFLECTIVE.newTerser().getValues(resource, "meta"));
		}
		// HAPI's walk does not look into a primitive's extensions (issued's Location/where): neither way does.
		assertThat(references(DIRECT.newTerser(), observation())).extracting(r -> r.split(" ")[0]).containsExactlyInAnyOrder(
				"Patient/p1", "Practitioner/dr", "#dr", "Observation/earlier");
		Observation parsed = DIRECT.newJsonParser().parseResource(Observation.class,
				REFLECTIVE.newJsonParser().encodeResourceToString(observation()));
		assertThat(REFLECTIVE.newJsonParser().encodeResourceToString(parsed))
				.isEqualTo(REFLECTIVE.newJsonParser().encodeResourceToString(observation()));
	}

	private static List<String> references(FhirTerser terser, IBaseResource resource) {
		return terser.getAllResourceReferences(resource).stream()
				.map(r -> r.getResourceReference().getReferenceElement().getValue() + " " + r.getName())
				.toList();
	}

	private static Observation observation() {
		Observation observation = new Observation();
		observation.setId("o1");
		observation.getMeta().addTag("http://example.org/tags", "t", "Tag");
		Narrative text = new Narrative().setStatus(Narrative.NarrativeStatus.GENERATED);
		text.setDivAsString("<div>Blood pressure</div>");
		observation.setText(text);
		observation.setStatus(Observation.ObservationStatus.FINAL);
		observation.getCode().addCoding(new Coding("http://loinc.org", "85354-9", "Blood pressure panel"));
		observation.setSubject(new Reference("Patient/p1").setDisplay("Li Wei"));
		Practitioner contained = new Practitioner();
		contained.setId("dr");
		contained.addName(new HumanName().setFamily("Zhang"));
		observation.addContained(contained);
		observation.addPerformer(new Reference("#dr"));
		observation.addPerformer(new Reference("Practitioner/dr"));
		observation.setEffective(new org.hl7.fhir.r4.model.DateTimeType(new Date(1_700_000_000_000L)));
		observation.addComponent().setCode(new CodeableConcept(new Coding("http://loinc.org", "8480-6", "Systolic")))
				.setValue(new Quantity().setValue(120).setUnit("mm[Hg]"));
		observation.addComponent().setCode(new CodeableConcept(new Coding("http://loinc.org", "8462-4", "Diastolic")))
				.setValue(new Quantity().setValue(80).setUnit("mm[Hg]"));
		observation.getIssuedElement().setValue(new Date(1_700_000_100_000L));
		observation.getIssuedElement().addExtension(new Extension("http://example.org/recorded-at", new Reference("Location/where")));
		Extension outer = new Extension("http://example.org/outer");
		outer.addExtension(new Extension("inner", new Reference("Observation/earlier")));
		observation.addExtension(outer);
		return observation;
	}

	private static Patient patient() {
		Patient patient = new Patient();
		patient.setId("p1");
		patient.addIdentifier(new Identifier().setSystem("urn:oid:2.16.840.1.113883.2.4.6.3").setValue("110101199003071234"));
		patient.addName(new HumanName().setFamily("Li").addGiven("Wei").addGiven("W."));
		patient.setGender(Enumerations.AdministrativeGender.FEMALE);
		patient.setBirthDateElement(new DateType("1990-03-07"));
		patient.getBirthDateElement().addExtension(new Extension("http://hl7.org/fhir/StructureDefinition/patient-birthTime",
				new org.hl7.fhir.r4.model.DateTimeType("1990-03-07T08:15:00+08:00")));
		patient.addGeneralPractitioner(new Reference("Practitioner/gp"));
		patient.setManagingOrganization(new Reference("Organization?identifier=urn:region|hospital-a"));
		return patient;
	}

	private static Bundle bundle() {
		Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
		bundle.addEntry().setFullUrl("urn:uuid:1").setResource(patient()).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Patient");
		bundle.addEntry().setFullUrl("urn:uuid:2").setResource(observation()).getRequest().setMethod(Bundle.HTTPVerb.POST)
				.setUrl("Observation").setIfNoneExist("identifier=x");
		return bundle;
	}

	private static java.lang.reflect.Field declaredField(Class<?> type, String name) {
		try {
			return type.getDeclaredField(name);
		} catch (NoSuchFieldException e) {
			throw new AssertionError(e);
		}
	}
}
