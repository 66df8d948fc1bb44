package org.onetrip.server.identity;

import java.util.Set;
import java.util.TreeSet;

/**
 * One hospital's record of a person as the region's linker sees it: whose record it is, the identifiers that name
 * exactly one person (citizen ID, health card, the hospital's MRN), and the demographics a possible match is judged on.
 *
 * @param hospital the hospital keeping the record; {@link #REGION} for a record no hospital keeps
 * @param fromDicom created by the DICOM gateway from an image header (an MRN the hospital's HIS never sent)
 * @param citizenIds @param healthCards @param mrns values of each kind; MRNs as {@code system|value}
 */
public record PersonRecord(String patientId, String hospital, boolean fromDicom, Set<String> citizenIds,
		Set<String> healthCards, Set<String> mrns, Demographics demographics) {

	public static final String REGION = "";

	/** Normalised for comparison: trimmed, lower case, inner spaces collapsed; null when absent. */
	public record Demographics(String family, String given, String birthDate, String gender, String phone) {
		public static final Demographics NONE = new Demographics(null, null, null, null, null);
	}

	public PersonRecord {
		citizenIds = Set.copyOf(citizenIds);
		healthCards = Set.copyOf(healthCards);
		mrns = Set.copyOf(mrns);
	}

	/** Every strong key of the record as {@code kind:value}, the unit the linker locks and looks up. */
	public Set<String> keys() {
		Set<String> keys = new TreeSet<>();
		citizenIds.forEach(v -> keys.add(citizenKey(v)));
		healthCards.forEach(v -> keys.add(cardKey(v)));
		mrns.forEach(v -> keys.add(mrnKey(v)));
		return keys;
	}

	static String citizenKey(String value) {
		return "citizen:" + value;
	}

	static String cardKey(String value) {
		return "card:" + value;
	}

	static String mrnKey(String systemAndValue) {
		return "mrn:" + systemAndValue;
	}
}
