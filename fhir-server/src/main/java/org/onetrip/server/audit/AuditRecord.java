package org.onetrip.server.audit;

import java.time.Instant;
import java.util.List;

/**
 * One thing that happened, as OneTrip audits it (IHE BALP style): who did what to which records of which
 * patients, from where, and how it ended.
 *
 * @param kind the interaction: rest (a FHIR request), cds-hook, dicom-association, dicomweb, login
 * @param action C R U D E (FHIR AuditEvent.action)
 * @param subtype what exactly: create, read, search-type, transaction, $check-in, order-sign, C-STORE ...
 * @param agentSubject who (token subject, AE title), @param agentHospital their hospital key or null
 * @param entities the records touched ("Patient/1", "DiagnosticReport/7"); @param patients their patients
 * @param status HTTP status or DICOM status class; @param failure why it failed, or null
 * @param crossHospital read of another hospital's records (purpose of use: treatment)
 */
public record AuditRecord(Instant when, String kind, String action, String subtype, String agentSubject, String agentHospital,
		String networkAddress, String request, List<String> entities, List<String> patients, int status, String failure,
		boolean crossHospital) {

	public AuditRecord {
		entities = List.copyOf(entities);
		patients = List.copyOf(patients);
	}

	public boolean succeeded() {
		return failure == null && status < 400;
	}
}
