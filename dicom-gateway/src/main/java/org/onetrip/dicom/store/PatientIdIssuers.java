package org.onetrip.dicom.store;

import java.util.Optional;

/**
 * Which identifier system a DICOM PatientID belongs to. Issuer of Patient ID (0010,0021) names it when present
 * (a hospital key, one of its AE titles, or the system URI itself); otherwise the sending hospital's MRN system.
 */
public interface PatientIdIssuers {

	/** The MRN system of a region hospital (by key). */
	String mrnSystem(String hospitalKey);

	/** The system an Issuer of Patient ID value stands for, when the region knows it. */
	Optional<String> systemOfIssuer(String issuerOfPatientId);

	/**
	 * The key for a PatientID. An issuer the region does not know gets a system of its own, so two unknown
	 * issuers' equal PatientIDs are never taken for one person.
	 */
	default PatientKey keyFor(String patientId, String issuerOfPatientId, String sendingHospital) {
		if (issuerOfPatientId == null || issuerOfPatientId.isBlank()) {
			return new PatientKey(mrnSystem(sendingHospital), patientId);
		}
		String system = systemOfIssuer(issuerOfPatientId.trim())
				.orElse("urn:onetrip:dicom-issuer:" + issuerOfPatientId.trim());
		return new PatientKey(system, patientId);
	}
}
