package org.onetrip.server.storage;

/** OneTrip's database could not be started or reached at start; the message names the cause and what to do. */
public class StorageStartException extends RuntimeException {

	public StorageStartException(String message) {
		super(message);
	}

	public StorageStartException(String message, Throwable cause) {
		super(message, cause);
	}
}
