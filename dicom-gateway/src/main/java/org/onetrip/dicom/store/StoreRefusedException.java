package org.onetrip.dicom.store;

/** An instance was not stored; the status and reason go back to the sender, nothing was kept. */
public final class StoreRefusedException extends Exception {

	private final int status;

	public StoreRefusedException(int status, String reason) {
		super(reason);
		this.status = status;
	}

	public StoreRefusedException(int status, String reason, Throwable cause) {
		super(reason, cause);
		this.status = status;
	}

	public int status() {
		return status;
	}
}
