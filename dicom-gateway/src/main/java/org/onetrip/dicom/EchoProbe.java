package org.onetrip.dicom;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.SOPClass;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TransferSyntax;
import com.pixelmed.network.AReleaseException;
import com.pixelmed.network.Association;
import com.pixelmed.network.AssociationFactory;
import com.pixelmed.network.AssociationSockets;
import com.pixelmed.network.CEchoRequestCommandMessage;
import com.pixelmed.network.CompositeResponseHandler;
import com.pixelmed.network.DicomNetworkException;
import com.pixelmed.network.PresentationContext;
import java.io.IOException;
import java.util.LinkedList;

/**
 * C-ECHO as a client: is a DICOM node there, does it accept OneTrip's association and answer, and how fast. The
 * region console shows it for every hospital's PACS (server: dicom/DicomNodes). TCP_NODELAY as on every OneTrip socket.
 */
public final class EchoProbe {

	/** @param failure why it did not answer Success (refused association, no route, a status), or null */
	public record Result(boolean answered, long millis, String failure) {}

	private EchoProbe() {}

	/** How long a probe waits to connect, and then for each answer: a node that does not answer in this is down. */
	public static final int TIMEOUT_MILLIS = 3000;

	public static Result echo(String host, int port, String calledAe, String callingAe) {
		long started = System.nanoTime();
		Association association = null;
		// PixelMed connects without a timeout: a host that drops packets would hold the thread for minutes. Try first.
		try (java.net.Socket probe = new java.net.Socket()) {
			probe.connect(new java.net.InetSocketAddress(host, port), TIMEOUT_MILLIS);
		} catch (IOException e) {
			return new Result(false, (System.nanoTime() - started) / 1_000_000, "cannot connect: " + e.getMessage());
		}
		try {
			LinkedList<PresentationContext> contexts = new LinkedList<>();
			contexts.add(new PresentationContext((byte) 1, SOPClass.Verification, TransferSyntax.ImplicitVRLittleEndian));
			association = AssociationFactory.createNewAssociation(host, port, calledAe, callingAe, contexts, null, false);
			AssociationSockets.setTcpNoDelay(association);
			AssociationSockets.setReadTimeout(association, TIMEOUT_MILLIS);
			byte context = association.getSuitablePresentationContextID(SOPClass.Verification);
			EchoResponse response = new EchoResponse();
			association.setReceivedDataHandler(response);
			association.send(context, new CEchoRequestCommandMessage().getBytes(), null);
			association.waitForCommandPDataPDUs();
			association.release();
			association = null;
			long millis = (System.nanoTime() - started) / 1_000_000;
			return response.status == DimseStatus.SUCCESS ? new Result(true, millis, null)
					: new Result(false, millis, "answered status 0x" + Integer.toHexString(response.status));
		} catch (AReleaseException released) {
			return new Result(false, (System.nanoTime() - started) / 1_000_000, "released the association instead of answering");
		} catch (DicomNetworkException | IOException | DicomException e) {
			return new Result(false, (System.nanoTime() - started) / 1_000_000, e.getMessage() == null ? e.toString() : e.getMessage());
		} finally {
			if (association != null) {
				try {
					association.abort();
				} catch (DicomNetworkException ignored) {
					// gone already
				}
			}
		}
	}

	private static final class EchoResponse extends CompositeResponseHandler {
		int status = DimseStatus.UNABLE_TO_PROCESS;

		@Override
		protected void evaluateStatusAndSetSuccess(AttributeList command) {
			status = Attribute.getSingleIntegerValueOrDefault(command, TagFromName.Status, DimseStatus.UNABLE_TO_PROCESS);
			success = status == DimseStatus.SUCCESS;
			setDone(true);
		}
	}
}
