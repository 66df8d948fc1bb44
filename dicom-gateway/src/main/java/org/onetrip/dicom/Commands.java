package org.onetrip.dicom;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.DicomOutputStream;
import com.pixelmed.dicom.LongStringAttribute;
import com.pixelmed.dicom.TransferSyntax;
import com.pixelmed.dicom.UniqueIdentifierAttribute;
import com.pixelmed.dicom.UnsignedLongAttribute;
import com.pixelmed.dicom.UnsignedShortAttribute;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * DIMSE response commands, encoded by OneTrip so that a failure can carry its reason in Error Comment
 * (0000,0902), which PixelMed's response classes cannot.
 */
final class Commands {

	static final int C_STORE_RQ = 0x0001;
	static final int C_GET_RQ = 0x0010;
	static final int C_FIND_RQ = 0x0020;
	static final int C_MOVE_RQ = 0x0021;
	static final int C_ECHO_RQ = 0x0030;
	static final int C_CANCEL_RQ = 0x0FFF;
	static final int NO_DATA_SET = 0x0101;

	private static final AttributeTag GROUP_LENGTH = new AttributeTag(0x0000, 0x0000);
	private static final AttributeTag AFFECTED_SOP_CLASS = new AttributeTag(0x0000, 0x0002);
	private static final AttributeTag COMMAND_FIELD = new AttributeTag(0x0000, 0x0100);
	private static final AttributeTag MESSAGE_ID_BEING_RESPONDED_TO = new AttributeTag(0x0000, 0x0120);
	private static final AttributeTag COMMAND_DATA_SET_TYPE = new AttributeTag(0x0000, 0x0800);
	private static final AttributeTag STATUS = new AttributeTag(0x0000, 0x0900);
	private static final AttributeTag ERROR_COMMENT = new AttributeTag(0x0000, 0x0902);
	private static final AttributeTag AFFECTED_SOP_INSTANCE = new AttributeTag(0x0000, 0x1000);
	private static final AttributeTag REMAINING = new AttributeTag(0x0000, 0x1020);
	private static final AttributeTag COMPLETED = new AttributeTag(0x0000, 0x1021);
	private static final AttributeTag FAILED = new AttributeTag(0x0000, 0x1022);
	private static final AttributeTag WARNING = new AttributeTag(0x0000, 0x1023);

	private Commands() {}

	/** Sub-operation counts of a C-MOVE/C-GET response, or null for other commands. */
	record SubOperations(int remaining, int completed, int failed, int warning) {}

	static byte[] response(int requestCommandField, String affectedSopClassUid, int messageId, int status,
			String affectedSopInstanceUid, String errorComment, boolean hasDataSet, SubOperations counts) {
		try {
			AttributeList list = new AttributeList();
			uid(list, AFFECTED_SOP_CLASS, affectedSopClassUid);
			us(list, COMMAND_FIELD, requestCommandField | 0x8000);
			us(list, MESSAGE_ID_BEING_RESPONDED_TO, messageId);
			us(list, COMMAND_DATA_SET_TYPE, hasDataSet ? 0x0000 : NO_DATA_SET);
			us(list, STATUS, status);
			if (errorComment != null && !errorComment.isBlank()) {
				LongStringAttribute comment = new LongStringAttribute(ERROR_COMMENT);
				// LO holds 64 characters; the whole reason is in OneTrip's log.
				String text = errorComment.replace('\\', '/');
				comment.addValue(text.length() <= 64 ? text : text.substring(0, 64));
				list.put(comment);
			}
			if (affectedSopInstanceUid != null && !affectedSopInstanceUid.isEmpty()) {
				uid(list, AFFECTED_SOP_INSTANCE, affectedSopInstanceUid);
			}
			if (counts != null) {
				if (counts.remaining() >= 0) {
					us(list, REMAINING, counts.remaining());
				}
				us(list, COMPLETED, counts.completed());
				us(list, FAILED, counts.failed());
				us(list, WARNING, counts.warning());
			}
			byte[] body = encode(list);
			AttributeList withLength = new AttributeList();
			UnsignedLongAttribute length = new UnsignedLongAttribute(GROUP_LENGTH);
			length.addValue(body.length);
			withLength.put(length);
			byte[] head = encode(withLength);
			byte[] command = new byte[head.length + body.length];
			System.arraycopy(head, 0, command, 0, head.length);
			System.arraycopy(body, 0, command, head.length, body.length);
			return command;
		} catch (DicomException | IOException e) {
			throw new IllegalStateException("could not encode a DIMSE response: " + e.getMessage(), e);
		}
	}

	static byte[] dataSet(AttributeList list, String transferSyntaxUid) throws IOException, DicomException {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		DicomOutputStream out = new DicomOutputStream(bytes, null, transferSyntaxUid);
		list.write(out);
		out.flush();
		return bytes.toByteArray();
	}

	private static byte[] encode(AttributeList list) throws IOException, DicomException {
		return dataSet(list, TransferSyntax.ImplicitVRLittleEndian);
	}

	private static void uid(AttributeList list, AttributeTag tag, String value) throws DicomException {
		UniqueIdentifierAttribute attribute = new UniqueIdentifierAttribute(tag);
		attribute.addValue(value == null ? "" : value);
		list.put(attribute);
	}

	private static void us(AttributeList list, AttributeTag tag, int value) throws DicomException {
		UnsignedShortAttribute attribute = new UnsignedShortAttribute(tag);
		attribute.addValue(value);
		list.put(attribute);
	}
}
