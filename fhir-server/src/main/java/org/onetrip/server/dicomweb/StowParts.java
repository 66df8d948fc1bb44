package org.onetrip.server.dicomweb;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.TagFromName;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.onetrip.dicom.DimseStatus;
import org.onetrip.dicom.store.StorageService;
import org.onetrip.dicom.store.StoreRefusedException;
import org.springframework.http.HttpStatus;

/**
 * STOW-RS: each part of a {@code multipart/related} body streamed to an incoming file, then stored through the same
 * path as a C-STORE (on disk, synced, indexed). A part that cannot be stored is refused on its own, with the reason a
 * C-STORE would give; the others are stored.
 */
final class StowParts {

	private static final int BUFFER = 256 * 1024;

	/** What one request stored (Referenced SOP Sequence items) and refused (Failed SOP Sequence items). */
	record Outcome(ArrayNode referenced, ArrayNode failed) {

		/** 200 all stored, 202 some, 409 none. */
		HttpStatus status() {
			return failed.isEmpty() ? HttpStatus.OK : referenced.isEmpty() ? HttpStatus.CONFLICT : HttpStatus.ACCEPTED;
		}
	}

	private final StorageService storage;
	private final DicomJson dicomJson;

	StowParts(StorageService storage, DicomJson dicomJson) {
		this.storage = storage;
		this.dicomJson = dicomJson;
	}

	/** @throws DicomWebRefusal 415 unless the body is {@code multipart/related} of DICOM parts with a boundary */
	static String boundary(String contentType) throws DicomWebRefusal {
		String boundary = MultipartRelated.parameter(contentType, "boundary");
		if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/related") || boundary == null
				|| !MultipartRelated.typeIsDicom(contentType)) {
			throw new DicomWebRefusal(HttpStatus.UNSUPPORTED_MEDIA_TYPE,
					"STOW-RS takes multipart/related; type=\"application/dicom\"; boundary=...; got " + contentType);
		}
		return boundary;
	}

	/**
	 * Stores every part of the body.
	 *
	 * @param sender the hospital whose PatientIDs these are
	 * @param study the study the URL names, or null; instances of another study are refused
	 * @throws DicomWebRefusal 400 when the body holds no part at all
	 */
	Outcome store(InputStream body, String boundary, String sender, String study, RetrieveUrls urls)
			throws IOException, DicomWebRefusal {
		Outcome outcome = new Outcome(dicomJson.newArray(), dicomJson.newArray());
		MultipartRelated parts = new MultipartRelated(new BufferedInputStream(body, BUFFER), boundary);
		int partNumber = 0;
		StorageService.Sending sending = storage.sending(sender);
		try {
			boolean more = parts.start();
			while (more) {
				partNumber++;
				Map<String, String> headers = parts.headers();
				Path incoming = storage.files().newIncomingFile();
				try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(incoming), BUFFER)) {
					more = parts.body(out);
				}
				storePart(incoming, headers, partNumber, sending, study, urls, outcome);
			}
		} catch (MultipartRelated.MalformedException e) {
			if (partNumber == 0) {
				throw DicomWebRefusal.badRequest("the body is not multipart/related: " + e.getMessage());
			}
			outcome.failed().add(dicomJson.failedInstance(null, null, DimseStatus.CANNOT_UNDERSTAND,
					"part " + partNumber + ": " + e.getMessage()));
		}
		// The request is the sender's say on these studies: those it sent whole need not wait for more.
		sending.done();
		if (partNumber == 0) {
			throw DicomWebRefusal.badRequest("the body holds no part");
		}
		return outcome;
	}

	private void storePart(Path incoming, Map<String, String> headers, int partNumber, StorageService.Sending sending,
			String study, RetrieveUrls urls, Outcome outcome) {
		String partType = headers.getOrDefault("content-type", MultipartRelated.DICOM);
		if (!partType.toLowerCase(Locale.ROOT).startsWith(MultipartRelated.DICOM)) {
			refuse(incoming, outcome, null, null, DimseStatus.DATA_SET_DOES_NOT_MATCH_SOP_CLASS,
					"part " + partNumber + " is " + partType + ", not application/dicom");
			return;
		}
		AttributeList meta = new AttributeList();
		try {
			meta.read(incoming.toFile(), TagFromName.SeriesInstanceUID);
		} catch (IOException | DicomException | RuntimeException e) {
			refuse(incoming, outcome, null, null, DimseStatus.CANNOT_UNDERSTAND,
					"part " + partNumber + " is not a DICOM Part 10 file: " + e.getMessage());
			return;
		}
		String transferSyntax = Attribute.getSingleStringValueOrEmptyString(meta, TagFromName.TransferSyntaxUID).trim();
		String sopClass = Attribute.getSingleStringValueOrEmptyString(meta, TagFromName.SOPClassUID).trim();
		String sopInstance = Attribute.getSingleStringValueOrEmptyString(meta, TagFromName.SOPInstanceUID).trim();
		String studyUid = Attribute.getSingleStringValueOrEmptyString(meta, TagFromName.StudyInstanceUID).trim();
		if (transferSyntax.isEmpty()) {
			refuse(incoming, outcome, sopClass, sopInstance, DimseStatus.CANNOT_UNDERSTAND,
					"part " + partNumber + " has no Part 10 meta header (no transfer syntax)");
			return;
		}
		if (study != null && !study.equals(studyUid)) {
			// PS3.18: an instance not of the study in the URL is refused with this reason.
			refuse(incoming, outcome, sopClass, sopInstance, 0xA900, "instance of study " + studyUid + ", not " + study);
			return;
		}
		try {
			StorageService.Stored stored = sending.store(incoming, null, transferSyntax);
			outcome.referenced().add(dicomJson.referencedInstance(stored.header().sopClassUid(),
					stored.header().sopInstanceUid(), urls.instance(stored.header().studyInstanceUid(),
							stored.header().seriesInstanceUid(), stored.header().sopInstanceUid())));
		} catch (StoreRefusedException refused) {
			outcome.failed().add(dicomJson.failedInstance(sopClass, sopInstance, refused.status(), refused.getMessage()));
		}
	}

	/** A part refused before it was stored: its file goes, its Failed SOP Sequence item says why. */
	private void refuse(Path incoming, Outcome outcome, String sopClass, String sopInstance, int reason, String text) {
		storage.files().discard(incoming);
		outcome.failed().add(dicomJson.failedInstance(sopClass, sopInstance, reason, text));
	}
}
