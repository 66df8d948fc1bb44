package org.onetrip.server.audit;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;
import org.onetrip.server.region.RegionDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Writes AuditEvents, in their own transactions and off the request thread: a request that fails or rolls
 * back still leaves its AuditEvent, and a reader is not slowed by the writing. Records wait in memory at most
 * a flush interval; on shutdown the queue is drained; an AuditEvent the store refuses is written again with its
 * references as plain identifiers, and one that cannot be stored at all goes to the log at ERROR, whole.
 */
public class AuditTrail implements DisposableBean {

	private static final Logger log = LoggerFactory.getLogger(AuditTrail.class);
	private static final int BATCH = 200;
	static final String DCM = "http://dicom.nema.org/resources/ontology/DCM";

	private final DaoRegistry daoRegistry;
	private final RegionDirectory directory;
	private final TransactionTemplate ownTransaction;
	private final JdbcTemplate jdbc;
	private final MeterRegistry meters;
	private final BlockingQueue<AuditRecord> queue = new LinkedBlockingQueue<>(100_000);
	private final Thread writer;
	private volatile boolean running = true;

	public AuditTrail(DaoRegistry daoRegistry, RegionDirectory directory, PlatformTransactionManager transactions, MeterRegistry meters,
			JdbcTemplate jdbc) {
		this.daoRegistry = daoRegistry;
		this.jdbc = jdbc;
		this.directory = directory;
		this.meters = meters;
		this.ownTransaction = new TransactionTemplate(transactions);
		this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
		this.writer = new Thread(this::writeLoop, "onetrip-audit");
		this.writer.setDaemon(true);
		this.writer.start();
	}

	public void record(AuditRecord record) {
		Counter.builder("onetrip.audit.events").description("AuditEvents recorded, by kind and outcome")
				.tag("kind", record.kind()).tag("outcome", record.succeeded() ? "success" : "failure").register(meters).increment();
		if (!queue.offer(record)) {
			// The store is far behind: write this one here rather than drop it.
			store(List.of(record));
		}
	}

	private void writeLoop() {
		List<AuditRecord> batch = new ArrayList<>();
		while (running || !queue.isEmpty()) {
			try {
				AuditRecord first = queue.poll(200, TimeUnit.MILLISECONDS);
				if (first == null) {
					continue;
				}
				batch.add(first);
				queue.drainTo(batch, BATCH - 1);
				store(batch);
				batch.clear();
			} catch (InterruptedException e) {
				running = false;
			} catch (RuntimeException e) {
				log.error("Audit writer round failed: {}", e.toString());
			}
		}
	}

	private void store(List<AuditRecord> records) {
		try {
			Predicate<String> stored = storedAmong(records);
			ownTransaction.executeWithoutResult(tx -> records.forEach(record -> create(auditEvent(record, stored))));
		} catch (RuntimeException batchFailed) {
			// One of them was refused: store each on its own (fresh resources: HAPI marked the first ones with ids).
			for (AuditRecord record : records) {
				storeOne(record);
			}
		}
	}

	private void storeOne(AuditRecord record) {
		AuditEvent event;
		try {
			event = auditEvent(record);
		} catch (RuntimeException e) {
			log.error("AuditEvent could not be built ({}): {}", e, record);
			return;
		}
		try {
			ownTransaction.executeWithoutResult(tx -> create(event));
		} catch (RuntimeException refused) {
			// A record of a failed or deleted write may point at nothing: keep the references as identifiers.
			AuditEvent logical = auditEvent(record);
			logical.getEntity().forEach(entity -> {
				if (entity.getWhat().hasReference()) {
					entity.setWhat(logical(entity.getWhat().getReference()));
				}
			});
			try {
				ownTransaction.executeWithoutResult(tx -> create(logical));
			} catch (RuntimeException e) {
				log.error("AuditEvent not stored ({}; first refusal: {}): {}", e.getMessage(), refused.getMessage(),
						daoRegistry.getSystemDao().getContext().newJsonParser().encodeResourceToString(logical));
			}
		}
	}

	private void create(AuditEvent event) {
		daoRegistry.getResourceDao(AuditEvent.class).create(event, new SystemRequestDetails());
	}

	AuditEvent auditEvent(AuditRecord record) {
		return auditEvent(record, reference -> true);
	}

	/**
	 * Which of the resources that a batch's refused writes and deletes name are stored now: a refused create (a full
	 * slot's Appointment, say) names a resource that never came to be, and a reference to it would make HAPI refuse the
	 * whole batch of AuditEvents. Those are written as identifiers instead, decided here in one query rather than by a
	 * failed batch and a retry of each record.
	 */
	private Predicate<String> storedAmong(List<AuditRecord> records) {
		Set<String> doubtful = new TreeSet<>();
		for (AuditRecord record : records) {
			if (!record.succeeded() || "D".equals(record.action())) {
				Stream.concat(record.entities().stream(), record.patients().stream())
						.filter(AuditTrail::isPlainReference).forEach(doubtful::add);
			}
		}
		if (doubtful.isEmpty()) {
			return reference -> true;
		}
		List<Object> arguments = new ArrayList<>();
		for (String reference : doubtful) {
			arguments.add(reference.substring(0, reference.indexOf('/')));
			arguments.add(reference.substring(reference.indexOf('/') + 1));
		}
		Set<String> stored = new HashSet<>(jdbc.queryForList(
				"SELECT RES_TYPE || '/' || FHIR_ID FROM HFJ_RESOURCE WHERE RES_DELETED_AT IS NULL AND (RES_TYPE, FHIR_ID) IN ("
						+ String.join(", ", Collections.nCopies(doubtful.size(), "(?, ?)")) + ")",
				String.class, arguments.toArray()));
		return reference -> !doubtful.contains(reference) || stored.contains(reference);
	}

	private static boolean isPlainReference(String entity) {
		int slash = entity.indexOf('/');
		return slash > 0 && slash == entity.lastIndexOf('/') && !entity.startsWith("urn:") && entity.indexOf('|') < 0;
	}

	AuditEvent auditEvent(AuditRecord record, Predicate<String> stored) {
		AuditEvent event = new AuditEvent();
		event.setType(type(record.kind()));
		event.addSubtype(new Coding("urn:onetrip:audit-subtype", record.subtype(), null));
		event.setAction(AuditEvent.AuditEventAction.fromCode(record.action()));
		event.setRecorded(Date.from(record.when()));
		event.setOutcome(record.succeeded() ? AuditEvent.AuditEventOutcome._0
				: record.status() >= 500 ? AuditEvent.AuditEventOutcome._8 : AuditEvent.AuditEventOutcome._4);
		event.setOutcomeDesc((record.status() > 0 ? record.status() + " " : "") + (record.failure() == null ? "" : record.failure()));
		if (record.crossHospital()) {
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
			event.addEntity().setWhat(what(patient, stored))
					.setType(new Coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person"))
					.setRole(new Coding("http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient"));
		}
		for (String entity : record.entities()) {
			if (!record.patients().contains(entity)) {
				event.addEntity().setWhat(what(entity, stored))
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

	/** As {@link #what(String)}, but a reference to a resource that is not stored becomes an identifier. */
	static Reference what(String entity, Predicate<String> stored) {
		if (isPlainReference(entity) && !stored.test(entity)) {
			return logical(entity);
		}
		return what(entity);
	}

	/** A reference to a resource that is not stored (never was, or deleted), kept as an identifier. */
	private static Reference logical(String reference) {
		return new Reference().setIdentifier(new Identifier().setSystem("urn:onetrip:reference").setValue(reference))
				.setDisplay(reference);
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

	private static Coding type(String kind) {
		return switch (kind) {
			case "dicom-association" -> new Coding(DCM, "110122", "Login");
			case "dicomweb" -> new Coding(DCM, "110106", "Export");
			case "cds-hook" -> new Coding("urn:onetrip:audit-type", "cds-hook", "CDS Hooks service call");
			case "login" -> new Coding(DCM, "110114", "User Authentication");
			default -> new Coding("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", "RESTful Operation");
		};
	}

	@Override
	public void destroy() throws InterruptedException {
		running = false;
		writer.join(30_000);
	}
}
