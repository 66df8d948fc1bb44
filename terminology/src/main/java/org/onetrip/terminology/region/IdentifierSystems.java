package org.onetrip.terminology.region;

/**
 * The identifier systems of the region. A patient identifier is only meaningful with its issuer:
 * a citizen ID, a health-card number, or one hospital's medical record number.
 */
public record IdentifierSystems(
		String citizenId, String healthCard, String mrnSystemPrefix, String organization) {

	public static final IdentifierSystems DEMO = new IdentifierSystems(
			"urn:onetrip:citizen-id", "urn:onetrip:health-card", "urn:onetrip:mrn:", "urn:onetrip:organization");

	public IdentifierSystems {
		requireUri("citizenId", citizenId);
		requireUri("healthCard", healthCard);
		requireUri("mrnSystemPrefix", mrnSystemPrefix);
		requireUri("organization", organization);
	}

	/** The default MRN system of a hospital that does not name its own. */
	public String defaultMrnSystem(String hospitalKey) {
		return mrnSystemPrefix + hospitalKey;
	}

	private static void requireUri(String field, String value) {
		if (value == null || value.isBlank()) {
			throw new IllegalArgumentException("identifierSystems." + field + " is required");
		}
		if (!value.contains(":")) {
			throw new IllegalArgumentException(
					"identifierSystems." + field + " must be a URI (urn:... or http...), was '" + value + "'");
		}
	}
}
