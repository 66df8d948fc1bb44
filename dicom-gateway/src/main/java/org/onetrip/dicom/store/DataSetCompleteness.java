package org.onetrip.dicom.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * Checks that a Part 10 file's data set is whole: every element's declared length fits in the file, every
 * undefined-length sequence and item is closed. PixelMed logs and ignores a data set that ends early, and a
 * truncated instance must be refused, not stored. Little endian (explicit and implicit VR, including
 * encapsulated pixel data); deflated and big-endian data sets are left to the parser.
 */
final class DataSetCompleteness {

	private static final long UNDEFINED = 0xFFFFFFFFL;
	private static final int ITEM = 0xFFFEE000;
	private static final int ITEM_END = 0xFFFEE00D;
	private static final int SEQUENCE_END = 0xFFFEE0DD;
	private static final Set<String> LONG_FORM = Set.of("OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN",
			"UR", "UT", "UV");
	private static final String IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2";
	private static final String EXPLICIT_VR_BIG_ENDIAN = "1.2.840.10008.1.2.2";
	private static final String DEFLATED = "1.2.840.10008.1.2.1.99";

	/** Why a data set is not whole. */
	static final class Incomplete extends Exception {
		Incomplete(String message) {
			super(message);
		}
	}

	private DataSetCompleteness() {}

	static void check(Path file, String transferSyntaxUid) throws IOException, Incomplete {
		if (EXPLICIT_VR_BIG_ENDIAN.equals(transferSyntaxUid) || DEFLATED.equals(transferSyntaxUid)) {
			return;
		}
		try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
			if (channel.size() < 132) {
				throw new Incomplete("shorter than a DICOM file header");
			}
			MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
			ByteBuffer buffer = mapped.order(ByteOrder.LITTLE_ENDIAN);
			boolean implicit = IMPLICIT_VR_LITTLE_ENDIAN.equals(transferSyntaxUid);
			new Walker(buffer, implicit).elements(132, buffer.limit(), false);
		}
	}

	private record Walker(ByteBuffer buffer, boolean implicitDataSet) {

		/** Walks elements from {@code pos}; inside an undefined-length item, returns after its delimiter. */
		int elements(int pos, int end, boolean inUndefinedItem) throws Incomplete {
			while (pos < end) {
				need(pos, 8, end);
				int group = buffer.getShort(pos) & 0xFFFF;
				int element = buffer.getShort(pos + 2) & 0xFFFF;
				int tag = (group << 16) | element;
				if (tag == ITEM_END) {
					if (!inUndefinedItem) {
						throw new Incomplete("item delimiter outside an item");
					}
					return pos + 8;
				}
				boolean implicit = implicitDataSet && group != 0x0002;
				long length;
				String vr = null;
				if (implicit) {
					length = buffer.getInt(pos + 4) & UNDEFINED;
					pos += 8;
				} else {
					vr = new String(new byte[] {buffer.get(pos + 4), buffer.get(pos + 5)}, java.nio.charset.StandardCharsets.US_ASCII);
					if (LONG_FORM.contains(vr)) {
						need(pos, 12, end);
						length = buffer.getInt(pos + 8) & UNDEFINED;
						pos += 12;
					} else {
						length = buffer.getShort(pos + 6) & 0xFFFF;
						pos += 8;
					}
				}
				if (length == UNDEFINED) {
					pos = items(pos, end);
				} else {
					if (pos + length > end) {
						throw new Incomplete(String.format("element (%04X,%04X) declares %d bytes, the data set ends %d bytes"
								+ " short", group, element, length, pos + length - end));
					}
					pos += (int) length;
				}
			}
			if (inUndefinedItem) {
				throw new Incomplete("an item never ends");
			}
			return pos;
		}

		/** Items of an undefined-length sequence or encapsulated pixel data, up to the sequence delimiter. */
		private int items(int pos, int end) throws Incomplete {
			while (true) {
				need(pos, 8, end);
				int tag = ((buffer.getShort(pos) & 0xFFFF) << 16) | (buffer.getShort(pos + 2) & 0xFFFF);
				long length = buffer.getInt(pos + 4) & UNDEFINED;
				pos += 8;
				if (tag == SEQUENCE_END) {
					return pos;
				}
				if (tag != ITEM) {
					throw new Incomplete(String.format("expected an item, found (%04X,%04X)", tag >>> 16, tag & 0xFFFF));
				}
				if (length == UNDEFINED) {
					pos = elements(pos, end, true);
				} else {
					if (pos + length > end) {
						throw new Incomplete("an item declares more bytes than the data set has");
					}
					pos += (int) length;
				}
			}
		}

		private static void need(int pos, int bytes, int end) throws Incomplete {
			if (pos + bytes > end) {
				throw new Incomplete("the data set ends inside an element header");
			}
		}
	}
}
