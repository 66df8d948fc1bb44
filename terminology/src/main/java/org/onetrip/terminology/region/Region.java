package org.onetrip.terminology.region;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The hospitals of one region and the identifier systems they share. Immutable; built by {@link RegionConfig}. */
public final class Region {

	private final String name;
	private final IdentifierSystems identifierSystems;
	private final List<Hospital> hospitals;
	private final Map<String, Hospital> hospitalsByKey;
	private final Map<String, Hospital> hospitalsByAeTitle;
	private final Map<String, Hospital> hospitalsByMrnSystem;

	Region(String name, IdentifierSystems identifierSystems, List<Hospital> hospitals) {
		this.name = name;
		this.identifierSystems = identifierSystems;
		this.hospitals = List.copyOf(hospitals);
		this.hospitalsByKey = index(hospitals, Hospital::key);
		this.hospitalsByMrnSystem = index(hospitals, Hospital::mrnSystem);
		this.hospitalsByAeTitle = hospitals.stream()
				.flatMap(h -> h.aeTitles().stream().map(ae -> Map.entry(ae.toUpperCase(Locale.ROOT), h)))
				.collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, Map.Entry::getValue));
	}

	private static Map<String, Hospital> index(List<Hospital> hospitals, Function<Hospital, String> key) {
		return hospitals.stream().collect(Collectors.toUnmodifiableMap(key, Function.identity()));
	}

	public String name() {
		return name;
	}

	public IdentifierSystems identifierSystems() {
		return identifierSystems;
	}

	public List<Hospital> hospitals() {
		return hospitals;
	}

	public Optional<Hospital> hospital(String key) {
		return Optional.ofNullable(hospitalsByKey.get(key));
	}

	/** The hospital a calling DICOM AE title belongs to; AE titles compare case-insensitively. */
	public Optional<Hospital> hospitalByAeTitle(String aeTitle) {
		return aeTitle == null
				? Optional.empty()
				: Optional.ofNullable(hospitalsByAeTitle.get(aeTitle.trim().toUpperCase(Locale.ROOT)));
	}

	/** The hospital that issues medical record numbers in this identifier system. */
	public Optional<Hospital> hospitalByMrnSystem(String system) {
		return Optional.ofNullable(hospitalsByMrnSystem.get(system));
	}

	/**
	 * Identifier systems whose values name exactly one person in the region: the citizen ID, the
	 * health card, and every hospital's MRN system.
	 */
	public List<String> personIdentifierSystems() {
		var systems = new java.util.ArrayList<String>();
		systems.add(identifierSystems.citizenId());
		systems.add(identifierSystems.healthCard());
		hospitals.forEach(h -> systems.add(h.mrnSystem()));
		return List.copyOf(systems);
	}
}
