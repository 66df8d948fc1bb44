package org.onetrip.dicom.store;

import java.util.Optional;
import java.util.Set;

/**
 * The regional patient register as the gateway sees it (implemented over FHIR by the server). The gateway never
 * decides who is the same person; it asks here.
 */
public interface PatientDirectory {

	/** Demographics from the DICOM header, used only when the Patient has to be created (by the FHIR sync). */
	record Demographics(String dicomName, String birthDate, String sex) {}

	/**
	 * The regional Patient holding this identifier, if there is one; never makes one. What a C-STORE asks: the
	 * Patient of a new PatientID is made by the FHIR sync, off the storage path.
	 */
	Optional<String> existing(PatientKey key);

	/** Every Patient id of the person known under this identifier (other hospitals' records included); empty if none. */
	Set<String> samePerson(PatientKey key);
}
