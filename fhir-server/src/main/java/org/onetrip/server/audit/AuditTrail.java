package org.onetrip.server.audit;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.IdType;
import org.onetrip.server.storage.DatabaseUnavailable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Keeps the audit trail without failing the request it describes and without losing a record. The request thread
 * appends the record to {@link AuditEventStore} itself (one insert, committed); while the database is away records
 * wait in memory and a writer thread appends them once it is back. The writer also takes over what an older OneTrip
 * left: rows of the outbox table OT_AUDIT_OUTBOX (where records waited to become HAPI AuditEvents, each moved once,
 * whichever instance takes it: {@code FOR UPDATE SKIP LOCKED}) and the AuditEvents HAPI stored, which are adopted so
 * that one search still finds the whole trail.
 */
public class AuditTrail implements DisposableBean {

	private static final Logger log = LoggerFactory.getLogger(AuditTrail.class);
	private static final int BATCH = 200;
	/** How often the writer looks for records to append or outbox rows to move, when none was kept waiting. */
	private static final long IDLE_POLL_MS = 1_000;

	private final AuditEventStore store;
	private final DaoRegistry daoRegistry;
	private final FhirContext fhirContext;
	private final TransactionTemplate ownTransaction;
	private final JdbcTemplate jdbc;
	private final MeterRegistry meters;
	private final Map<EventTags, Counter> eventCounters = new ConcurrentHashMap<>();
	/** Records whose insert failed (the database is away), with their rows: appended by the writer once it is back. */
	private final BlockingQueue<Waiting> waitingForDatabase = new LinkedBlockingQueue<>(100_000);
	/** Set by a failed insert, cleared by the writer's first successful one. */
	private volatile boolean databaseAway;
	private final Semaphore keptWaiting = new Semaphore(0);
	private final Thread writer;
	private volatile boolean running = true;

	public AuditTrail(AuditEventStore store, DaoRegistry daoRegistry, FhirContext fhirContext, PlatformTransactionManager transactions,
			MeterRegistry meters, JdbcTemplate jdbc) {
		this.store = store;
		this.daoRegistry = daoRegistry;
		this.fhirContext = fhirContext;
		this.jdbc = jdbc;
		this.meters = meters;
		this.ownTransaction = new TransactionTemplate(transactions);
		this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
		jdbc.execute("CREATE TABLE IF NOT EXISTS OT_AUDIT_OUTBOX (ID BIGSERIAL PRIMARY KEY, RECORD TEXT NOT NULL)");
		this.writer = new Thread(this::writeLoop, "onetrip-audit");
		this.writer.setDaemon(true);
		this.writer.start();
	}

	private record EventTags(String kind, boolean succeeded) {}

	/** PostgreSQL's SQLSTATE class data_exception: a value it cannot take as data, however often it is sent. */
	private static final String DATA_EXCEPTION = "22";

	/** A record kept in memory while the database is away, with the rows to be stored with it. */
	private record Waiting(AuditRecord record, List<RowBesideTheRecord> beside) {}

	/** Where a request's rows beside its record wait for it ({@link RequestDetails#getUserData()}). */
	private static final String BESIDE_THE_RECORD = "onetrip.audit.beside-the-record";

	/**
	 * This row is stored with the audit record of this request, by the same statement, when the request is over
	 * ({@link org.onetrip.server.security.FhirAuditInterceptor}, which every FHIR request passes; a request it does not
	 * audit has its rows written alone). For writes that would otherwise commit on their own outside any transaction.
	 */
	public static void writeBesideTheRecord(RequestDetails request, RowBesideTheRecord row) {
		@SuppressWarnings("unchecked")
		List<RowBesideTheRecord> rows = (List<RowBesideTheRecord>) request.getUserData()
				.computeIfAbsent(BESIDE_THE_RECORD, key -> new ArrayList<RowBesideTheRecord>());
		rows.add(row);
	}

	/** The rows put beside this request's record, taken: whoever takes them writes them. */
	@SuppressWarnings("unchecked")
	public static List<RowBesideTheRecord> takeRowsBesideTheRecord(RequestDetails request) {
		Object rows = request.getUserData().remove(BESIDE_THE_RECORD);
		return rows == null ? List.of() : (List<RowBesideTheRecord>) rows;
	}

	public void record(AuditRecord record) {
		record(record, List.of());
	}

	/** The record and the rows beside it, stored by one statement: together or not at all. */
	public void record(AuditRecord record, List<RowBesideTheRecord> beside) {
		// Kept once registered, as the request timers and claim counters are: every audited request built the counter's
		// identity and looked it up in the registry.
		eventCounters.computeIfAbsent(new EventTags(record.kind(), record.succeeded()),
				tags -> Counter.builder("onetrip.audit.events").description("AuditEvents recorded, by kind and outcome")
						.tag("kind", tags.kind()).tag("outcome", tags.succeeded() ? "success" : "failure").register(meters))
				.increment();
		// While the database is known to be away, requests do not each wait for a connection that will not come.
		if (databaseAway) {
			keepUntilTheDatabaseIsBack(new Waiting(record, beside));
			return;
		}
		try {
			appendOne(record, beside);
		} catch (RuntimeException e) {
			databaseAway = true;
			keepUntilTheDatabaseIsBack(new Waiting(record, beside));
		}
	}

	/**
	 * Appends one record and the rows beside it by one statement; if the database refuses that, the record and each
	 * row on its own, so that neither is lost for the other's fault. Throws when the database cannot take it now.
	 */
	private void appendOne(AuditRecord record, List<RowBesideTheRecord> beside) {
		String json;
		try {
			json = record.toJson();
		} catch (JsonProcessingException e) {
			log.error("Audit record not serialisable ({}), written here instead: {}", e.getMessage(), record);
			writeAlone(beside);
			return;
		}
		if (beside.isEmpty()) {
			append(List.of(record), List.of(json));
			return;
		}
		try {
			store.appendWith(record, json, beside);
		} catch (RuntimeException refused) {
			if (!refusesTheRecordItself(refused)) {
				throw refused;
			}
			append(List.of(record), List.of(json));
			writeAlone(beside);
		}
	}

	/**
	 * Rows that were to be stored beside a record that is not written (a request that is not audited), each in a
	 * statement of its own; one the database refuses, or cannot take now, goes to the log whole.
	 */
	public void writeAlone(List<RowBesideTheRecord> rows) {
		for (RowBesideTheRecord row : rows) {
			try {
				jdbc.update(row.insert(), row.values().toArray());
			} catch (RuntimeException refused) {
				log.error("Row for {} not stored ({}), written here instead: {}", row.table(), refused.toString(), row.values());
			}
		}
	}

	/**
	 * The database (or the record's own indexing) said no to this record, not to writing now: trying again would change
	 * nothing. Anything else (the database away, its disk full) is worth waiting out.
	 *
	 * <p>A value past one of PostgreSQL's limits (SQLSTATE class 54: a name too long for the entities' index, which any
	 * caller can put in a URL) or one it cannot take as data (class 22) is the record's own, though Spring reports the
	 * first as a resource failure: taken for the database being away, that record waited at the head of the queue for
	 * good and every record after it waited behind it (ValuesPastTheDatabasesLimitsTest).
	 */
	private static boolean refusesTheRecordItself(RuntimeException e) {
		return e instanceof org.springframework.dao.DataIntegrityViolationException || !(e instanceof org.springframework.dao.DataAccessException)
				|| DatabaseUnavailable.hasSqlState(e, DatabaseUnavailable.PROGRAM_LIMIT_EXCEEDED)
				|| DatabaseUnavailable.hasSqlState(e, DATA_EXCEPTION);
	}

	/**
	 * An AuditEvent a feature composed itself (what a doctor did with a CDS card), stored in the caller's transaction
	 * so that it is there exactly when what it describes is.
	 */
	public void recordEvent(AuditEvent event) {
		store.appendResource(null, AuditEventStore.indexed(event), fhirContext.newJsonParser().encodeResourceToString(event));
	}

	/** Appends a batch; if the database refuses it, each on its own, and those it refuses alone go to the log whole. */
	private void append(List<AuditRecord> records, List<String> json) {
		try {
			store.append(records, json);
		} catch (RuntimeException refused) {
			if (!refusesTheRecordItself(refused)) {
				throw refused;
			}
			if (records.size() == 1) {
				log.error("Audit record not storable ({}), written here instead: {}", refused.toString(), json.get(0));
				return;
			}
			for (int i = 0; i < records.size(); i++) {
				append(List.of(records.get(i)), List.of(json.get(i)));
			}
		}
	}

	private void keepUntilTheDatabaseIsBack(Waiting waiting) {
		if (!running || !waitingForDatabase.offer(waiting)) {
			log.error("Audit record not kept ({}), written here instead: {}{}",
					running ? "the database is away and 100,000 records already wait" : "shutting down", waiting.record(),
					waiting.beside().isEmpty() ? "" : ", with rows " + waiting.beside());
		}
		keptWaiting.release();
	}

	private void writeLoop() {
		boolean adopted = false;
		while (running) {
			try {
				appendWaiting();
				if (!adopted) {
					adoptHapiAuditEvents();
					adopted = true;
				}
				if (moveOutboxRows() < BATCH && keptWaiting.tryAcquire(IDLE_POLL_MS, TimeUnit.MILLISECONDS)) {
					keptWaiting.drainPermits();
				}
			} catch (InterruptedException e) {
				running = false;
			} catch (RuntimeException e) {
				log.error("Audit writer round failed (retried in a second): {}", e.toString());
				pause();
			}
		}
	}

	/**
	 * The records kept in memory while the database was away, appended in batches, oldest first; a record with rows
	 * beside it is appended on its own, with them.
	 */
	private void appendWaiting() {
		while (!waitingForDatabase.isEmpty()) {
			// Only this thread takes from the queue, and requests add at its tail: the first ones seen are the ones polled.
			Waiting first = waitingForDatabase.peek();
			if (!first.beside().isEmpty()) {
				appendOne(first.record(), first.beside());
				waitingForDatabase.poll();
				continue;
			}
			List<AuditRecord> batch = new ArrayList<>();
			List<String> json = new ArrayList<>();
			int seen = 0;
			for (Waiting waiting : waitingForDatabase) {
				if (seen == BATCH || !waiting.beside().isEmpty()) {
					break;
				}
				seen++;
				try {
					json.add(waiting.record().toJson());
					batch.add(waiting.record());
				} catch (JsonProcessingException e) {
					log.error("Audit record not serialisable ({}), written here instead: {}", e.getMessage(), waiting.record());
				}
			}
			append(batch, json);
			for (int i = 0; i < seen; i++) {
				waitingForDatabase.poll();
			}
		}
		if (databaseAway) {
			jdbc.queryForObject("SELECT 1", Integer.class);
			databaseAway = false;
		}
	}

	/**
	 * Moves up to a batch of outbox rows into the store, in one transaction that deletes them; an unreadable row goes to
	 * the log whole and leaves the outbox, so it cannot block the rows after it. Should the store refuse the batch, each
	 * row is moved in a transaction of its own. Returns how many rows it took.
	 */
	private int moveOutboxRows() {
		List<Long> taken;
		try {
			taken = ownTransaction.execute(tx -> move("SELECT ID, RECORD FROM OT_AUDIT_OUTBOX ORDER BY ID LIMIT " + BATCH
					+ " FOR UPDATE SKIP LOCKED"));
		} catch (RuntimeException batchRefused) {
			if (!refusesTheRecordItself(batchRefused)) {
				throw batchRefused;
			}
			taken = jdbc.queryForList("SELECT ID FROM OT_AUDIT_OUTBOX ORDER BY ID LIMIT " + BATCH, Long.class);
			taken.forEach(this::moveOne);
		}
		return taken == null ? 0 : taken.size();
	}

	private void moveOne(long id) {
		try {
			ownTransaction.executeWithoutResult(tx -> move("SELECT ID, RECORD FROM OT_AUDIT_OUTBOX WHERE ID = " + id + " FOR UPDATE SKIP LOCKED"));
		} catch (RuntimeException refused) {
			if (!refusesTheRecordItself(refused)) {
				throw refused;
			}
			jdbc.queryForList("DELETE FROM OT_AUDIT_OUTBOX WHERE ID = ? RETURNING RECORD", String.class, id)
					.forEach(record -> log.error("Audit record not storable ({}), written here instead: {}", refused.toString(), record));
		}
	}

	/** In the caller's transaction: the rows the query claims, appended to the store and deleted; returns their ids. */
	private List<Long> move(String claim) {
		List<Long> ids = new ArrayList<>();
		List<AuditRecord> records = new ArrayList<>();
		List<String> json = new ArrayList<>();
		jdbc.query(claim, rs -> {
			ids.add(rs.getLong(1));
			String text = rs.getString(2);
			try {
				records.add(AuditRecord.fromJson(text));
				json.add(text);
			} catch (JsonProcessingException e) {
				log.error("Audit outbox row {} is unreadable ({}), written here instead: {}", rs.getLong(1), e.getMessage(), text);
			}
		});
		if (!records.isEmpty()) {
			store.append(records, json);
		}
		if (!ids.isEmpty()) {
			jdbc.update("DELETE FROM OT_AUDIT_OUTBOX WHERE ID = ANY(?)", (Object) ids.toArray(Long[]::new));
		}
		return ids;
	}

	/**
	 * The AuditEvents an older OneTrip stored through HAPI, copied into the store once (a restart skips those already
	 * copied), so the trail a search finds goes back to the first one. HAPI's copies stay where they are.
	 */
	void adoptHapiAuditEvents() {
		// Copied in the order of HAPI's keys, each row committed: those up to the last copied are there (HAPI makes no
		// new ones), so a restart looks only past it.
		long after = store.lastAdoptedHapiResId();
		int adopted = 0;
		while (running) {
			List<Map<String, Object>> page = jdbc.queryForList("SELECT RES_ID, FHIR_ID FROM HFJ_RESOURCE WHERE RES_TYPE = 'AuditEvent' "
					+ "AND RES_DELETED_AT IS NULL AND RES_ID > ? ORDER BY RES_ID LIMIT " + BATCH, after);
			if (page.isEmpty()) {
				break;
			}
			long first = ((Number) page.get(0).get("RES_ID")).longValue();
			after = ((Number) page.get(page.size() - 1).get("RES_ID")).longValue();
			var already = store.adoptedAmong(first, after);
			for (Map<String, Object> row : page) {
				long resId = ((Number) row.get("RES_ID")).longValue();
				if (already.contains(resId)) {
					continue;
				}
				AuditEvent event = (AuditEvent) daoRegistry.getResourceDao(AuditEvent.class)
						.read(new IdType("AuditEvent", (String) row.get("FHIR_ID")), new SystemRequestDetails());
				store.appendResource(resId, AuditEventStore.indexed(event), fhirContext.newJsonParser().encodeResourceToString(event));
				adopted++;
			}
		}
		if (adopted > 0) {
			log.info("{} AuditEvents stored by HAPI before OneTrip kept its own audit table were copied into it", adopted);
		}
	}

	private void pause() {
		try {
			Thread.sleep(IDLE_POLL_MS);
		} catch (InterruptedException e) {
			running = false;
		}
	}

	/** Stops the writer; what is still in the outbox is moved after the next start. */
	@Override
	public void destroy() throws InterruptedException {
		running = false;
		keptWaiting.release();
		writer.join(10_000);
		if (!waitingForDatabase.isEmpty()) {
			log.error("{} audit records were waiting for the database at shutdown, written here instead: {}",
					waitingForDatabase.size(), waitingForDatabase);
		}
	}
}
