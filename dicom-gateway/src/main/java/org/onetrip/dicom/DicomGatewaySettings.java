package org.onetrip.dicom;

import java.net.InetAddress;

/**
 * Where the gateway listens and under which AE title.
 *
 * @param port 0 picks a free port (tests); {@link DimseListener#port()} tells which
 */
public record DicomGatewaySettings(String aeTitle, InetAddress bindAddress, int port) {

	public DicomGatewaySettings {
		if (aeTitle == null || aeTitle.isBlank() || aeTitle.length() > 16) {
			throw new IllegalArgumentException("DICOM AE title must be 1-16 characters, was '" + aeTitle + "'");
		}
		if (port < 0 || port > 65535) {
			throw new IllegalArgumentException("DICOM port must be 0-65535, was " + port);
		}
	}
}
