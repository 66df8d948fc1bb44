package org.onetrip.dicom;

import java.net.InetAddress;

/**
 * Where the gateway listens and under which AE title.
 *
 * @param port 0 picks a free port (tests); {@link DimseListener#port()} tells which
 * @param tls null for plain TCP; otherwise the port speaks DICOM over TLS only
 */
public record DicomGatewaySettings(String aeTitle, InetAddress bindAddress, int port, DicomTls tls) {

	public DicomGatewaySettings(String aeTitle, InetAddress bindAddress, int port) {
		this(aeTitle, bindAddress, port, null);
	}

	public DicomGatewaySettings {
		if (aeTitle == null || aeTitle.isBlank() || aeTitle.length() > 16) {
			throw new IllegalArgumentException("DICOM AE title must be 1-16 characters, was '" + aeTitle + "'");
		}
		if (port < 0 || port > 65535) {
			throw new IllegalArgumentException("DICOM port must be 0-65535, was " + port);
		}
	}
}
