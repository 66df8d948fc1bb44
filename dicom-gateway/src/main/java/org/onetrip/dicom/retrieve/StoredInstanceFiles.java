package org.onetrip.dicom.retrieve;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.DicomOutputStream;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TransferSyntax;
import com.pixelmed.network.AReleaseException;
import com.pixelmed.network.Association;
import com.pixelmed.network.CStoreRequestCommandMessage;
import com.pixelmed.network.CompositeResponseHandler;
import com.pixelmed.network.DicomNetworkException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.onetrip.dicom.DimseStatus;
import org.onetrip.dicom.store.DicomFileStore;
import org.onetrip.dicom.store.ImagingIndex.StoredInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends stored instances as C-STORE requests: the data set as stored (the Part 10 meta header left out), or
 * re-encoded when the receiver took only another uncompressed transfer syntax. Compressed data is never decoded:
 * a receiver that does not take its syntax gets a failed sub-operation.
 */
public final class StoredInstanceFiles {

	private static final Logger log = LoggerFactory.getLogger(StoredInstanceFiles.class);

	static final List<String> UNCOMPRESSED = List.of(TransferSyntax.ExplicitVRLittleEndian,
			TransferSyntax.ImplicitVRLittleEndian, TransferSyntax.ExplicitVRBigEndian);
	/** Explicit-VR meta elements whose length field is 4 bytes after 2 reserved ones (PS3.5 7.1.2). */
	private static final Set<String> LONG_VRS = Set.of("OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN",
			"UR", "UT", "UV");

	private final DicomFileStore store;

	public StoredInstanceFiles(DicomFileStore store) {
		this.store = store;
	}

	/** A presentation context to propose: a SOP class with the syntaxes its stored instances can be sent in. */
	public record Offer(String sopClassUid, List<String> transferSyntaxes) {}

	/** One offer per SOP class and stored syntax; an uncompressed one also offers the other uncompressed syntaxes. */
	public static List<Offer> offers(List<StoredInstance> instances) {
		Map<String, Offer> offers = new LinkedHashMap<>();
		for (StoredInstance instance : instances) {
			String stored = instance.transferSyntaxUid();
			offers.computeIfAbsent(instance.sopClassUid() + "|" + stored, k -> {
				List<String> syntaxes = new ArrayList<>(List.of(stored));
				if (UNCOMPRESSED.contains(stored)) {
					UNCOMPRESSED.stream().filter(s -> !s.equals(stored)).forEach(syntaxes::add);
				}
				return new Offer(instance.sopClassUid(), syntaxes);
			});
		}
		return List.copyOf(offers.values());
	}

	/**
	 * Sends one instance over the association and waits for the receiver's answer.
	 *
	 * @param moveOriginator the AE title that asked for a C-MOVE (null for C-GET)
	 * @return the C-STORE response status, or a failure status when it could not be sent
	 */
	public int send(Association association, StoredInstance instance, String moveOriginator, int moveMessageId)
			throws DicomNetworkException, IOException {
		byte context;
		String syntax;
		try {
			context = contextFor(association, instance);
			syntax = association.getTransferSyntaxForPresentationContextID(context);
		} catch (DicomNetworkException noContext) {
			log.warn("instance {} not sent to {}: no accepted presentation context for {} in {}",
					instance.sopInstanceUid(), association.getCalledAETitle(), instance.sopClassUid(),
					instance.transferSyntaxUid());
			return DimseStatus.UNABLE_TO_PROCESS;
		}
		byte[] data;
		try {
			data = dataSet(store.resolve(instance.relativePath()), instance.transferSyntaxUid(), syntax);
		} catch (IOException | DicomException e) {
			log.warn("instance {} could not be read from the store: {}", instance.sopInstanceUid(), e.getMessage());
			return DimseStatus.UNABLE_TO_PROCESS;
		}
		byte[] command;
		try {
			command = moveOriginator == null
					? new CStoreRequestCommandMessage(instance.sopClassUid(), instance.sopInstanceUid()).getBytes()
					: new CStoreRequestCommandMessage(instance.sopClassUid(), instance.sopInstanceUid(), moveOriginator,
							moveMessageId).getBytes();
		} catch (DicomException e) {
			throw new IOException("could not encode a C-STORE request: " + e.getMessage(), e);
		}
		StoreResponse response = new StoreResponse();
		association.setReceivedDataHandler(response);
		association.send(context, command, data);
		try {
			association.waitForCommandPDataPDUs();
		} catch (AReleaseException released) {
			throw new DicomNetworkException("the receiver released the association instead of answering the C-STORE");
		}
		return response.getStatus();
	}

	private static byte contextFor(Association association, StoredInstance instance) throws DicomNetworkException {
		try {
			return association.getSuitablePresentationContextID(instance.sopClassUid(), instance.transferSyntaxUid());
		} catch (DicomNetworkException notInStoredSyntax) {
			if (!UNCOMPRESSED.contains(instance.transferSyntaxUid())) {
				throw notInStoredSyntax;
			}
			for (String other : UNCOMPRESSED) {
				try {
					return association.getSuitablePresentationContextID(instance.sopClassUid(), other);
				} catch (DicomNetworkException tryNext) {
					// next uncompressed syntax
				}
			}
			throw notInStoredSyntax;
		}
	}

	/** The data set of a stored Part 10 file, in {@code syntax} (the stored bytes as they are when it is the same). */
	static byte[] dataSet(Path file, String storedSyntax, String syntax) throws IOException, DicomException {
		byte[] bytes = Files.readAllBytes(file);
		if (storedSyntax.equals(syntax)) {
			int start = dataSetOffset(bytes);
			byte[] data = new byte[bytes.length - start];
			System.arraycopy(bytes, start, data, 0, data.length);
			return data;
		}
		AttributeList list = new AttributeList();
		list.read(file.toFile());
		list.removeGroupLengthAttributes();
		list.removeMetaInformationHeaderAttributes();
		ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length);
		DicomOutputStream dicom = new DicomOutputStream(out, null, syntax);
		list.write(dicom);
		dicom.flush();
		return out.toByteArray();
	}

	/** Where the data set starts: after the 128-byte preamble, "DICM" and the group 0002 elements. */
	static int dataSetOffset(byte[] file) throws IOException {
		if (file.length < 132 || !"DICM".equals(new String(file, 128, 4, StandardCharsets.US_ASCII))) {
			throw new IOException("not a Part 10 file");
		}
		int position = 132;
		while (position + 8 <= file.length) {
			int group = (file[position] & 0xFF) | (file[position + 1] & 0xFF) << 8;
			if (group != 0x0002) {
				return position;
			}
			String vr = new String(file, position + 4, 2, StandardCharsets.US_ASCII);
			long length;
			int header;
			if (LONG_VRS.contains(vr)) {
				length = (file[position + 8] & 0xFFL) | (file[position + 9] & 0xFFL) << 8
						| (file[position + 10] & 0xFFL) << 16 | (file[position + 11] & 0xFFL) << 24;
				header = 12;
			} else {
				length = (file[position + 6] & 0xFF) | (file[position + 7] & 0xFF) << 8;
				header = 8;
			}
			position += header + (int) length;
		}
		throw new IOException("the file ends inside its meta header");
	}

	/** The receiver's C-STORE response. */
	private static final class StoreResponse extends CompositeResponseHandler {
		@Override
		protected void evaluateStatusAndSetSuccess(AttributeList command) {
			status = Attribute.getSingleIntegerValueOrDefault(command, TagFromName.Status, DimseStatus.UNABLE_TO_PROCESS);
			success = status == DimseStatus.SUCCESS;
			setDone(true);
		}
	}
}
