package org.onetrip.server.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
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
		boolean crossHospital, String accessBasis) {

	/** {@link #accessBasis} of a read a practitioner made under a consult they took (the consult is among the entities). */
	public static final String CONSULT_ACCESS = "consultation";

	public AuditRecord {
		entities = List.copyOf(entities);
		patients = List.copyOf(patients);
	}

	public AuditRecord(Instant when, String kind, String action, String subtype, String agentSubject, String agentHospital,
			String networkAddress, String request, List<String> entities, List<String> patients, int status, String failure,
			boolean crossHospital) {
		this(when, kind, action, subtype, agentSubject, agentHospital, networkAddress, request, entities, patients, status, failure,
				crossHospital, null);
	}

	/** ISO-8601 times, so a file of these lines reads as it is; the outbox and a standalone gateway's file both use it. */
	private static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule())
			.disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();

	public boolean succeeded() {
		return failure == null && status < 400;
	}

	/** The record as one line of JSON (an audit outbox row, a line of a standalone gateway's audit file). */
	public String toJson() throws JsonProcessingException {
		return JSON.writeValueAsString(this);
	}

	public static AuditRecord fromJson(String json) throws JsonProcessingException {
		return JSON.readValue(json, AuditRecord.class);
	}
}
