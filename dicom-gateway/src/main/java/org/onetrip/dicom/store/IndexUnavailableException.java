package org.onetrip.dicom.store;

/** The imaging index could not be read or written: DICOM answers "out of resources", HTTP 503. */
public final class IndexUnavailableException extends RuntimeException {
	public IndexUnavailableException(String message, Throwable cause) {
		super(message, cause);
	}
}
