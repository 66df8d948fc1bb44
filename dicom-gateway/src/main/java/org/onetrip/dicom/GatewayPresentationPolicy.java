package org.onetrip.dicom;

import com.pixelmed.dicom.SOPClass;
import com.pixelmed.dicom.TransferSyntax;
import com.pixelmed.network.PresentationContext;
import com.pixelmed.network.PresentationContextSelectionPolicy;
import java.util.LinkedList;
import java.util.List;
import java.util.Set;

/**
 * Which presentation contexts the gateway accepts: Verification, every standard storage SOP class in any of the
 * common transfer syntaxes (the proposer's first choice wins; compressed data is stored as received), and the
 * Patient Root and Study Root C-FIND, C-MOVE and C-GET models in the uncompressed little-endian syntaxes.
 * A C-GET caller proposes the storage classes it takes with the SCP role; PixelMed's acceptor grants the roles
 * asked for, and the storage contexts here carry the sub-operations back.
 */
final class GatewayPresentationPolicy implements PresentationContextSelectionPolicy {

	private static final byte ACCEPTANCE = 0;
	private static final byte ABSTRACT_SYNTAX_NOT_SUPPORTED = 3;
	private static final byte TRANSFER_SYNTAXES_NOT_SUPPORTED = 4;

	static final Set<String> QUERY_RETRIEVE = Set.of(
			SOPClass.StudyRootQueryRetrieveInformationModelFind, SOPClass.PatientRootQueryRetrieveInformationModelFind,
			SOPClass.StudyRootQueryRetrieveInformationModelMove, SOPClass.PatientRootQueryRetrieveInformationModelMove,
			SOPClass.StudyRootQueryRetrieveInformationModelGet, SOPClass.PatientRootQueryRetrieveInformationModelGet);

	private static final List<String> UNCOMPRESSED = List.of(TransferSyntax.ExplicitVRLittleEndian,
			TransferSyntax.ImplicitVRLittleEndian);

	private static final Set<String> STORABLE = Set.of(
			TransferSyntax.ExplicitVRLittleEndian, TransferSyntax.ImplicitVRLittleEndian,
			TransferSyntax.ExplicitVRBigEndian, TransferSyntax.DeflatedExplicitVRLittleEndian,
			TransferSyntax.JPEGBaseline, TransferSyntax.JPEGExtended, TransferSyntax.JPEGLossless,
			TransferSyntax.JPEGLosslessSV1, TransferSyntax.JPEGLS, TransferSyntax.JPEGNLS,
			TransferSyntax.JPEG2000Lossless, TransferSyntax.JPEG2000, TransferSyntax.RLE,
			TransferSyntax.MPEG2MPML, TransferSyntax.MPEG2MPHL, TransferSyntax.MPEG4HP41, TransferSyntax.MPEG4HP41BD);

	static boolean isStorage(String sopClassUid) {
		return SOPClass.isImageStorage(sopClassUid) || SOPClass.isNonImageStorage(sopClassUid);
	}

	@Override
	public LinkedList applyPresentationContextSelectionPolicy(LinkedList contexts, int associationNumber, int debugLevel) {
		return applyPresentationContextSelectionPolicy(contexts, associationNumber);
	}

	@Override
	@SuppressWarnings({"rawtypes", "unchecked"})
	public LinkedList applyPresentationContextSelectionPolicy(LinkedList contexts, int associationNumber) {
		for (Object o : contexts) {
			PresentationContext context = (PresentationContext) o;
			String abstractSyntax = context.getAbstractSyntaxUID();
			List<String> proposed = context.getTransferSyntaxUIDs();
			String chosen = null;
			boolean known = true;
			if (SOPClass.Verification.equals(abstractSyntax) || QUERY_RETRIEVE.contains(abstractSyntax)) {
				chosen = UNCOMPRESSED.stream().filter(proposed::contains).findFirst().orElse(null);
			} else if (isStorage(abstractSyntax)) {
				chosen = proposed.stream().filter(STORABLE::contains).findFirst().orElse(null);
			} else {
				known = false;
			}
			context.newTransferSyntaxUIDs();
			context.addTransferSyntaxUID(chosen == null ? TransferSyntax.ImplicitVRLittleEndian : chosen);
			context.setResultReason(!known ? ABSTRACT_SYNTAX_NOT_SUPPORTED
					: chosen == null ? TRANSFER_SYNTAXES_NOT_SUPPORTED : ACCEPTANCE);
		}
		return contexts;
	}
}
