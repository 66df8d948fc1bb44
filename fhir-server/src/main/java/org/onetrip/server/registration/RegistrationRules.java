package org.onetrip.server.registration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.onetrip.workflow.registration.HospitalRule;
import org.onetrip.workflow.registration.HospitalRule.Fee;

/**
 * Each hospital's registration rule (config/registration.yaml): how many days one registration stays valid
 * (the first day counts), whether a revisit must also be for the same condition, and the fee.
 */
public final class RegistrationRules {

	private static final HospitalRule BUILT_IN = new HospitalRule(3, true,
			new Fee("outpatient-registration", "Outpatient registration fee", new BigDecimal("10.00"), "CNY"));

	private final HospitalRule fallback;
	private final Map<String, HospitalRule> byHospital;

	private RegistrationRules(HospitalRule fallback, Map<String, HospitalRule> byHospital) {
		this.fallback = fallback;
		this.byHospital = Map.copyOf(byHospital);
	}

	public HospitalRule of(String hospitalKey) {
		return byHospital.getOrDefault(hospitalKey, fallback);
	}

	/** The rules in {@code file}; the built-in default (3 days, same department and condition) when there is none. */
	public static RegistrationRules load(Path file, Set<String> hospitalKeys) {
		if (!Files.exists(file)) {
			return new RegistrationRules(BUILT_IN, Map.of());
		}
		try (InputStream in = Files.newInputStream(file)) {
			return parse(new ObjectMapper(new YAMLFactory()).readTree(in), file.toString(), hospitalKeys);
		} catch (IOException e) {
			throw new UncheckedIOException("cannot read registration rules " + file + ": " + e.getMessage(), e);
		}
	}

	static RegistrationRules parse(JsonNode root, String source, Set<String> hospitalKeys) {
		HospitalRule fallback = rule(root.path("default"), BUILT_IN, source + " default");
		Map<String, HospitalRule> byHospital = new HashMap<>();
		root.path("hospitals").fields().forEachRemaining(entry -> {
			if (!hospitalKeys.contains(entry.getKey())) {
				throw new IllegalArgumentException(source + ": no hospital '" + entry.getKey() + "' in the region");
			}
			byHospital.put(entry.getKey(), rule(entry.getValue(), fallback, source + " hospital '" + entry.getKey() + "'"));
		});
		return new RegistrationRules(fallback, byHospital);
	}

	/** A rule from its node; what the node leaves out comes from {@code base}. */
	private static HospitalRule rule(JsonNode node, HospitalRule base, String where) {
		int days = node.path("validDays").asInt(base.validDays());
		if (days < 1) {
			throw new IllegalArgumentException(where + ": validDays must be at least 1 (the day of the visit)");
		}
		boolean sameCondition = node.path("sameCondition").asBoolean(base.sameCondition());
		JsonNode fee = node.path("fee");
		BigDecimal amount;
		try {
			amount = fee.has("amount") ? new BigDecimal(fee.get("amount").asText()) : base.fee().amount();
		} catch (NumberFormatException e) {
			throw new IllegalArgumentException(where + ": fee amount '" + fee.get("amount").asText() + "' is not a number");
		}
		if (amount.signum() < 0) {
			throw new IllegalArgumentException(where + ": a fee cannot be negative");
		}
		return new HospitalRule(days, sameCondition, new Fee(fee.path("code").asText(base.fee().code()),
				fee.path("display").asText(base.fee().display()), amount, fee.path("currency").asText(base.fee().currency())));
	}
}
