package org.onetrip.server.dicomweb;

import java.util.List;
import java.util.Locale;
import org.onetrip.dicom.store.ImagingIndex.StoredInstance;
import org.springframework.http.HttpStatus;

/**
 * WADO-RS content negotiation: instances are served as stored, as {@code multipart/related; type="application/dicom"}
 * parts in their own transfer syntax, so an Accept header either admits that or is answered 406.
 */
final class DicomAccept {

	/** The transfer syntax of an Accept header that takes any. */
	static final String ANY_TRANSFER_SYNTAX = "*";

	private DicomAccept() {}

	/** @throws DicomWebRefusal 406 when the Accept header admits no DICOM media type, or a syntax one is not stored in */
	static void check(String accept, List<StoredInstance> instances) throws DicomWebRefusal {
		String wanted = acceptedTransferSyntax(accept);
		if (wanted == null) {
			throw new DicomWebRefusal(HttpStatus.NOT_ACCEPTABLE,
					"this resource is served as multipart/related; type=\"application/dicom\"");
		}
		if (wanted.equals(ANY_TRANSFER_SYNTAX)) {
			return;
		}
		for (StoredInstance instance : instances) {
			if (!instance.transferSyntaxUid().equals(wanted)) {
				throw new DicomWebRefusal(HttpStatus.NOT_ACCEPTABLE, "instance " + instance.sopInstanceUid() + " is stored as "
						+ instance.transferSyntaxUid() + " and OneTrip does not transcode; ask for transfer-syntax=*");
			}
		}
	}

	/**
	 * The transfer syntax asked for: {@link #ANY_TRANSFER_SYNTAX} (also when the Accept header allows anything), a UID,
	 * or null when the Accept header admits no DICOM media type at all.
	 */
	private static String acceptedTransferSyntax(String accept) {
		if (accept == null || accept.isBlank()) {
			return ANY_TRANSFER_SYNTAX;
		}
		for (String range : accept.split(",")) {
			String mediaType = range.split(";")[0].trim().toLowerCase(Locale.ROOT);
			if (mediaType.equals("*/*") || mediaType.equals("multipart/*")) {
				return ANY_TRANSFER_SYNTAX;
			}
			if (mediaType.equals("multipart/related") || mediaType.equals(MultipartRelated.DICOM)) {
				if (mediaType.equals("multipart/related") && !MultipartRelated.typeIsDicom(range)) {
					continue;
				}
				String syntax = MultipartRelated.parameter(range, "transfer-syntax");
				return syntax == null ? ANY_TRANSFER_SYNTAX : syntax.trim();
			}
		}
		return null;
	}
}
