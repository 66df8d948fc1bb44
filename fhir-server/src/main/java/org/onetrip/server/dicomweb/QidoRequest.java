package org.onetrip.server.dicomweb;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.onetrip.dicom.query.QueryKey;
import org.onetrip.dicom.query.QueryLevel;
import org.springframework.util.MultiValueMap;

/**
 * A QIDO-RS search as OneTrip runs it: the matching keys (by keyword or 8-hex-digit tag, the UIDs of the URL among
 * them) and the page asked for by {@code limit}/{@code offset}.
 */
record QidoRequest(Map<QueryKey, String> keys, int limit, int offset) {

	/**
	 * @param fromPath the UIDs the URL names ({@code /studies/{study}/series}); a parameter of the same key replaces one
	 * @throws DicomWebRefusal 400, naming the parameter that is not a key OneTrip matches on or not a whole number
	 */
	static QidoRequest parse(QueryLevel level, Map<QueryKey, String> fromPath, MultiValueMap<String, String> params)
			throws DicomWebRefusal {
		Map<QueryKey, String> keys = new EnumMap<>(QueryKey.class);
		keys.putAll(fromPath);
		int limit = Integer.MAX_VALUE;
		int offset = 0;
		for (Map.Entry<String, List<String>> param : params.entrySet()) {
			String name = param.getKey();
			String value = String.join(",", param.getValue());
			switch (name.toLowerCase(Locale.ROOT)) {
				case "includefield", "fuzzymatching" -> {
					continue; // every attribute the index keeps is returned; matching is exact or wildcard
				}
				case "limit" -> {
					limit = wholeNumber(name, value);
					continue;
				}
				case "offset" -> {
					offset = wholeNumber(name, value);
					continue;
				}
				default -> {
				}
			}
			QueryKey key = queryKey(name).orElseThrow(() -> DicomWebRefusal.badRequest("'" + name
					+ "' is not a matching key OneTrip supports; keys: " + Arrays.toString(QueryKey.values())));
			if (key.level().ordinal() > level.ordinal()) {
				throw DicomWebRefusal.badRequest(key + " is below the " + level + " level of this query");
			}
			boolean list = key.match() == QueryKey.Match.UID_LIST || key.match() == QueryKey.Match.MODALITY_LIST;
			// QIDO-RS separates the values of a list with commas, the index with DICOM's backslash.
			keys.put(key, list ? value.replace(',', '\\') : value);
		}
		return new QidoRequest(keys, limit, offset);
	}

	private static int wholeNumber(String name, String value) throws DicomWebRefusal {
		try {
			int number = Integer.parseInt(value.trim());
			if (number >= 0) {
				return number;
			}
		} catch (NumberFormatException notANumber) {
			// refused below, like a negative number
		}
		throw DicomWebRefusal.badRequest(name + " must be a whole number >= 0, was '" + value + "'");
	}

	private static Optional<QueryKey> queryKey(String name) {
		String keyword = name;
		if (name.matches("[0-9A-Fa-f]{8}")) {
			AttributeTag tag = new AttributeTag(Integer.parseInt(name.substring(0, 4), 16),
					Integer.parseInt(name.substring(4), 16));
			keyword = AttributeList.getDictionary().getNameFromTag(tag);
			if (keyword == null) {
				return Optional.empty();
			}
		}
		return QueryKey.byKeyword(keyword);
	}
}
