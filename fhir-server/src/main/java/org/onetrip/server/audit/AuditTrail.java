package org.onetrip.server.audit;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.api.server.storage.TransactionDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.onetrip.server.hapi.ReferenceTargetPrefetch;
import org.onetrip.server.hapi.StoredResources;
import org.onetrip.server.region.RegionDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Writes AuditEvents without slowing or failing the request they describe, and without losing one. The request
 * thread only appends the record to the outbox table OT_AUDIT_OUTBOX (one small insert, committed); a writer thread
 * turns outbox rows into AuditEvents, up to 200 in one transaction that also deletes their rows, so each row becomes
 * exactly one AuditEvent, whichever OneTrip instance on the database takes it ({@code FOR UPDATE SKIP LOCKED}).
 * Rows left at shutdown or by a crash are written after the next start. While the database is away the records wait
 * in memory and go to the outbox when it is back. An AuditEvent the store refuses is written again with its
 * references as plain identifiers; one that cannot be stored at all goes to the log at ERROR, whole.
 */
public class AuditTrail implements DisposableBean {

	private static final Logger log = LoggerFactory.getLogger(AuditTrail.class);
	private static final int BATCH = 200;
	/** How often the writer looks for rows other instances appended, when this one appended none. */
	private static final long IDLE_POLL_MS = 1_000;
	/**
	 * After a short batch, how long the writer lets records gather before the next: under load a transaction per few
	 * records would cost more than the records; an AuditEvent appears at most this much later.
	 */
	private static final long GATHER_MS = 50;
	static final String DCM = "http://dicom.nema.org/resources/ontology/DCM";

	private final DaoRegistry daoRegistry;
	private final RegionDirectory directory;
	private final TransactionTemplate ownTransaction;
	private final JdbcTemplate jdbc;
	private final StoredResources storedResources;
	private final MeterRegistry meters;
	/** Outbox rows (JSON) whose insert failed (the database is away): appended by the writer once it is back. */
	private final BlockingQueue<String> waitingForDatabase = new LinkedBlockingQueue<>(100_000);
	/** Set by a failed insert, cleared by the writer's first successful one. */
	private volatile boolean databaseAway;
	private final Semaphore appended = new Semaphore(0);
	private final Thread writer;
	private volatile boolean running = true;

	public AuditTrail(DaoRegistry daoRegistry, RegionDirectory directory, PlatformTransactionManager transactions, MeterRegistry meters,
			JdbcTemplate jdbc) {
		this.daoRegistry = daoRegistry;
		this.jdbc = jdbc;
		this.storedResources = new StoredResources(jdbc);
		this.directory = directory;
		this.meters = meters;
		this.ownTransaction = new TransactionTemplate(transactions);
		this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
		jdbc.execute("CREATE TABLE IF NOT EXISTS OT_AUDIT_OUTBOX (ID BIGSERIAL PRIMARY KEY, RECORD TEXT NOT NULL)");
		this.writer = new Thread(this::writeLoop, "onetrip-audit");
		this.writer.setDaemon(true);
		this.writer.start();
	}

	public void record(AuditRecord record) {
		Counter.builder("onetrip.audit.events").description("AuditEvents recorded, by kind and outcome")
				.tag("kind", record.kind()).tag("outcome", record.succeeded() ? "success" : "failure").register(meters).increment();
		String row;
		try {
			row = record.toJson();
		} catch (JsonProcessingException e) {
			log.error("Audit record not serialisable ({}), written here instead: {}", e.getMessage(), record);
			return;
		}
		// While the database is known to be away, requests do not each wait for a connection that will not come.
		if (databaseAway) {
			keepUntilTheDatabaseIsBack(row);
		} else {
			try {
				append(row);
			} catch (RuntimeException e) {
				databaseAway = true;
				keepUntilTheDatabaseIsBack(row);
			}
		}
		appended.release();
	}

	private void keepUntilTheDatabaseIsBack(String row) {
		if (!running || !waitingForDatabase.offer(row)) {
			log.error("Audit record not kept ({}), written here instead: {}",
					running ? "the database is away and 100,000 records already wait" : "shutting down", row);
		}
	}

	private void append(String row) {
		jdbc.update("INSERT INTO OT_AUDIT_OUTBOX (RECORD) VALUES (?)", row);
	}

	private void writeLoop() {
		while (running) {
			try {
				appendWaiting();
				if (writeBatch() < BATCH) {
					if (appended.tryAcquire(IDLE_POLL_MS, TimeUnit.MILLISECONDS)) {
						Thread.sleep(GATHER_MS);
					}
					appended.drainPermits();
				}
			} catch (InterruptedException e) {
				running = false;
			} catch (RuntimeException e) {
				log.error("Audit writer round failed (retried in a second): {}", e.toString());
				pause();
			}
		}
	}

	private void appendWaiting() {
		String row;
		while ((row = waitingForDatabase.peek()) != null) {
			append(row);
			waitingForDatabase.poll();
		}
		if (databaseAway) {
			jdbc.queryForObject("SELECT 1", Integer.class);
			databaseAway = false;
		}
	}

	private record OutboxRow(long id, AuditRecord record) {}

	/** Writes the oldest unclaimed rows; returns how many it took. */
	private int writeBatch() {
		List<OutboxRow> rows;
		try {
			rows = ownTransaction.execute(tx -> {
				List<OutboxRow> claimed = claim("SELECT ID, RECORD FROM OT_AUDIT_OUTBOX ORDER BY ID LIMIT " + BATCH
						+ " FOR UPDATE SKIP LOCKED");
				if (!claimed.isEmpty()) {
					BatchTargets targets = targetsOf(claimed.stream().map(OutboxRow::record).toList());
					// One look-up for the batch's reference targets instead of one per AuditEvent (ReferenceTargetPrefetch);
					// each event its own TransactionDetails all the same, so each keeps its own time (meta.lastUpdated).
					claimed.forEach(row -> {
						TransactionDetails event = new TransactionDetails();
						ReferenceTargetPrefetch.handOver(event, targets.foundAmong(namedBy(row.record())));
						create(auditEvent(row.record(), targets::writableAsReference), event);
					});
					delete(claimed);
				}
				return claimed;
			});
		} catch (RuntimeException batchFailed) {
			// One of them was refused (or the database went away): each on its own, in a transaction of its own.
			log.warn("A batch of AuditEvents was refused ({}); storing them one by one", batchFailed.toString());
			List<Long> ids = jdbc.queryForList("SELECT ID FROM OT_AUDIT_OUTBOX ORDER BY ID LIMIT " + BATCH, Long.class);
			ids.forEach(this::writeOne);
			return ids.size();
		}
		return rows.size();
	}

	private List<OutboxRow> claim(String sql, Object... arguments) {
		return jdbc.query(sql, (rs, i) -> new OutboxRow(rs.getLong(1), parse(rs.getString(2))), arguments);
	}

	private AuditRecord parse(String record) {
		try {
			return AuditRecord.fromJson(record);
		} catch (JsonProcessingException e) {
			throw new UnreadableRow(record, e);
		}
	}

	private static final class UnstorableEvent extends RuntimeException {
		UnstorableEvent(Error cause) {
			super("the AuditEvent could not be stored: " + cause, cause);
		}
	}

	private static final class UnreadableRow extends RuntimeException {
		UnreadableRow(String row, Exception cause) {
			super("unreadable audit outbox row: " + row, cause);
		}
	}

	private void delete(List<OutboxRow> rows) {
		jdbc.update("DELETE FROM OT_AUDIT_OUTBOX WHERE ID = ANY(?)", (Object) rows.stream().map(OutboxRow::id).toArray(Long[]::new));
	}

	/**
	 * One row: its AuditEvent as it is, else with its references as identifiers (a record of a failed or deleted write
	 * may point at nothing). If the store refuses both (a 4xx) or the row cannot be read, it goes to the log whole and
	 * is deleted, so it cannot block the rows after it; any other failure (a timeout, the database away) leaves it for
	 * the next round.
	 */
	private void writeOne(long id) {
		RuntimeException first = writeOne(id, record -> auditEvent(record));
		if (first == null) {
			return;
		}
		RuntimeException second = writeOne(id, record -> {
			AuditEvent logical = auditEvent(record);
			logical.getEntity().forEach(entity -> {
				if (entity.getWhat().hasReference()) {
					entity.setWhat(logical(entity.getWhat().getReference()));
				}
			});
			return logical;
		});
		if (second == null) {
			return;
		}
		if (!isRefusal(first) || !isRefusal(second)) {
			throw second;
		}
		// As text, not parsed: a row that cannot even be read must not stop the rows after it.
		jdbc.queryForList("DELETE FROM OT_AUDIT_OUTBOX WHERE ID = ? RETURNING RECORD", String.class, id)
				.forEach(record -> log.error("AuditEvent not stored ({}), written here instead: {}", second.getMessage(), record));
	}

	/**
	 * The store said no to this row itself (a 4xx, or an Error while storing its event), or the row cannot be read:
	 * trying again would change nothing.
	 */
	private static boolean isRefusal(RuntimeException e) {
		return e instanceof UnreadableRow || e instanceof UnstorableEvent
				|| e instanceof BaseServerResponseException refused && refused.getStatusCode() >= 400 && refused.getStatusCode() < 500;
	}

	/** @return null when written, else why not */
	private RuntimeException writeOne(long id, Function<AuditRecord, AuditEvent> event) {
		try {
			ownTransaction.executeWithoutResult(tx -> claim("SELECT ID, RECORD FROM OT_AUDIT_OUTBOX WHERE ID = ? FOR UPDATE SKIP LOCKED", id)
					.forEach(row -> {
						create(event.apply(row.record()));
						delete(List.of(row));
					}));
			return null;
		} catch (RuntimeException refused) {
			log.warn("AuditEvent of outbox row {} not written: {}", id, refused.toString());
			return refused instanceof org.springframework.transaction.TransactionSystemException
					&& refused.getCause() instanceof RuntimeException cause ? cause : refused;
		}
	}

	private void pause() {
		try {
			Thread.sleep(IDLE_POLL_MS);
		} catch (InterruptedException e) {
			running = false;
		}
	}

	private void create(AuditEvent event) {
		create(event, new TransactionDetails());
	}

	private void create(AuditEvent event, TransactionDetails transaction) {
		try {
			daoRegistry.getResourceDao(AuditEvent.class).create(event, null, true, new SystemRequestDetails(), transaction);
		} catch (VirtualMachineError e) {
			throw e;
		} catch (Error e) {
			// A library's Error about this one event (HAPI's encoder asserts on a malformed reference) ended the writer
			// thread once, and every later AuditEvent waited in the outbox: the event is refused like a 4xx instead.
			throw new UnstorableEvent(e);
		}
	}

	AuditEvent auditEvent(AuditRecord record) {
		return auditEvent(record, reference -> true);
	}

	/**
	 * What a batch of records names, looked up in one statement: the stored resources (handed to HAPI as the
	 * AuditEvents' resolved reference targets), and which names may be written as references. A refused create (a full
	 * slot's Appointment, say) or a delete names a resource that is not stored, and a reference to it would make HAPI
	 * refuse the whole batch of AuditEvents: those are written as identifiers instead, decided here rather than by a
	 * failed batch and a retry of each record.
	 */
	private record BatchTargets(Map<String, StoredResources.Stored> found, Set<String> doubtful) {
		boolean writableAsReference(String reference) {
			return !doubtful.contains(reference) || found.containsKey(reference);
		}

		List<StoredResources.Stored> foundAmong(Set<String> references) {
			return references.stream().map(found::get).filter(java.util.Objects::nonNull).toList();
		}
	}

	private BatchTargets targetsOf(List<AuditRecord> records) {
		Set<String> named = new TreeSet<>();
		Set<String> doubtful = new HashSet<>();
		for (AuditRecord record : records) {
			Set<String> references = namedBy(record);
			named.addAll(references);
			if (!record.succeeded() || "D".equals(record.action())) {
				doubtful.addAll(references);
			}
		}
		List<IIdType> ids = named.stream().map(reference -> (IIdType) new IdType(reference)).toList();
		Map<String, StoredResources.Stored> found = new HashMap<>();
		storedResources.find(ids).forEach(stored -> found.put(stored.reference(), stored));
		return new BatchTargets(found, doubtful);
	}

	/** The resources a record's AuditEvent refers to: its patients and entities, and the caller's hospital. */
	private static Set<String> namedBy(AuditRecord record) {
		Set<String> references = new HashSet<>();
		Stream.concat(record.entities().stream(), record.patients().stream()).filter(AuditTrail::isPlainReference)
				.forEach(references::add);
		if (record.agentHospital() != null) {
			references.add("Organization/" + record.agentHospital());
		}
		return references;
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

	/** Stops after the batch in hand: what is still in the outbox is written after the next start. */
	@Override
	public void destroy() throws InterruptedException {
		running = false;
		appended.release();
		writer.join(10_000);
		if (!waitingForDatabase.isEmpty()) {
			log.error("{} audit records were waiting for the database at shutdown, written here instead: {}",
					waitingForDatabase.size(), waitingForDatabase);
		}
	}
}
