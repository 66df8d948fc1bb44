package org.onetrip.server.inputcheck;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.io.ByteArrayInputStream;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * An XML body must be FHIR: its root element in the namespace {@value #FHIR_NAMESPACE}. HAPI's XML parser reads
 * a {@code <Patient>} of any namespace as a FHIR Patient, so XML that merely looks alike would be stored; this
 * refuses it with 400 before anything is parsed into a resource. The check reads only up to the root element,
 * with DTDs and external entities off.
 */
@Interceptor
public class XmlNamespaceCheck {

	static final String FHIR_NAMESPACE = "http://hl7.org/fhir";
	private static final XMLInputFactory XML = XMLInputFactory.newFactory();

	static {
		XML.setProperty(XMLInputFactory.SUPPORT_DTD, false);
		XML.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
	}

	@Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
	public boolean bodyArrived(RequestDetails request) {
		String contentType = request.getHeader("Content-Type");
		if (contentType == null || !contentType.toLowerCase(java.util.Locale.ROOT).contains("xml")) {
			return true;
		}
		byte[] body = request.loadRequestContents();
		if (body == null || body.length == 0) {
			return true;
		}
		try {
			XMLStreamReader reader = XML.createXMLStreamReader(new ByteArrayInputStream(body));
			try {
				while (reader.hasNext()) {
					if (reader.next() == XMLStreamConstants.START_ELEMENT) {
						if (!FHIR_NAMESPACE.equals(reader.getNamespaceURI())) {
							throw new InvalidRequestException("The XML root element <" + reader.getLocalName() + "> is in namespace '"
									+ (reader.getNamespaceURI() == null ? "" : reader.getNamespaceURI()) + "', not " + FHIR_NAMESPACE
									+ ": this is not FHIR XML");
						}
						return true;
					}
				}
			} finally {
				reader.close();
			}
		} catch (XMLStreamException e) {
			return true; // not well-formed: HAPI's parser refuses it with the details
		}
		return true;
	}
}
