package org.onetrip.server.fhirstore;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.ServiceRequest;

/**
 * The few FHIR reads and writes that resolving people and keeping imaging in step need, so the same code runs
 * inside the server (over HAPI's DAOs, {@link DaoFhirStore}) and in a standalone DICOM gateway next to a hospital
 * PACS (over REST, {@link RestFhirStore}).
 */
public interface FhirStore {

	/** Patients holding any of these identifiers. */
	List<Patient> patientsWithIdentifiers(Collection<Identifier> identifiers);

	Optional<Patient> patient(String id);

	/**
	 * Creates the Patient unless one matches {@code ifNoneExist} (a search like {@code identifier=system|value});
	 * returns the id of the one created or found.
	 */
	String createPatient(Patient patient, String ifNoneExist);

	/** ServiceRequests with this identifier value, whatever its system. */
	List<ServiceRequest> serviceRequestsWithIdentifier(String value);

	/** Creates or replaces the ImagingStudy under its id. */
	void putImagingStudy(ImagingStudy study);

	/** A FHIR transaction: every entry is stored, or none is; the response Bundle has one entry per request entry. */
	Bundle transaction(Bundle transaction);
}
