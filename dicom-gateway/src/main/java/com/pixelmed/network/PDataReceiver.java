package com.pixelmed.network;

/**
 * OneTrip's opening into PixelMed's association layer: {@link ReceivedDataHandler} (the callback for incoming
 * P-DATA PDUs) has a package-private constructor, so a handler outside this package cannot be written. This
 * subclass only makes the constructor public; OneTrip's own DIMSE loop ({@code org.onetrip.dicom.DimseAssociation})
 * extends it. It must stay in this package and on the same class loader as PixelMed (it is, in one jar set).
 */
public abstract class PDataReceiver extends ReceivedDataHandler {

	protected PDataReceiver() {
		super();
	}
}
