package com.pixelmed.network;

import java.net.SocketException;

/**
 * Reaches the socket of an association PixelMed opened itself (as initiator, for C-MOVE sub-operations): it never
 * sets TCP_NODELAY, and without it each C-STORE waits ~45 ms for Nagle's algorithm. In PixelMed's package because
 * the socket is a protected field.
 */
public final class AssociationSockets {

	private AssociationSockets() {}

	public static void setTcpNoDelay(Association association) throws SocketException {
		association.socket.setTcpNoDelay(true);
	}

	/** A read that waits longer than this fails (PixelMed sets none: a peer that never answers would hold its thread). */
	public static void setReadTimeout(Association association, int millis) throws SocketException {
		association.socket.setSoTimeout(millis);
	}
}
