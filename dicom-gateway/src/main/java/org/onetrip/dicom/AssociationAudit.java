package org.onetrip.dicom;

import java.time.Instant;
import java.util.Set;

/**
 * Told of every DICOM association when it is over, accepted or rejected: who called, from where, what they did,
 * which studies they sent. The server turns it into an AuditEvent; the gateway itself knows nothing of FHIR.
 */
@FunctionalInterface
public interface AssociationAudit {

	AssociationAudit NONE = association -> { };

	/**
	 * @param hospital the calling AE's hospital, null when the association was rejected for an unknown AE
	 * @param rejection why the association was refused, or null; @param failure how an accepted one broke off, or null
	 * @param commands how many of each DIMSE command were answered ("C-STORE" -> 12)
	 * @param storedStudies Study Instance UIDs of the instances it stored
	 * @param storedPatients PatientID values of those instances (as the sender named them)
	 */
	record Association(Instant started, Instant ended, String callingAe, String calledAe, String hospital, String peer,
			String rejection, String failure, java.util.Map<String, Integer> commands, Set<String> storedStudies,
			Set<String> storedPatients) {}

	void associationEnded(Association association);
}
