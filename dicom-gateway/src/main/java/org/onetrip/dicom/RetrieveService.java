package org.onetrip.dicom;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.SOPClass;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.UniqueIdentifierAttribute;
import com.pixelmed.network.Association;
import com.pixelmed.network.AssociationFactory;
import com.pixelmed.network.AssociationSockets;
import com.pixelmed.network.DicomNetworkException;
import com.pixelmed.network.PresentationContext;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.onetrip.dicom.query.QueryKey;
import org.onetrip.dicom.query.QueryLevel;
import org.onetrip.dicom.query.RegionalQuery;
import org.onetrip.dicom.retrieve.MoveDestinations;
import org.onetrip.dicom.retrieve.StoredInstanceFiles;
import org.onetrip.dicom.store.ImagingIndex.StoredInstance;
import org.onetrip.dicom.store.IndexUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * C-MOVE and C-GET over the regional index: the identifier names instances by the unique keys of its level (and a
 * PatientID stands for the caller's person, as in C-FIND), and each instance goes back as a C-STORE sub-operation:
 * to the move destination over a new association (C-MOVE), or over the caller's own association (C-GET). A pending
 * response with the counts follows each sub-operation; the final one says Success, or 0xB000 with the Failed SOP
 * Instance UID List when some failed.
 *
 * <p>A move destination must be an AE title of the region with an address, and of the caller's own institution:
 * images leave only toward the institution that asked for them.
 */
public final class RetrieveService {

	private static final Logger log = LoggerFactory.getLogger(RetrieveService.class);
	/** (0008,0058), not in PixelMed's TagFromName. */
	private static final AttributeTag FAILED_SOP_INSTANCE_UID_LIST = new AttributeTag(0x0008, 0x0058);

	static final Set<String> MOVE = Set.of(SOPClass.StudyRootQueryRetrieveInformationModelMove,
			SOPClass.PatientRootQueryRetrieveInformationModelMove);
	static final Set<String> GET = Set.of(SOPClass.StudyRootQueryRetrieveInformationModelGet,
			SOPClass.PatientRootQueryRetrieveInformationModelGet);

	private final RegionalQuery query;
	private final StoredInstanceFiles files;
	private final MoveDestinations destinations;
	private final String aeTitle;
	private final int maxInstances;

	/**
	 * @param aeTitle      the gateway's AE title, the calling AE of the move associations
	 * @param maxInstances a retrieval naming more instances than this is refused whole (not sent in part)
	 */
	public RetrieveService(RegionalQuery query, StoredInstanceFiles files, MoveDestinations destinations, String aeTitle,
			int maxInstances) {
		this.query = query;
		this.files = files;
		this.destinations = destinations;
		this.aeTitle = aeTitle;
		this.maxInstances = maxInstances;
	}

	/** What a retrieval request asked: the command it came in, to answer in kind. */
	record Request(Association association, byte context, int commandField, String sopClassUid, int messageId,
			AttributeList identifier, String hospital) {

		void respond(int status, String comment, Commands.SubOperations counts, AttributeList dataSet)
				throws DicomNetworkException, IOException {
			byte[] data = null;
			if (dataSet != null) {
				try {
					data = Commands.dataSet(dataSet, association.getTransferSyntaxForPresentationContextID(context));
				} catch (DicomException e) {
					throw new IOException("could not encode a retrieve response: " + e.getMessage(), e);
				}
			}
			association.send(context, Commands.response(commandField, sopClassUid, messageId, status, null, comment,
					data != null, counts), data);
		}
	}

	void move(Request request, String moveDestination) throws DicomNetworkException, IOException {
		String destinationAe = moveDestination == null ? "" : moveDestination.trim();
		Optional<MoveDestinations.Destination> destination = destinations.destination(destinationAe);
		if (destination.isEmpty() || !destination.get().institution().equals(request.hospital())) {
			String reason = destination.isEmpty() ? "move destination '" + destinationAe + "' is not a known AE of the region"
					: "move destination '" + destinationAe + "' belongs to another institution";
			log.warn("C-MOVE from {} refused: {}", request.hospital(), reason);
			request.respond(DimseStatus.MOVE_DESTINATION_UNKNOWN, reason, new Commands.SubOperations(-1, 0, 0, 0), null);
			return;
		}
		Optional<List<StoredInstance>> instances = instances(request);
		if (instances.isEmpty()) {
			return;
		}
		if (instances.get().isEmpty()) {
			request.respond(DimseStatus.SUCCESS, null, new Commands.SubOperations(-1, 0, 0, 0), null);
			return;
		}
		MoveDestinations.Destination to = destination.get();
		Association outbound;
		List<StoredInstanceFiles.Offer> offers = StoredInstanceFiles.offers(instances.get());
		try {
			outbound = AssociationFactory.createNewAssociation(to.host(), to.port(), to.aeTitle(), aeTitle,
					presentationContexts(offers), null, false);
			AssociationSockets.setTcpNoDelay(outbound);
		} catch (DicomNetworkException | IOException e) {
			log.warn("C-MOVE from {}: could not associate with {} at {}:{}: {}", request.hospital(), to.aeTitle(), to.host(),
					to.port(), e.getMessage());
			request.respond(DimseStatus.MOVE_OUT_OF_RESOURCES_SUBOPERATIONS,
					"cannot associate with " + to.aeTitle(), new Commands.SubOperations(-1, 0, 0, 0), null);
			return;
		}
		try {
			String originator = request.association().getCallingAETitle();
			run(request, instances.get(), instance -> files.send(outbound, instance, originator, request.messageId()));
		} finally {
			try {
				outbound.release();
			} catch (DicomNetworkException e) {
				log.debug("release of the move association to {} failed: {}", to.aeTitle(), e.getMessage());
			}
		}
	}

	void get(Request request) throws DicomNetworkException, IOException {
		Optional<List<StoredInstance>> instances = instances(request);
		if (instances.isEmpty()) {
			return;
		}
		run(request, instances.get(), instance -> files.send(request.association(), instance, null, 0));
	}

	/** The instances the identifier names, or empty after a failure response was sent. */
	private Optional<List<StoredInstance>> instances(Request request) throws DicomNetworkException, IOException {
		Map<QueryKey, String> keys = FindService.keys(request.identifier());
		String problem = identifierProblem(request, keys);
		if (problem != null) {
			request.respond(DimseStatus.IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS, problem, null, null);
			return Optional.empty();
		}
		List<StoredInstance> found;
		try {
			found = query.instances(keys, request.hospital(), maxInstances + 1);
		} catch (IndexUnavailableException e) {
			log.warn("retrieval from {} failed: {}", request.hospital(), e.getMessage());
			request.respond(DimseStatus.MOVE_OUT_OF_RESOURCES_SUBOPERATIONS, "the imaging index is unavailable", null, null);
			return Optional.empty();
		}
		if (found.size() > maxInstances) {
			request.respond(DimseStatus.MOVE_OUT_OF_RESOURCES_SUBOPERATIONS,
					"names more than " + maxInstances + " instances; retrieve by study or series", null, null);
			return Optional.empty();
		}
		return Optional.of(found);
	}

	/** The level and the unique key it needs (PS3.4 C.4.2.1.4); null when the identifier is usable. */
	private static String identifierProblem(Request request, Map<QueryKey, String> keys) {
		Optional<QueryLevel> level = QueryLevel.of(
				Attribute.getSingleStringValueOrNull(request.identifier(), TagFromName.QueryRetrieveLevel));
		if (level.isEmpty()) {
			return "QueryRetrieveLevel (0008,0052) missing or not PATIENT/STUDY/SERIES/IMAGE";
		}
		boolean studyRoot = request.sopClassUid().equals(SOPClass.StudyRootQueryRetrieveInformationModelMove)
				|| request.sopClassUid().equals(SOPClass.StudyRootQueryRetrieveInformationModelGet);
		if (level.get() == QueryLevel.PATIENT && studyRoot) {
			return "Study Root has no PATIENT level";
		}
		QueryKey unique = switch (level.get()) {
			case PATIENT -> QueryKey.PatientID;
			case STUDY -> QueryKey.StudyInstanceUID;
			case SERIES -> QueryKey.SeriesInstanceUID;
			case IMAGE -> QueryKey.SOPInstanceUID;
		};
		String value = keys.getOrDefault(unique, "");
		if (value.isEmpty() || value.contains("*") || value.contains("?")) {
			return unique.name() + " is required at " + level.get() + " level, without wildcards";
		}
		return null;
	}

	@FunctionalInterface
	private interface SubOperation {
		/** The C-STORE status the receiver answered (or a failure status when it could not be sent). */
		int store(StoredInstance instance) throws DicomNetworkException, IOException;
	}

	private void run(Request request, List<StoredInstance> instances, SubOperation subOperation)
			throws DicomNetworkException, IOException {
		int completed = 0;
		int warning = 0;
		List<String> failed = new ArrayList<>();
		for (int i = 0; i < instances.size(); i++) {
			StoredInstance instance = instances.get(i);
			int status = subOperation.store(instance);
			if (status == DimseStatus.SUCCESS) {
				completed++;
			} else if ((status & 0xF000) == 0xB000) {
				warning++;
			} else {
				failed.add(instance.sopInstanceUid());
			}
			int remaining = instances.size() - i - 1;
			if (remaining > 0) {
				request.respond(DimseStatus.PENDING, null,
						new Commands.SubOperations(remaining, completed, failed.size(), warning), null);
			}
		}
		Commands.SubOperations counts = new Commands.SubOperations(0, completed, failed.size(), warning);
		if (failed.isEmpty() && warning == 0) {
			request.respond(DimseStatus.SUCCESS, null, counts, null);
			return;
		}
		log.warn("retrieval for {}: {} of {} instances failed, {} with warnings", request.hospital(), failed.size(),
				instances.size(), warning);
		AttributeList failures = null;
		if (!failed.isEmpty()) {
			try {
				failures = new AttributeList();
				UniqueIdentifierAttribute list = new UniqueIdentifierAttribute(FAILED_SOP_INSTANCE_UID_LIST);
				for (String uid : failed) {
					list.addValue(uid);
				}
				failures.put(list);
			} catch (DicomException e) {
				failures = null;
			}
		}
		boolean nothingSent = completed == 0 && warning == 0;
		request.respond(nothingSent ? DimseStatus.MOVE_OUT_OF_RESOURCES_SUBOPERATIONS
				: DimseStatus.SUBOPERATIONS_COMPLETE_WITH_FAILURES,
				failed.size() + " of " + instances.size() + " sub-operations failed", counts, failures);
	}

	/** One context per SOP class and stored transfer syntax; uncompressed ones also offer the other uncompressed. */
	private static LinkedList<PresentationContext> presentationContexts(List<StoredInstanceFiles.Offer> offers) {
		LinkedList<PresentationContext> contexts = new LinkedList<>();
		int id = 1;
		for (StoredInstanceFiles.Offer offer : offers) {
			if (id > 255) {
				break; // PS3.8: at most 128 contexts; the instances left out fail as sub-operations
			}
			LinkedList<String> syntaxes = new LinkedList<>(offer.transferSyntaxes());
			contexts.add(new PresentationContext((byte) id, offer.sopClassUid(), syntaxes));
			id += 2;
		}
		return contexts;
	}
}
