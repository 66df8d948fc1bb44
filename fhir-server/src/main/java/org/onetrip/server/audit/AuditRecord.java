package org.onetrip.server.audit;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
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

	/** ISO-8601 times, so a file of these lines reads as it is; the audit table and a standalone gateway's file both use it. */
	private static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule())
			.disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();

	public boolean succeeded() {
		return failure == null && status < 400;
	}

	/**
	 * The record as one line of JSON (an audit table row, a line of a standalone gateway's audit file), the fields as
	 * {@link #fromJson} reads them. Written field by field: every audited request makes one, and the mapper's
	 * reflective record serialiser took ~5 % of a booking storm's request CPU (bench/HISTORY.md, 2026-12-04 stop 43).
	 */
	public String toJson() throws JsonProcessingException {
		StringWriter line = new StringWriter(320);
		try (JsonGenerator json = JSON.getFactory().createGenerator(line)) {
			json.writeStartObject();
			json.writeStringField("when", when == null ? null : when.toString()); // ISO-8601, as the mapper writes an Instant
			json.writeStringField("kind", kind);
			json.writeStringField("action", action);
			json.writeStringField("subtype", subtype);
			json.writeStringField("agentSubject", agentSubject);
			json.writeStringField("agentHospital", agentHospital);
			json.writeStringField("networkAddress", networkAddress);
			json.writeStringField("request", request);
			writeList(json, "entities", entities);
			writeList(json, "patients", patients);
			json.writeNumberField("status", status);
			json.writeStringField("failure", failure);
			json.writeBooleanField("crossHospital", crossHospital);
			json.writeStringField("accessBasis", accessBasis);
			json.writeEndObject();
		} catch (JsonProcessingException e) {
			throw e;
		} catch (IOException e) {
			throw new UncheckedIOException(e); // a StringWriter does not fail
		}
		return line.toString();
	}

	private static void writeList(JsonGenerator json, String name, List<String> values) throws IOException {
		json.writeArrayFieldStart(name);
		for (String value : values) {
			json.writeString(value);
		}
		json.writeEndArray();
	}

	public static AuditRecord fromJson(String json) throws JsonProcessingException {
		return JSON.readValue(json, AuditRecord.class);
	}
}
