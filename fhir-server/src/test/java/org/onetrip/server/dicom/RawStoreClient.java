package org.onetrip.server.dicom;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.DicomOutputStream;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TransferSyntax;
import com.pixelmed.network.Association;
import com.pixelmed.network.AssociationFactory;
import com.pixelmed.network.CStoreRequestCommandMessage;
import com.pixelmed.network.CompositeResponseHandler;
import com.pixelmed.network.PresentationContext;
import java.io.ByteArrayOutputStream;
import java.util.LinkedList;

/**
 * A C-STORE client that sends whatever bytes it is given as the data set (dcmtk's storescu refuses to send a
 * broken file, so it cannot test how the gateway answers one). Returns the DIMSE status of the response.
 */
public final class RawStoreClient {

	private RawStoreClient() {}

	public static byte[] dataSetBytes(AttributeList list) throws Exception {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		AttributeList withoutMeta = new AttributeList();
		for (Object o : list.values()) {
			Attribute a = (Attribute) o;
			if (a.getTag().getGroup() != 0x0002) {
				withoutMeta.put(a);
			}
		}
		DicomOutputStream out = new DicomOutputStream(bytes, null, TransferSyntax.ExplicitVRLittleEndian);
		withoutMeta.write(out);
		out.flush();
		return bytes.toByteArray();
	}

	public static int store(int port, String callingAe, String sopClassUid, String sopInstanceUid, byte[] dataSet)
			throws Exception {
		LinkedList<PresentationContext> contexts = new LinkedList<>();
		contexts.add(new PresentationContext((byte) 1, sopClassUid, TransferSyntax.ExplicitVRLittleEndian));
		Association association = AssociationFactory.createNewAssociation("127.0.0.1", port, "ONETRIP", callingAe,
				contexts, null, false);
		try {
			byte context = association.getSuitablePresentationContextID(sopClassUid);
			association.send(context, new CStoreRequestCommandMessage(sopClassUid, sopInstanceUid).getBytes(), dataSet);
			CompositeResponseHandler response = new CompositeResponseHandler() {
				@Override
				protected void evaluateStatusAndSetSuccess(AttributeList command) {
					status = Attribute.getSingleIntegerValueOrDefault(command, TagFromName.Status, -1);
					success = status == 0;
					setDone(true);
				}
			};
			association.setReceivedDataHandler(response);
			association.waitForCommandPDataPDUs();
			return response.getStatus();
		} finally {
			association.release();
		}
	}
}
