package org.onetrip.dicom;

import com.pixelmed.network.PresentationContext;
import com.pixelmed.network.PresentationContextSelectionPolicy;
import java.util.LinkedList;
import java.util.List;

/**
 * Accepts the Verification SOP Class (C-ECHO) and refuses every other abstract syntax with
 * "abstract-syntax-not-supported", so nothing can be stored before storage that loses nothing exists.
 */
final class VerificationOnlyPolicy implements PresentationContextSelectionPolicy {

	static final String VERIFICATION = "1.2.840.10008.1.1";
	private static final String EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1";
	private static final String IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2";
	private static final byte ACCEPTANCE = 0;
	private static final byte ABSTRACT_SYNTAX_NOT_SUPPORTED = 3;
	private static final byte TRANSFER_SYNTAXES_NOT_SUPPORTED = 4;

	@Override
	public LinkedList applyPresentationContextSelectionPolicy(LinkedList contexts, int associationNumber, int debugLevel) {
		return applyPresentationContextSelectionPolicy(contexts, associationNumber);
	}

	@Override
	@SuppressWarnings({"rawtypes", "unchecked"})
	public LinkedList applyPresentationContextSelectionPolicy(LinkedList contexts, int associationNumber) {
		for (Object o : contexts) {
			PresentationContext context = (PresentationContext) o;
			if (!VERIFICATION.equals(context.getAbstractSyntaxUID())) {
				context.setResultReason(ABSTRACT_SYNTAX_NOT_SUPPORTED);
				context.newTransferSyntaxUIDs();
				context.addTransferSyntaxUID(IMPLICIT_VR_LITTLE_ENDIAN);
				continue;
			}
			List proposed = context.getTransferSyntaxUIDs();
			String chosen = proposed.contains(EXPLICIT_VR_LITTLE_ENDIAN) ? EXPLICIT_VR_LITTLE_ENDIAN
					: proposed.contains(IMPLICIT_VR_LITTLE_ENDIAN) ? IMPLICIT_VR_LITTLE_ENDIAN : null;
			context.newTransferSyntaxUIDs();
			context.addTransferSyntaxUID(chosen == null ? IMPLICIT_VR_LITTLE_ENDIAN : chosen);
			context.setResultReason(chosen == null ? TRANSFER_SYNTAXES_NOT_SUPPORTED : ACCEPTANCE);
		}
		return contexts;
	}
}
