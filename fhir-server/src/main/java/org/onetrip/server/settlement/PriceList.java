package org.onetrip.server.settlement;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.ChargeItemDefinition;
import org.hl7.fhir.r4.model.Coding;
import org.onetrip.server.security.Ownership;

/**
 * Each hospital's price list: ChargeItemDefinition resources, one file per hospital ({@code <hospital>.json}, a
 * Bundle), read at start. An item is found by any of its codings ({@code system|code}); its definition names the
 * category (the base price component's code in {@link #CATEGORY_SYSTEM}) and the unit price.
 */
public final class PriceList {

	public static final String CATEGORY_SYSTEM = "urn:onetrip:charge-category";

	/** One priced item of a hospital. */
	public record Price(String itemKey, String display, String category, BigDecimal unitPrice, String currency, String definitionUrl) {}

	private final Map<String, Map<String, Price>> byHospital;
	private final List<ChargeItemDefinition> definitions;

	private PriceList(Map<String, Map<String, Price>> byHospital, List<ChargeItemDefinition> definitions) {
		this.byHospital = byHospital;
		this.definitions = List.copyOf(definitions);
	}

	/** The price of the first of these item keys the hospital's list has. */
	public Optional<Price> find(String hospital, List<String> itemKeys) {
		Map<String, Price> prices = byHospital.getOrDefault(hospital, Map.of());
		return itemKeys.stream().map(prices::get).filter(p -> p != null).findFirst();
	}

	/** Every definition read, to publish as FHIR resources. */
	public List<ChargeItemDefinition> definitions() {
		return definitions;
	}

	public static String key(Coding coding) {
		return coding.getSystem() + "|" + coding.getCode();
	}

	/** The lists in {@code dir}; none when it does not exist (every derived charge then waits for a price). */
	public static PriceList load(FhirContext fhir, Path dir, Set<String> hospitalKeys) {
		Map<String, Map<String, Price>> byHospital = new HashMap<>();
		List<ChargeItemDefinition> definitions = new ArrayList<>();
		if (!Files.isDirectory(dir)) {
			return new PriceList(byHospital, definitions);
		}
		try (Stream<Path> files = Files.list(dir)) {
			for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
				String hospital = file.getFileName().toString().replaceFirst("\\.json$", "");
				if (!hospitalKeys.contains(hospital)) {
					throw new IllegalArgumentException(file + ": no hospital '" + hospital + "' in the region (a price list is <hospital key>.json)");
				}
				Bundle bundle;
				try (Reader in = Files.newBufferedReader(file)) {
					bundle = fhir.newJsonParser().parseResource(Bundle.class, in);
				}
				Map<String, Price> prices = new LinkedHashMap<>();
				for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
					if (!(entry.getResource() instanceof ChargeItemDefinition definition)) {
						throw new IllegalArgumentException(file + ": only ChargeItemDefinition resources belong in a price list");
					}
					for (Coding coding : definition.getCode().getCoding()) {
						prices.put(key(coding), price(file, definition, coding));
					}
					Ownership.stamp(definition, hospital);
					definitions.add(definition);
				}
				byHospital.put(hospital, prices);
			}
		} catch (IOException e) {
			throw new UncheckedIOException("cannot read the price lists in " + dir + ": " + e.getMessage(), e);
		}
		return new PriceList(byHospital, definitions);
	}

	private static Price price(Path file, ChargeItemDefinition definition, Coding coding) {
		String where = file + " " + definition.getIdElement().getIdPart();
		var component = definition.getPropertyGroup().stream().flatMap(g -> g.getPriceComponent().stream())
				.filter(c -> c.getType() == ChargeItemDefinition.ChargeItemDefinitionPriceComponentType.BASE).findFirst()
				.orElseThrow(() -> new IllegalArgumentException(where + ": no base price component"));
		if (!component.hasAmount() || !component.getAmount().hasValue() || component.getAmount().getValue().signum() < 0) {
			throw new IllegalArgumentException(where + ": the base price needs an amount of zero or more");
		}
		String category = component.getCode().getCoding().stream().filter(c -> CATEGORY_SYSTEM.equals(c.getSystem()))
				.map(Coding::getCode).findFirst()
				.orElseThrow(() -> new IllegalArgumentException(where + ": the base price component names no category (" + CATEGORY_SYSTEM + ")"));
		return new Price(key(coding), coding.hasDisplay() ? coding.getDisplay() : definition.getTitle(), category,
				component.getAmount().getValue(), component.getAmount().hasCurrency() ? component.getAmount().getCurrency() : "CNY",
				definition.getUrl());
	}
}
