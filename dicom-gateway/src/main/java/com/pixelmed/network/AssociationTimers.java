package com.pixelmed.network;

import java.lang.reflect.Field;

/**
 * PixelMed waits a fixed 5 s (its ARTIM) after an A-RELEASE before closing the connection, whether or not the peer
 * has long gone, and holds the association's thread all that time: every C-FIND client that opens an association per
 * query would leave a sleeping thread behind for 5 s. The peer closes its side as soon as it has the release
 * response (PS3.8 9.2.2), so a short wait is enough. The value is a private static with no setter, hence reflection.
 */
public final class AssociationTimers {

	private static final String FIELD = "associationReleaseToTransportConnectionCloseTimeoutInMilliseconds";

	private AssociationTimers() {}

	/** @return false when this PixelMed version has no such field (then its own wait stays) */
	public static boolean setReleaseToCloseMillis(int millis) {
		try {
			Field field = Association.class.getDeclaredField(FIELD);
			field.setAccessible(true);
			field.setInt(null, millis);
			return true;
		} catch (ReflectiveOperationException | RuntimeException e) {
			return false;
		}
	}
}
