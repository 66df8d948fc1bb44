package org.onetrip.server.settlement;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.onetrip.workflow.settlement.InsurancePlan;

/**
 * The region's settlement rules (config/settlement.yaml): its insurance plans, where the hospitals' price lists are,
 * and how often ended visits are settled on their credit line.
 */
public record SettlementRules(Map<String, InsurancePlan> plans, Map<String, String> insurers, Path prices, Duration sweepEvery) {

	public Optional<InsurancePlan> plan(String key) {
		return Optional.ofNullable(key == null ? null : plans.get(key));
	}

	public String insurerOf(String planKey) {
		return insurers.getOrDefault(planKey, "the region's insurer");
	}

	/** The rules in {@code file}; no plans (every patient pays the whole price) when there is none. */
	public static SettlementRules load(Path file) {
		if (!Files.exists(file)) {
			return new SettlementRules(Map.of(), Map.of(), file.resolveSibling("prices"), Duration.ofMinutes(1));
		}
		try (InputStream in = Files.newInputStream(file)) {
			JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(in);
			Map<String, InsurancePlan> plans = new LinkedHashMap<>();
			Map<String, String> insurers = new HashMap<>();
			root.path("plans").fields().forEachRemaining(entry -> {
				plans.put(entry.getKey(), plan(entry.getKey(), entry.getValue(), file));
				insurers.put(entry.getKey(), entry.getValue().path("insurer").asText("the region's insurer"));
			});
			String prices = root.path("prices").asText("prices");
			Path pricesDir = Path.of(prices).isAbsolute() || Files.isDirectory(Path.of(prices)) ? Path.of(prices)
					: file.resolveSibling(Path.of(prices).getFileName());
			return new SettlementRules(plans, insurers, pricesDir, Duration.parse(root.path("sweepEvery").asText("PT1M")));
		} catch (IOException e) {
			throw new UncheckedIOException("cannot read settlement rules " + file + ": " + e.getMessage(), e);
		}
	}

	private static InsurancePlan plan(String key, JsonNode node, Path file) {
		Map<String, BigDecimal> shares = new HashMap<>();
		node.path("eligibleShare").fields().forEachRemaining(e -> shares.put(e.getKey(), money(e.getValue(), file, key)));
		Set<String> excluded = new HashSet<>();
		node.path("excluded").forEach(item -> excluded.add(item.asText()));
		return new InsurancePlan(key, node.path("name").asText(key), money(node.path("deductiblePerYear"), file, key),
				money(node.path("capPerYear"), file, key), shares, excluded, money(node.path("creditLine"), file, key));
	}

	private static BigDecimal money(JsonNode value, Path file, String plan) {
		if (value.isMissingNode() || value.isNull()) {
			return BigDecimal.ZERO;
		}
		try {
			return new BigDecimal(value.asText());
		} catch (NumberFormatException e) {
			throw new IllegalArgumentException(file + ": plan " + plan + ": '" + value.asText() + "' is not a number");
		}
	}
}
