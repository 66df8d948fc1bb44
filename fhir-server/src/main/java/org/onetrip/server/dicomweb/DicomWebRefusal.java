package org.onetrip.server.dicomweb;

import org.springframework.http.HttpStatus;

/** A DICOMweb request refused before it touched anything: the status to answer and the diagnostic for the caller. */
final class DicomWebRefusal extends Exception {

	private final HttpStatus status;

	DicomWebRefusal(HttpStatus status, String diagnostic) {
		super(diagnostic, null, false, false);
		this.status = status;
	}

	static DicomWebRefusal badRequest(String diagnostic) {
		return new DicomWebRefusal(HttpStatus.BAD_REQUEST, diagnostic);
	}

	HttpStatus status() {
		return status;
	}
}
