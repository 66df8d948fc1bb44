package org.onetrip.dicom;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.DicomInputStream;
import com.pixelmed.dicom.DicomOutputStream;
import com.pixelmed.dicom.FileMetaInformation;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TransferSyntax;
import com.pixelmed.network.AReleaseException;
import com.pixelmed.network.Association;
import com.pixelmed.network.AssociationFactory;
import com.pixelmed.network.DicomNetworkException;
import com.pixelmed.network.PDataPDU;
import com.pixelmed.network.PresentationDataValue;
import com.pixelmed.network.PDataReceiver;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.onetrip.dicom.store.StorageService;
import org.onetrip.dicom.store.StoreRefusedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One accepted association, served by OneTrip's own DIMSE loop over PixelMed's association (PDU) layer: PixelMed's
 * ready-made SCP always answers C-STORE with Success and has no way to refuse one instance and go on, which
 * storage that loses nothing needs. Each request is read whole, answered, and the next one read, until release.
 */
final class DimseAssociation {

	private static final Logger log = LoggerFactory.getLogger(DimseAssociation.class);
	private static final int FILE_BUFFER_BYTES = 256 * 1024;

	private final Socket socket;
	private final String aeTitle;
	private final String hospital;
	private final StorageService storage;
	/** This association as one sender of instances: made by its first C-STORE (requests are served one at a time). */
	private StorageService.Sending sending;
	private final FindService find;
	private final RetrieveService retrieve;
	private final Activity activity;

	/** What one association did, for its audit record. */
	static final class Activity {
		private final java.util.Map<String, Integer> commands = new java.util.concurrent.ConcurrentHashMap<>();
		private final java.util.Set<String> studies = java.util.concurrent.ConcurrentHashMap.newKeySet();
		private final java.util.Set<String> patients = java.util.concurrent.ConcurrentHashMap.newKeySet();

		void answered(String command) {
			commands.merge(command, 1, Integer::sum);
		}

		java.util.Map<String, Integer> commands() {
			return java.util.Map.copyOf(commands);
		}

		java.util.Set<String> studies() {
			return java.util.Set.copyOf(studies);
		}

		java.util.Set<String> patients() {
			return java.util.Set.copyOf(patients);
		}
	}

	DimseAssociation(Socket socket, String aeTitle, String hospital, StorageService storage, FindService find,
			RetrieveService retrieve, Activity activity) {
		this.activity = activity;
		this.socket = socket;
		this.aeTitle = aeTitle;
		this.hospital = hospital;
		this.storage = storage;
		this.find = find;
		this.retrieve = retrieve;
	}

	/** Released by the caller: the studies it sent whole are complete ({@link StorageService.Sending#done}). */
	void released() {
		if (sending != null) {
			sending.done();
		}
	}

	void run() throws DicomNetworkException, IOException {
		Association association = AssociationFactory.createNewAssociation(socket, aeTitle,
				AssociationFactory.getDefaultMaximumLengthReceived(), AssociationFactory.getDefaultReceiveBufferSize(),
				AssociationFactory.getDefaultSendBufferSize(), new GatewayPresentationPolicy());
		RequestReader request = null;
		try {
			while (true) {
				request = new RequestReader(association);
				association.setReceivedDataHandler(request);
				association.waitForPDataPDUsUntilHandlerReportsDone();
				answer(association, request);
			}
		} catch (AReleaseException released) {
			// the caller released the association: done
		} finally {
			if (request != null) {
				request.abandon();
			}
		}
	}

	private void answer(Association association, RequestReader request) throws DicomNetworkException, IOException {
		byte context = request.presentationContextId;
		String transferSyntax = association.getTransferSyntaxForPresentationContextID(context);
		activity.answered(switch (request.commandField) {
			case Commands.C_ECHO_RQ -> "C-ECHO";
			case Commands.C_STORE_RQ -> "C-STORE";
			case Commands.C_FIND_RQ -> "C-FIND";
			case Commands.C_MOVE_RQ -> "C-MOVE";
			case Commands.C_GET_RQ -> "C-GET";
			default -> "other";
		});
		switch (request.commandField) {
			case Commands.C_ECHO_RQ -> association.send(context, Commands.response(Commands.C_ECHO_RQ,
					request.affectedSopClassUid, request.messageId, DimseStatus.SUCCESS, null, null, false, null), null);
			case Commands.C_STORE_RQ -> association.send(context, store(request, transferSyntax), null);
			case Commands.C_FIND_RQ, Commands.C_MOVE_RQ, Commands.C_GET_RQ -> {
				AttributeList identifier;
				try {
					identifier = request.dataSet();
				} catch (DicomException | IOException e) {
					association.send(context, Commands.response(request.commandField, request.affectedSopClassUid,
							request.messageId, DimseStatus.CANNOT_UNDERSTAND, null, "identifier cannot be parsed", false, null),
							null);
					return;
				}
				if (request.commandField == Commands.C_FIND_RQ) {
					find.answer(association, context, transferSyntax, request.affectedSopClassUid, request.messageId,
							identifier, hospital);
					return;
				}
				RetrieveService.Request retrieval = new RetrieveService.Request(association, context, request.commandField,
						request.affectedSopClassUid, request.messageId, identifier, hospital);
				if (request.commandField == Commands.C_MOVE_RQ) {
					retrieve.move(retrieval, request.moveDestination);
				} else {
					retrieve.get(retrieval);
				}
			}
			case Commands.C_CANCEL_RQ -> {
				// a cancel after the final response: nothing left to cancel
			}
			default -> {
				log.warn("DIMSE command 0x{} from {} is not supported; aborting the association",
						Integer.toHexString(request.commandField), association.getCallingAETitle());
				association.abort();
				throw new DicomNetworkException("unsupported DIMSE command 0x" + Integer.toHexString(request.commandField));
			}
		}
	}

	private byte[] store(RequestReader request, String transferSyntax) {
		int status;
		String comment = null;
		if (request.storeFailure != null) {
			storage.files().discard(request.storeFile);
			status = DimseStatus.OUT_OF_RESOURCES;
			comment = "could not write the instance: " + request.storeFailure.getMessage();
		} else {
			try {
				if (sending == null) {
					sending = storage.sending(hospital);
				}
				StorageService.Stored stored = sending.store(request.storeFile, request.affectedSopInstanceUid, transferSyntax);
				activity.studies.add(stored.header().studyInstanceUid());
				activity.patients.add(stored.header().patientId());
				status = DimseStatus.SUCCESS;
			} catch (StoreRefusedException refused) {
				status = refused.status();
				comment = refused.getMessage();
				log.warn("C-STORE of {} from {} ({}) refused with 0x{}: {}", request.affectedSopInstanceUid, hospital,
						socket.getRemoteSocketAddress(), Integer.toHexString(status), comment);
			}
		}
		return Commands.response(Commands.C_STORE_RQ, request.affectedSopClassUid, request.messageId, status,
				request.affectedSopInstanceUid, comment, false, null);
	}

	/**
	 * Collects one request: its command, and its data set (a C-STORE's streamed into a file in the store's
	 * incoming folder as Part 10, others kept in memory).
	 */
	private final class RequestReader extends PDataReceiver {
		private final Association association;
		private final ByteArrayOutputStream command = new ByteArrayOutputStream(256);
		private final ByteArrayOutputStream data = new ByteArrayOutputStream();
		byte presentationContextId;
		int commandField = -1;
		int messageId;
		String affectedSopClassUid;
		String affectedSopInstanceUid;
		String moveDestination;
		Path storeFile;
		private OutputStream storeOut;
		IOException storeFailure;
		/** Set once the last data fragment arrived: the file then belongs to the store path, not to this reader. */
		private boolean dataSetComplete;

		RequestReader(Association association) {
			this.association = association;
		}

		@Override
		public void sendPDataIndication(PDataPDU pdu, Association ignored)
				throws DicomNetworkException, DicomException, IOException {
			for (Object o : pdu.getPDVList()) {
				PresentationDataValue value = (PresentationDataValue) o;
				presentationContextId = value.getPresentationContextID();
				if (value.isCommand()) {
					command.write(value.getValue());
					if (value.isLastFragment()) {
						commandComplete();
					}
				} else {
					dataFragment(value.getValue());
					if (value.isLastFragment()) {
						dataComplete();
					}
				}
			}
		}

		private void commandComplete() throws DicomException, IOException {
			AttributeList list = new AttributeList();
			list.read(new DicomInputStream(new ByteArrayInputStream(command.toByteArray()),
					TransferSyntax.ImplicitVRLittleEndian, false));
			commandField = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.CommandField, -1);
			messageId = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.MessageID, 0);
			affectedSopClassUid = Attribute.getSingleStringValueOrEmptyString(list, TagFromName.AffectedSOPClassUID).trim();
			affectedSopInstanceUid = Attribute.getSingleStringValueOrEmptyString(list,
					new AttributeTag(0x0000, 0x1000)).trim();
			moveDestination = Attribute.getSingleStringValueOrNull(list, new AttributeTag(0x0000, 0x0600));
			int dataSetType = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.CommandDataSetType,
					Commands.NO_DATA_SET);
			if (dataSetType == Commands.NO_DATA_SET) {
				setDone(true);
			} else if (commandField == Commands.C_STORE_RQ) {
				openStoreFile();
			}
		}

		private void openStoreFile() {
			storeFile = storage.files().newIncomingFile();
			try {
				storeOut = new BufferedOutputStream(Files.newOutputStream(storeFile), FILE_BUFFER_BYTES);
				String transferSyntax = association.getTransferSyntaxForPresentationContextID(presentationContextId);
				DicomOutputStream meta = new DicomOutputStream(storeOut, TransferSyntax.ExplicitVRLittleEndian, null);
				new FileMetaInformation(affectedSopClassUid, affectedSopInstanceUid, transferSyntax,
						association.getCallingAETitle()).getAttributeList().write(meta);
				meta.flush();
			} catch (IOException | DicomException | DicomNetworkException e) {
				storeFailure = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
			}
		}

		private void dataFragment(byte[] bytes) throws IOException {
			if (commandField != Commands.C_STORE_RQ) {
				data.write(bytes);
				return;
			}
			if (storeOut == null || storeFailure != null) {
				return; // keep draining the fragments; the failure is answered when the data set is complete
			}
			try {
				storeOut.write(bytes);
			} catch (IOException e) {
				storeFailure = e;
			}
		}

		private void dataComplete() {
			dataSetComplete = true;
			if (storeOut != null) {
				try {
					storeOut.close();
				} catch (IOException e) {
					if (storeFailure == null) {
						storeFailure = e;
					}
				}
			}
			setDone(true);
		}

		/**
		 * The association ended (released, aborted, the peer vanished) with this request's data set half received:
		 * its file is closed and removed now rather than at the next start. Nothing of it was acknowledged.
		 */
		void abandon() {
			if (storeFile == null || dataSetComplete) {
				return;
			}
			if (storeOut != null) {
				try {
					storeOut.close();
				} catch (IOException ignored) {
					// removed below either way
				}
			}
			storage.files().discard(storeFile);
		}

		AttributeList dataSet() throws IOException, DicomException, DicomNetworkException {
			AttributeList list = new AttributeList();
			list.read(new DicomInputStream(new ByteArrayInputStream(data.toByteArray()),
					association.getTransferSyntaxForPresentationContextID(presentationContextId), false));
			return list;
		}
	}
}
