package org.onetrip.server.dicomweb;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomDictionary;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.TagFromName;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.onetrip.dicom.query.QueryKey;
import org.onetrip.dicom.query.QueryMatch;

/**
 * The DICOM JSON model (PS3.18 annex F): a data set as an object keyed by 8-hex-digit tags, each with its VR and
 * values. Numbers are numbers, person names are {@code {"Alphabetic": ...}}, sequences nest; bulk data (pixels and
 * other binary values) is left out of metadata.
 */
final class DicomJson {

	private static final DicomDictionary DICTIONARY = AttributeList.getDictionary();
	private static final Set<String> BINARY = Set.of("OB", "OD", "OF", "OL", "OV", "OW", "UN");
	private static final Set<String> INTEGER = Set.of("IS", "SL", "SS", "UL", "US", "SV", "UV");
	private static final Set<String> DECIMAL = Set.of("DS", "FL", "FD");

	private static final String RETRIEVE_URL = "00081190";
	private static final String REFERENCED_SOP_CLASS = "00081150";
	private static final String REFERENCED_SOP_INSTANCE = "00081155";

	private final ObjectMapper json;

	DicomJson(ObjectMapper json) {
		this.json = json;
	}

	/** Every non-binary attribute of a data set (the Part 10 meta group left out). */
	ObjectNode dataSet(AttributeList list) throws DicomException {
		ObjectNode object = json.createObjectNode();
		Map<AttributeTag, Attribute> sorted = new TreeMap<>();
		for (Object o : list.values()) {
			Attribute attribute = (Attribute) o;
			sorted.put(attribute.getTag(), attribute);
		}
		for (Attribute attribute : sorted.values()) {
			AttributeTag tag = attribute.getTag();
			String vr = new String(attribute.getVR(), java.nio.charset.StandardCharsets.US_ASCII);
			if (tag.getGroup() == 0x0002 || tag.getElement() == 0x0000 || BINARY.contains(vr)) {
				continue;
			}
			ObjectNode element = object.putObject(key(tag));
			element.put("vr", vr);
			if (attribute instanceof SequenceAttribute sequence) {
				ArrayNode items = element.putArray("Value");
				for (int i = 0; i < sequence.getNumberOfItems(); i++) {
					items.add(dataSet(sequence.getItem(i).getAttributeList()));
				}
				continue;
			}
			String[] values = attribute.getStringValues();
			if (values != null && values.length > 0) {
				ArrayNode array = element.putArray("Value");
				for (String value : values) {
					add(array, vr, value);
				}
			}
		}
		return object;
	}

	/** A QIDO-RS result: the attributes the index keeps for the match, plus where to retrieve it. */
	ObjectNode match(QueryMatch match, Iterable<QueryKey> returned, String retrieveUrl) {
		ObjectNode object = json.createObjectNode();
		Map<String, ObjectNode> elements = new TreeMap<>();
		for (QueryKey key : returned) {
			String value = match.get(key);
			AttributeTag tag = DICTIONARY.getTagFromName(key.name());
			if (tag == null) {
				continue;
			}
			String vr = new String(DICTIONARY.getValueRepresentationFromTag(tag), java.nio.charset.StandardCharsets.US_ASCII);
			ObjectNode element = json.createObjectNode();
			element.put("vr", vr);
			if (!value.isEmpty()) {
				ArrayNode array = element.putArray("Value");
				for (String v : value.split("\\\\")) {
					add(array, vr, v);
				}
			}
			elements.put(key(tag), element);
		}
		if (retrieveUrl != null) {
			ObjectNode url = json.createObjectNode();
			url.put("vr", "UR");
			url.putArray("Value").add(retrieveUrl);
			elements.put(RETRIEVE_URL, url);
		}
		elements.forEach(object::set);
		return object;
	}

	/** The metadata of a stored Part 10 file: its data set read up to the pixels, as {@link #dataSet}. */
	ObjectNode metadata(Path file) throws IOException, DicomException {
		AttributeList header = new AttributeList();
		header.read(file.toFile(), TagFromName.PixelData);
		return dataSet(header);
	}

	/**
	 * The syntax the instance is stored in (Available Transfer Syntax UID, 0008,3002): a viewer knows before asking for
	 * frames whether they come as raw pixels (/frames) or only as pictures (/rendered).
	 */
	ObjectNode withAvailableTransferSyntax(ObjectNode metadata, String transferSyntaxUid) {
		if (transferSyntaxUid != null && !transferSyntaxUid.isBlank()) {
			putString(metadata, "00083002", "UI", transferSyntaxUid);
		}
		return metadata;
	}

	/** A STOW-RS Referenced SOP Sequence item: an instance stored, and where to retrieve it. */
	ObjectNode referencedInstance(String sopClass, String sopInstance, String retrieveUrl) {
		ObjectNode item = json.createObjectNode();
		putString(item, REFERENCED_SOP_CLASS, "UI", sopClass);
		putString(item, REFERENCED_SOP_INSTANCE, "UI", sopInstance);
		putString(item, RETRIEVE_URL, "UR", retrieveUrl);
		return item;
	}

	/** A STOW-RS Failed SOP Sequence item: the instance as far as it was understood, the reason code and why in words. */
	ObjectNode failedInstance(String sopClass, String sopInstance, int reason, String text) {
		ObjectNode item = json.createObjectNode();
		if (sopClass != null && !sopClass.isEmpty()) {
			putString(item, REFERENCED_SOP_CLASS, "UI", sopClass);
		}
		if (sopInstance != null && !sopInstance.isEmpty()) {
			putString(item, REFERENCED_SOP_INSTANCE, "UI", sopInstance);
		}
		item.putObject("00081197").put("vr", "US").putArray("Value").add(reason);
		// Error Comment is a command element in DIMSE; here it says why in words next to the code.
		putString(item, "00000902", "LO", text.length() <= 64 ? text : text.substring(0, 64));
		return item;
	}

	/**
	 * The STOW-RS response: the study's URL when the request named one, then the Failed SOP Sequence and the
	 * Referenced SOP Sequence, each only when it has an item.
	 */
	ObjectNode stowResponse(String studyUrl, ArrayNode failed, ArrayNode referenced) {
		ObjectNode response = json.createObjectNode();
		if (studyUrl != null) {
			putString(response, RETRIEVE_URL, "UR", studyUrl);
		}
		if (!failed.isEmpty()) {
			response.putObject("00081198").put("vr", "SQ").set("Value", failed);
		}
		if (!referenced.isEmpty()) {
			response.putObject("00081199").put("vr", "SQ").set("Value", referenced);
		}
		return response;
	}

	ArrayNode newArray() {
		return json.createArrayNode();
	}

	private static void putString(ObjectNode object, String tag, String vr, String value) {
		object.putObject(tag).put("vr", vr).putArray("Value").add(value);
	}

	static String key(AttributeTag tag) {
		return String.format(Locale.ROOT, "%04X%04X", tag.getGroup(), tag.getElement());
	}

	private static void add(ArrayNode array, String vr, String raw) {
		String value = raw == null ? "" : raw.trim();
		if ("PN".equals(vr)) {
			if (value.isEmpty()) {
				array.addNull();
				return;
			}
			String[] groups = value.split("=", -1);
			ObjectNode name = array.addObject();
			name.put("Alphabetic", groups[0]);
			if (groups.length > 1 && !groups[1].isEmpty()) {
				name.put("Ideographic", groups[1]);
			}
			if (groups.length > 2 && !groups[2].isEmpty()) {
				name.put("Phonetic", groups[2]);
			}
			return;
		}
		try {
			if (INTEGER.contains(vr) && !value.isEmpty()) {
				array.add(Long.parseLong(value.startsWith("+") ? value.substring(1) : value));
				return;
			}
			if (DECIMAL.contains(vr) && !value.isEmpty()) {
				array.add(new java.math.BigDecimal(value));
				return;
			}
		} catch (NumberFormatException notANumber) {
			// a malformed number stays a string rather than being dropped
		}
		if (value.isEmpty()) {
			array.addNull();
		} else {
			array.add(value);
		}
	}
}
