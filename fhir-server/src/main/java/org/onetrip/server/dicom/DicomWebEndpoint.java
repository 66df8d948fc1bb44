package org.onetrip.server.dicom;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Endpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.env.Environment;

/**
 * {@code Endpoint/onetrip-dicomweb}: the DICOMweb (WADO-RS) base every ImagingStudy of the gateway points at, so a
 * FHIR client (and a duplicate-exam card) finds the images from the study. Its address is
 * {@code onetrip.dicomweb.base-url} when set (the name clients use behind a proxy), else this server's own address;
 * written at every start, after the web server knows its port.
 */
public class DicomWebEndpoint implements ApplicationRunner {

	public static final String ID = "onetrip-dicomweb";
	private static final Logger log = LoggerFactory.getLogger(DicomWebEndpoint.class);

	private final DaoRegistry daoRegistry;
	private final Environment environment;

	public DicomWebEndpoint(DaoRegistry daoRegistry, Environment environment) {
		this.daoRegistry = daoRegistry;
		this.environment = environment;
	}

	@Override
	public void run(ApplicationArguments args) {
		String address = environment.getProperty("onetrip.dicomweb.base-url", "").trim();
		if (address.isEmpty()) {
			String host = environment.getProperty("server.address", "127.0.0.1");
			String port = environment.getProperty("local.server.port", environment.getProperty("server.port", "8080"));
			address = "http://" + host + ":" + port + "/dicomweb";
		}
		Endpoint endpoint = new Endpoint();
		endpoint.setId(ID);
		endpoint.setStatus(Endpoint.EndpointStatus.ACTIVE);
		endpoint.setConnectionType(new Coding("http://terminology.hl7.org/CodeSystem/endpoint-connection-type",
				"dicom-wado-rs", "DICOM WADO-RS"));
		endpoint.setName("OneTrip regional imaging (DICOMweb: QIDO-RS, WADO-RS, STOW-RS)");
		endpoint.addPayloadType().setText("DICOM");
		endpoint.addPayloadMimeType("application/dicom");
		endpoint.setAddress(address.replaceFirst("/+$", ""));
		daoRegistry.getResourceDao(Endpoint.class).update(endpoint, new SystemRequestDetails());
		log.info("DICOMweb endpoint: {}", endpoint.getAddress());
	}
}
