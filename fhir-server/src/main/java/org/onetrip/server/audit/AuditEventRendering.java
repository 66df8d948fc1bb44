package org.onetrip.server.audit;

import ca.uhn.fhir.context.FhirContext;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Reference;
import org.onetrip.server.hapi.StoredResources;
import org.onetrip.server.region.RegionDirectory;

/**
 * Makes the FHIR AuditEvent of a stored audit event (IHE BALP style): the caller as the requesting agent, their
 * hospital as a second agent, the patients and records touched as entities, and for a search the request itself.
 */
public class AuditEventRendering {

	static final String DCM = "http://dicom.nema.org/resources/ontology/DCM";

	private final RegionDirectory directory;
	private final StoredResources storedResources;
	private final FhirContext fhirContext;

	public AuditEventRendering(RegionDirectory directory, StoredResources storedResources, FhirContext fhirContext) {
		this.directory = directory;
		this.storedResources = storedResources;
		this.fhirContext = fhirContext;
	}

	/**
	 * The AuditEvents of these rows, in their order. A refused create (a full slot's Appointment, say) or a delete
	 * names a resource that is not stored now: those names are shown as identifiers, not as references that lead
	 * nowhere, decided for the whole page in one look-up.
	 */
	List<AuditEvent> render(List<AuditEventStore.Row> rows) {
		Set<String> doubtful = new HashSet<>();
		for (AuditEventStore.Row row : rows) {
			if (row.record() != null && (!row.record().succeeded() || "D".equals(row.record().action()))) {
				AuditEventStore.indexed(row.record()).entities().forEach(doubtful::add);
			}
		}
		Set<String> stored = new HashSet<>();
		if (!doubtful.isEmpty()) {
			List<IIdType> ids = doubtful.stream().map(reference -> (IIdType) new IdType(reference)).toList();
			storedResources.find(ids).forEach(found -> stored.add(found.reference()));
		}
		Predicate<String> writableAsReference = reference -> !doubtful.contains(reference) || stored.contains(reference);
		return rows.stream().map(row -> render(row, writableAsReference)).toList();
	}

	private AuditEvent render(AuditEventStore.Row row, Predicate<String> writableAsReference) {
		AuditEvent event = row.record() != null ? auditEvent(row.record(), writableAsReference)
				: fhirContext.newJsonParser().parseResource(AuditEvent.class, row.resource());
		event.setId(new IdType("AuditEvent", Long.toString(row.id()), "1"));
		event.getMeta().setVersionId("1").setLastUpdatedElement(new InstantType(Date.from(row.recorded())));
		return event;
	}

	AuditEvent auditEvent(AuditRecord record, Predicate<String> writableAsReference) {
		AuditEvent event = new AuditEvent();
		event.setType(type(record.kind()));
		event.addSubtype(new Coding(AuditEventStore.SUBTYPE_SYSTEM, record.subtype(), null));
		event.setAction(AuditEvent.AuditEventAction.fromCode(record.action()));
		event.setRecorded(Date.from(record.when()));
		event.setOutcome(outcome(record));
		event.setOutcomeDesc((record.status() > 0 ? record.status() + " " : "") + (record.failure() == null ? "" : record.failure()));
		if (AuditRecord.CONSULT_ACCESS.equals(record.accessBasis())) {
			event.addPurposeOfEvent(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", "TREAT",
					"treatment")).addCoding(new Coding("urn:onetrip:access-basis", AuditRecord.CONSULT_ACCESS, "consult access"))
					.setText("read of another hospital's records for a consult the reader took"));
		} else if (record.crossHospital()) {
			event.addPurposeOfEvent(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", "TREAT",
					"treatment")).setText("read of another hospital's records"));
		}
		AuditEvent.AuditEventAgentComponent agent = event.addAgent();
		agent.setRequestor(true);
		agent.setWho(new Reference().setIdentifier(new Identifier().setSystem("urn:onetrip:caller").setValue(record.agentSubject()))
				.setDisplay((record.agentHospital() == null ? "region" : record.agentHospital()) + "/" + record.agentSubject()));
		if (record.networkAddress() != null) {
			agent.getNetwork().setAddress(record.networkAddress()).setType(AuditEvent.AuditEventAgentNetworkType._2);
		}
		if (record.agentHospital() != null) {
			event.addAgent().setRequestor(false)
					.setWho(new Reference("Organization/" + record.agentHospital()).setDisplay(directory.hospitalName(record.agentHospital())));
		}
		event.getSource().setSite(directory.region().name())
				.setObserver(new Reference().setDisplay("OneTrip"))
				.addType(new Coding("http://terminology.hl7.org/CodeSystem/security-source-type", "4", "Application Server"));
		for (String patient : record.patients()) {
			event.addEntity().setWhat(what(patient, writableAsReference))
					.setType(new Coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person"))
					.setRole(new Coding("http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient"));
		}
		for (String entity : record.entities()) {
			if (!record.patients().contains(entity)) {
				event.addEntity().setWhat(what(entity, writableAsReference))
						.setType(new Coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object"));
			}
		}
		if (record.request() != null) {
			event.addEntity().setName("request").setDescription(record.request())
					.setType(new Coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object"))
					.setRole(new Coding("http://terminology.hl7.org/CodeSystem/object-role", "24", "Query"));
		}
		return event;
	}

	static AuditEvent.AuditEventOutcome outcome(AuditRecord record) {
		return record.succeeded() ? AuditEvent.AuditEventOutcome._0
				: record.status() >= 500 ? AuditEvent.AuditEventOutcome._8 : AuditEvent.AuditEventOutcome._4;
	}

	/** As {@link #what(String)}, but a reference to a resource that is not stored becomes an identifier. */
	static Reference what(String entity, Predicate<String> writableAsReference) {
		if (isPlainReference(entity) && !writableAsReference.test(entity)) {
			return new Reference().setIdentifier(new Identifier().setSystem("urn:onetrip:reference").setValue(entity)).setDisplay(entity);
		}
		return what(entity);
	}

	/**
	 * "Patient/1" is a reference; "urn:oid:1.2.3" a DICOM UID and "system|value" an identifier (what a DICOM peer
	 * names before the region has a resource for it).
	 */
	static Reference what(String entity) {
		if (entity.startsWith("urn:oid:")) {
			return new Reference().setIdentifier(new Identifier().setSystem("urn:dicom:uid").setValue(entity)).setDisplay(entity);
		}
		int bar = entity.indexOf('|');
		if (bar > 0) {
			return new Reference().setIdentifier(new Identifier().setSystem(entity.substring(0, bar)).setValue(entity.substring(bar + 1)))
					.setDisplay(entity.substring(bar + 1));
		}
		return new Reference(entity);
	}

	static boolean isPlainReference(String entity) {
		int slash = entity.indexOf('/');
		return slash > 0 && slash == entity.lastIndexOf('/') && !entity.startsWith("urn:") && entity.indexOf('|') < 0;
	}

	static Coding type(String kind) {
		return switch (kind) {
			case "dicom-association" -> new Coding(DCM, "110122", "Login");
			case "dicomweb" -> new Coding(DCM, "110106", "Export");
			case "cds-hook" -> new Coding("urn:onetrip:audit-type", "cds-hook", "CDS Hooks service call");
			case "login" -> new Coding(DCM, "110114", "User Authentication");
			default -> new Coding("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", "RESTful Operation");
		};
	}
}
