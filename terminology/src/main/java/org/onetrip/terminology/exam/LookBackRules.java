package org.onetrip.terminology.exam;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What {@code config/exams/rules.yaml} says: how long ago a same-type exam still counts, which
 * differently-coded exams count as the same type, and which order priorities are emergencies.
 *
 * @param defaultDays the window of an exam type with no more specific rule
 * @param daysByModality windows per modality (CT: 90 is the published reference rule)
 * @param daysByCategory windows per category (lab, ecg), used when the modality has none
 * @param explicitGroups groups of catalogue codes that are the same type
 * @param modalitiesGroupedByRegion modalities whose exams are the same type whenever body region and
 *     laterality agree, whatever the contrast ("a CT of the same body region")
 * @param emergencyPriorities ServiceRequest.priority codes that are only informed, never blocked
 */
public record LookBackRules(
		int defaultDays,
		Map<String, Integer> daysByModality,
		Map<String, Integer> daysByCategory,
		List<EquivalenceGroup> explicitGroups,
		Set<String> modalitiesGroupedByRegion,
		Set<String> emergencyPriorities) {

	/** Catalogue codes an operator declared to be one exam type. */
	public record EquivalenceGroup(String name, Set<String> codes) {}

	public LookBackRules {
		daysByModality = Map.copyOf(daysByModality);
		daysByCategory = Map.copyOf(daysByCategory);
		explicitGroups = List.copyOf(explicitGroups);
		modalitiesGroupedByRegion = Set.copyOf(modalitiesGroupedByRegion);
		emergencyPriorities = Set.copyOf(emergencyPriorities);
	}

	public static LookBackRules read(InputStream yaml, String sourceName, ExamCatalogue catalogue) throws IOException {
		JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
		if (root == null || !root.isObject()) {
			throw new IllegalArgumentException(sourceName + " is empty or not a YAML mapping");
		}
		JsonNode lookBack = root.path("lookBackDays");
		int defaultDays = days(lookBack.path("default"), sourceName + " lookBackDays.default", 30);
		Map<String, Integer> byModality = daysMap(lookBack.path("byModality"), sourceName + " lookBackDays.byModality", true);
		Map<String, Integer> byCategory = daysMap(lookBack.path("byCategory"), sourceName + " lookBackDays.byCategory", false);

		List<EquivalenceGroup> groups = new ArrayList<>();
		Set<String> byRegion = new HashSet<>();
		for (JsonNode g : root.path("sameType")) {
			String name = g.path("name").asText("").trim();
			String where = sourceName + " sameType '" + name + "'";
			if (name.isEmpty()) {
				throw new IllegalArgumentException(sourceName + ": every sameType entry needs a name");
			}
			if (g.hasNonNull("modalityByBodyRegion")) {
				byRegion.add(g.get("modalityByBodyRegion").asText().trim().toUpperCase(Locale.ROOT));
				continue;
			}
			Set<String> codes = new HashSet<>();
			for (JsonNode c : g.path("codes")) {
				String code = c.asText().trim();
				if (catalogue.exam(code).isEmpty()) {
					throw new IllegalArgumentException(where + ": code '" + code + "' is not in the catalogue");
				}
				codes.add(code);
			}
			if (codes.size() < 2) {
				throw new IllegalArgumentException(where + ": needs 'codes' (two or more) or 'modalityByBodyRegion'");
			}
			groups.add(new EquivalenceGroup(name, codes));
		}
		Set<String> emergency = new HashSet<>();
		for (JsonNode p : root.path("emergencyPriorities")) {
			emergency.add(p.asText().trim().toLowerCase(Locale.ROOT));
		}
		if (!root.has("emergencyPriorities")) {
			emergency.addAll(Set.of("stat", "asap"));
		}
		return new LookBackRules(defaultDays, byModality, byCategory, groups, byRegion, emergency);
	}

	private static Map<String, Integer> daysMap(JsonNode node, String where, boolean upperCaseKeys) {
		Map<String, Integer> map = new HashMap<>();
		node.fields().forEachRemaining(f -> map.put(
				upperCaseKeys ? f.getKey().toUpperCase(Locale.ROOT) : f.getKey().toLowerCase(Locale.ROOT),
				days(f.getValue(), where + "." + f.getKey(), 0)));
		return map;
	}

	private static int days(JsonNode node, String where, int fallback) {
		if (node.isMissingNode() || node.isNull()) {
			return fallback;
		}
		if (!node.canConvertToInt() || node.asInt() < 0 || !node.isIntegralNumber()) {
			throw new IllegalArgumentException(where + ": '" + node.asText() + "' is not a number of days");
		}
		return node.asInt();
	}
}
