package org.onetrip.dicom;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeFactory;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.CodeStringAttribute;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.SOPClass;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.SpecificCharacterSet;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.network.Association;
import com.pixelmed.network.DicomNetworkException;
import java.io.IOException;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.onetrip.dicom.query.QueryKey;
import org.onetrip.dicom.query.QueryLevel;
import org.onetrip.dicom.query.QueryMatch;
import org.onetrip.dicom.query.RegionalQuery;
import org.onetrip.dicom.store.IndexUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * C-FIND over the regional index (Patient Root and Study Root). Each match goes back as a pending response
 * holding the attributes the caller asked for, then a final Success; a malformed identifier gets a failure status
 * with the reason in Error Comment.
 */
public final class FindService {

	private static final Logger log = LoggerFactory.getLogger(FindService.class);
	private static final String UTF8 = "ISO_IR 192";

	private final RegionalQuery query;

	public FindService(RegionalQuery query) {
		this.query = query;
	}

	void answer(Association association, byte context, String transferSyntax, String sopClassUid, int messageId,
			AttributeList identifier, String hospital) throws DicomNetworkException, IOException {
		Optional<QueryLevel> level = QueryLevel.of(
				Attribute.getSingleStringValueOrNull(identifier, TagFromName.QueryRetrieveLevel));
		String problem = level.isEmpty() ? "QueryRetrieveLevel (0008,0052) missing or not PATIENT/STUDY/SERIES/IMAGE"
				: level.get() == QueryLevel.PATIENT && SOPClass.StudyRootQueryRetrieveInformationModelFind.equals(sopClassUid)
						? "Study Root has no PATIENT level" : null;
		if (problem != null) {
			association.send(context, Commands.response(Commands.C_FIND_RQ, sopClassUid, messageId,
					DimseStatus.IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS, null, problem, false, null), null);
			return;
		}
		Map<QueryKey, String> keys = keys(identifier);
		RegionalQuery.Result result;
		try {
			result = query.find(level.get(), keys, hospital);
		} catch (IndexUnavailableException e) {
			log.warn("C-FIND from {} failed: {}", hospital, e.getMessage());
			association.send(context, Commands.response(Commands.C_FIND_RQ, sopClassUid, messageId,
					DimseStatus.OUT_OF_RESOURCES, null, "the imaging index is unavailable", false, null), null);
			return;
		}
		try {
			for (QueryMatch match : result.matches()) {
				byte[] dataSet = Commands.dataSet(response(identifier, match, level.get()), transferSyntax);
				association.send(context, Commands.response(Commands.C_FIND_RQ, sopClassUid, messageId,
						DimseStatus.PENDING, null, null, true, null), dataSet);
			}
		} catch (DicomException e) {
			throw new IOException("could not encode a C-FIND match: " + e.getMessage(), e);
		}
		if (result.truncated()) {
			log.warn("C-FIND from {} matched more than {} entries; the first ones were returned", hospital,
					result.matches().size());
		}
		association.send(context, Commands.response(Commands.C_FIND_RQ, sopClassUid, messageId, DimseStatus.SUCCESS,
				null, null, false, null), null);
	}

	/** The caller's identifier with every key filled from the match (keys OneTrip does not keep stay empty). */
	private static AttributeList response(AttributeList identifier, QueryMatch match, QueryLevel level)
			throws DicomException {
		SpecificCharacterSet utf8 = new SpecificCharacterSet(new String[] {UTF8});
		AttributeList out = new AttributeList();
		CodeStringAttribute charset = new CodeStringAttribute(TagFromName.SpecificCharacterSet);
		charset.addValue(UTF8);
		out.put(charset);
		for (Object o : identifier.values()) {
			Attribute asked = (Attribute) o;
			AttributeTag tag = asked.getTag();
			if (tag.equals(TagFromName.SpecificCharacterSet)) {
				continue;
			}
			if (asked instanceof SequenceAttribute) {
				out.put(new SequenceAttribute(tag));
				continue;
			}
			Attribute answer = AttributeFactory.newAttribute(tag, asked.getVR(), utf8);
			String keyword = AttributeList.getDictionary().getNameFromTag(tag);
			if (tag.equals(TagFromName.QueryRetrieveLevel)) {
				answer.addValue(level.name());
			} else if (keyword != null) {
				Optional<QueryKey> key = QueryKey.byKeyword(keyword);
				if (key.isPresent()) {
					String value = match.get(key.get());
					if (!value.isEmpty()) {
						for (String v : value.split("\\\\")) {
							answer.addValue(v);
						}
					}
				}
			}
			out.put(answer);
		}
		return out;
	}

	/** The identifier's attributes OneTrip knows, by key, with their (backslash-separated) values. */
	static Map<QueryKey, String> keys(AttributeList identifier) {
		Map<QueryKey, String> keys = new EnumMap<>(QueryKey.class);
		for (Object o : identifier.values()) {
			Attribute attribute = (Attribute) o;
			String keyword = AttributeList.getDictionary().getNameFromTag(attribute.getTag());
			if (keyword != null) {
				QueryKey.byKeyword(keyword).ifPresent(key -> keys.put(key, values(attribute)));
			}
		}
		return keys;
	}

	private static String values(Attribute attribute) {
		String value = Attribute.getDelimitedStringValuesOrEmptyString(attribute);
		return value == null ? "" : value.trim();
	}
}
