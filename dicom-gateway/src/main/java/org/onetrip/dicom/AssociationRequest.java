package org.onetrip.dicom;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The first PDU of an association (A-ASSOCIATE-RQ, PS3.8 9.3.2), read before PixelMed sees the socket so
 * that OneTrip decides who may associate. The raw bytes are kept to be replayed to PixelMed.
 */
record AssociationRequest(String calledAeTitle, String callingAeTitle, byte[] rawPdu) {

	static final int A_ASSOCIATE_RQ = 0x01;
	private static final int A_ASSOCIATE_RJ = 0x03;
	/** Far above any real A-ASSOCIATE-RQ; a bigger length is garbage or an attack, not a peer. */
	private static final int MAX_REQUEST_LENGTH = 64 * 1024;

	static AssociationRequest read(InputStream in) throws IOException {
		DataInputStream data = new DataInputStream(in);
		byte[] header = new byte[6];
		data.readFully(header);
		if ((header[0] & 0xff) != A_ASSOCIATE_RQ) {
			throw new IOException("first PDU is type 0x" + Integer.toHexString(header[0] & 0xff) + ", not A-ASSOCIATE-RQ");
		}
		long length = ((header[2] & 0xffL) << 24) | ((header[3] & 0xffL) << 16) | ((header[4] & 0xffL) << 8) | (header[5] & 0xffL);
		if (length < 68 || length > MAX_REQUEST_LENGTH) {
			throw new IOException("A-ASSOCIATE-RQ length " + length + " is out of range");
		}
		byte[] pdu = new byte[6 + (int) length];
		System.arraycopy(header, 0, pdu, 0, 6);
		try {
			data.readFully(pdu, 6, (int) length);
		} catch (EOFException e) {
			throw new IOException("A-ASSOCIATE-RQ truncated", e);
		}
		// After the 6-byte header: protocol version (2), reserved (2), called AE (16), calling AE (16).
		String called = new String(pdu, 10, 16, StandardCharsets.US_ASCII).trim();
		String calling = new String(pdu, 26, 16, StandardCharsets.US_ASCII).trim();
		return new AssociationRequest(called, calling, pdu);
	}

	/** PS3.8 Table 9-21 reasons given by the DICOM UL service-user. */
	enum RejectReason {
		NO_REASON(1),
		CALLING_AE_NOT_RECOGNIZED(3),
		CALLED_AE_NOT_RECOGNIZED(7);

		final int code;

		RejectReason(int code) {
			this.code = code;
		}
	}

	/** Sends A-ASSOCIATE-RJ: rejected-permanent, by the service-user, for this reason. */
	static void reject(OutputStream out, RejectReason reason) throws IOException {
		out.write(new byte[] {A_ASSOCIATE_RJ, 0, 0, 0, 0, 4, 0, 1, 1, (byte) reason.code});
		out.flush();
	}
}
