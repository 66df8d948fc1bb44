package org.onetrip.server.priorexam;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Rebuilds the prior-exam index from the FHIR store: every DiagnosticReport, ImagingStudy and ServiceRequest is
 * read again and its record put (or removed), in chunks of {@value #CHUNK}, each chunk its own transaction. For an
 * index that fell behind or was lost (an Elasticsearch index deleted, a restore from an older snapshot). One run at
 * a time; its progress can be asked for while it runs.
 */
public class PriorExamReindex {

	private static final Logger log = LoggerFactory.getLogger(PriorExamReindex.class);
	static final int CHUNK = 500;

	public enum State { IDLE, RUNNING, DONE, FAILED }

	/** Where a run stands: how many source resources there are and how many were indexed so far. */
	public record Progress(State state, long total, long done, long indexed, Instant started, Instant finished, String failure) {}

	private final DaoRegistry daoRegistry;
	private final PriorExamRecords records;
	private final PriorExamIndex index;
	private final JdbcTemplate jdbc;
	private final TransactionTemplate transaction;
	private final AtomicReference<Progress> progress = new AtomicReference<>(new Progress(State.IDLE, 0, 0, 0, null, null, null));
	private final AtomicLong done = new AtomicLong();
	private final AtomicLong indexed = new AtomicLong();

	public PriorExamReindex(DaoRegistry daoRegistry, PriorExamRecords records, PriorExamIndex index, JdbcTemplate jdbc,
			PlatformTransactionManager transactions) {
		this.daoRegistry = daoRegistry;
		this.records = records;
		this.index = index;
		this.jdbc = jdbc;
		this.transaction = new TransactionTemplate(transactions);
	}

	/** Starts a run in the background; false when one is already running. */
	public synchronized boolean start() {
		if (progress.get().state() == State.RUNNING) {
			return false;
		}
		long total = 0;
		for (String type : PriorExamRecords.SOURCE_TYPES) {
			Long count = jdbc.queryForObject("SELECT COUNT(*) FROM HFJ_RESOURCE WHERE RES_TYPE = ? AND RES_DELETED_AT IS NULL",
					Long.class, type);
			total += count == null ? 0 : count;
		}
		done.set(0);
		indexed.set(0);
		Instant started = Instant.now();
		progress.set(new Progress(State.RUNNING, total, 0, 0, started, null, null));
		long all = total;
		Thread runner = new Thread(() -> run(all, started), "onetrip-prior-exam-reindex");
		runner.setDaemon(true);
		runner.start();
		return true;
	}

	public Progress progress() {
		Progress current = progress.get();
		return current.state() == State.RUNNING
				? new Progress(State.RUNNING, current.total(), done.get(), indexed.get(), current.started(), null, null)
				: current;
	}

	private void run(long total, Instant started) {
		try {
			for (String type : PriorExamRecords.SOURCE_TYPES) {
				long after = -1;
				while (true) {
					// Keyset pages over HAPI's resource table: the ids only, then the resources by _id.
					List<Object[]> page = jdbc.query("SELECT RES_ID, FHIR_ID FROM HFJ_RESOURCE WHERE RES_TYPE = ? AND RES_ID > ? "
									+ "AND RES_DELETED_AT IS NULL ORDER BY RES_ID FETCH FIRST " + CHUNK + " ROWS ONLY",
							(rs, i) -> new Object[] {rs.getLong(1), rs.getString(2)}, type, after);
					if (page.isEmpty()) {
						break;
					}
					after = (Long) page.get(page.size() - 1)[0];
					reindexChunk(type, page.stream().map(row -> (String) row[1]).toList());
				}
			}
			progress.set(new Progress(State.DONE, total, done.get(), indexed.get(), started, Instant.now(), null));
			log.info("Prior-exam index rebuilt: {} resources read, {} exams indexed", done.get(), indexed.get());
		} catch (RuntimeException e) {
			log.error("Prior-exam reindex failed after {} resources", done.get(), e);
			progress.set(new Progress(State.FAILED, total, done.get(), indexed.get(), started, Instant.now(), e.toString()));
		}
	}

	private void reindexChunk(String type, List<String> ids) {
		transaction.executeWithoutResult(tx -> {
			TokenOrListParam byId = new TokenOrListParam();
			ids.forEach(byId::add);
			SearchParameterMap search = SearchParameterMap.newSynchronous();
			search.add("_id", byId);
			search.setCount(ids.size());
			List<IBaseResource> resources = daoRegistry.getResourceDao(type).searchForResources(search, new SystemRequestDetails());
			for (IBaseResource resource : resources) {
				String source = type + "/" + resource.getIdElement().getIdPart();
				var record = records.of(resource);
				if (record.isPresent()) {
					index.put(record.get());
					indexed.incrementAndGet();
				} else {
					index.remove(source);
				}
				done.incrementAndGet();
			}
		});
	}
}
