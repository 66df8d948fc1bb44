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
import java.util.List;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Age;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Quantity;
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
		for (IBaseResource resource : AwkwardResources.all()) {
			String type = CONTEXT.getResourceType(resource);
			for (RuntimeSearchParam parameter : CONTEXT.getResourceDefinition(type).getSearchParams()) {
				if (parameter.getPath() == null || parameter.getPath().isBlank()) {
					continue;
				}
				for (String path : BaseSearchParamExtractor.splitPathsR4(parameter.getPath())) {
					assertSameValues(path.trim(), resource);
					compared++;
				}
				assertThat(WALKED.split(parameter.getPath())).as("HAPI's split, each part trimmed")
						.containsExactly(java.util.Arrays.stream(ENGINE.split(parameter.getPath())).map(String::trim).toArray(String[]::new));
			}
			assertSameValues(type + ".extension", resource);
			assertSameValues(type + ".meta.tag.code", resource);
		}
		assertThat(compared).isGreaterThan(400);
		assertThat(walkedWithValues).as("walked paths that found something").isGreaterThan(120);
	}

	/**
	 * R4's registry gives many parameters one expression over several resource types ("AllergyIntolerance.patient |
	 * CarePlan.subject.where(resolve() is Patient) | ..."), and HAPI evaluates every part on each resource: every path of
	 * every resource type, on every resource, finds what the engine finds (mostly nothing, without the engine).
	 */
	@Test
	void pathsOfOtherResourceTypesFindWhatTheEngineFinds() {
		List<String> everyPath = new ArrayList<>();
		for (String type : CONTEXT.getResourceTypes()) {
			everyPath.addAll(pathsOf(type));
		}
		for (IBaseResource resource : AwkwardResources.all()) {
			for (String path : everyPath) {
				assertSameValues(path, resource);
			}
		}
		Observation observation = new Observation();
		assertThat(WALKED.compile("AllergyIntolerance.patient").from(observation)).isEmpty();
		assertThat(WALKED.compile("Resource.meta.tag").from(observation)).isNotNull();
	}

	@Test
	void aValueFoundInAnExtensionIsTheExtensionsValue() {
		Patient patient = AwkwardResources.patient();
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

}
