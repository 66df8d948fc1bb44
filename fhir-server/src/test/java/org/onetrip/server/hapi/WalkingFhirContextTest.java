package org.onetrip.server.hapi;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.util.FhirTerser;
import ca.uhn.fhir.util.ResourceReferenceInfo;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IBaseReference;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.UriType;
import org.junit.jupiter.api.Test;

/**
 * The walking context's terser finds what HAPI's finds: the same references (same objects, owners and paths, in the same
 * order) and the same populated elements of a type, on resources as built in code and as HAPI's parser hands a FHIR
 * transaction's entries to storage (references stitched to the entries they name). Where HAPI's walk would go into a
 * resource object a reference holds, HAPI's own walk answers, and still the same. No server.
 */
class WalkingFhirContextTest {

	private static final WalkingFhirContext WALKING = new WalkingFhirContext();
	private static final FhirContext HAPI = FhirContext.forR4Cached();
	private static final List<Class<? extends IBase>> TYPES = List.of(IBaseReference.class, IPrimitiveType.class,
			UriType.class, CanonicalType.class, Extension.class, IBaseResource.class);

	@Test
	void theTerserIsTheWalkingOne() {
		assertThat(WALKING.newTerser()).isInstanceOf(WalkingFhirContext.DirectWalks.class);
	}

	@Test
	void referencesAndPopulatedElementsAreHapisOnResourcesBuiltInCode() {
		for (IBaseResource resource : AwkwardResources.all()) {
			assertSameWalks(resource);
			assertThat(new WalkingFhirContext.Walk(WALKING, resource, IBaseReference.class, true).completed())
					.as("walked without HAPI: %s", resource.getIdElement().getValue()).isTrue();
		}
	}

	@Test
	void referencesAndPopulatedElementsAreHapisOnATransactionsParsedEntries() {
		Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
		int n = 0;
		for (IBaseResource resource : AwkwardResources.all()) {
			if (!(resource instanceof Bundle)) {
				transaction.addEntry().setFullUrl("urn:uuid:00000000-0000-4000-8000-00000000000" + Integer.toHexString(n++))
						.setResource((org.hl7.fhir.r4.model.Resource) resource).getRequest()
						.setMethod(Bundle.HTTPVerb.POST).setUrl(resource.fhirType());
			}
		}
		Patient patient = new Patient();
		transaction.addEntry().setFullUrl("urn:uuid:10000000-0000-4000-8000-000000000000").setResource(patient)
				.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Patient");
		Observation observation = new Observation();
		observation.setSubject(new Reference("urn:uuid:10000000-0000-4000-8000-000000000000"));
		transaction.addEntry().setFullUrl("urn:uuid:20000000-0000-4000-8000-000000000000").setResource(observation)
				.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Observation");
		Bundle parsed = HAPI.newJsonParser().parseResource(Bundle.class, HAPI.newJsonParser().encodeResourceToString(transaction));

		List<IBaseResource> entries = new ArrayList<>();
		parsed.getEntry().forEach(entry -> entries.add(entry.getResource()));
		Observation parsedObservation = (Observation) entries.get(entries.size() - 1);
		assertThat(parsedObservation.getSubject().getResource()).as("the parser stitched the reference to its entry")
				.isSameAs(entries.get(entries.size() - 2));
		for (IBaseResource entry : entries) {
			assertSameWalks(entry);
		}
		assertSameWalks(parsed);
	}

	@Test
	void whereHapisWalkGoesIntoAReferencedResourceObjectHapisWalkAnswers() {
		Observation observation = new Observation();
		Practitioner doctor = new Practitioner();
		doctor.setId("#dr");
		doctor.addIdentifier().setValue("in-memory");
		observation.addContained(doctor);
		observation.addPerformer(new Reference(doctor));
		Patient withoutId = new Patient();
		withoutId.setManagingOrganization(new Reference("Organization/o1"));
		observation.setSubject(new Reference(withoutId));

		assertThat(new WalkingFhirContext.Walk(WALKING, observation, IBaseReference.class, true).completed())
				.isFalse();
		assertSameWalks(observation);
		assertThat(WALKING.newTerser().getAllResourceReferences(observation)).extracting(ResourceReferenceInfo::getName)
				.contains("managingOrganization");
	}

	private static void assertSameWalks(IBaseResource resource) {
		FhirTerser walking = WALKING.newTerser();
		FhirTerser hapi = HAPI.newTerser();
		List<ResourceReferenceInfo> expected = hapi.getAllResourceReferences(resource);
		List<ResourceReferenceInfo> actual = walking.getAllResourceReferences(resource);
		String what = resource.fhirType() + " " + resource.getIdElement().getValue();
		assertThat(actual).as(what).hasSameSizeAs(expected);
		for (int i = 0; i < expected.size(); i++) {
			assertThat(actual.get(i).getResourceReference()).as(what).isSameAs(expected.get(i).getResourceReference());
			assertThat(actual.get(i).getName()).as(what).isEqualTo(expected.get(i).getName());
			assertThat(actual.get(i).toString()).as(what).isEqualTo(expected.get(i).toString());
		}
		for (Class<? extends IBase> type : TYPES) {
			List<IBase> walked = new ArrayList<>(walking.getAllPopulatedChildElementsOfType(resource, type));
			List<IBase> hapis = new ArrayList<>(hapi.getAllPopulatedChildElementsOfType(resource, type));
			assertThat(walked).as("%s of %s", type.getSimpleName(), what).usingElementComparator((a, b) -> a == b ? 0 : 1)
					.containsExactlyElementsOf(hapis);
		}
	}
}
