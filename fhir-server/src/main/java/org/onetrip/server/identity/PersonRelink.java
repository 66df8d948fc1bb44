package org.onetrip.server.identity;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.hl7.fhir.r4.model.Patient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Puts every stored Patient into the person ledger: for a database made before the ledger existed (where one Patient
 * per citizen ID was the rule and operators linked records with {@code Patient.link}), or to check the ledger against
 * the FHIR store. Two passes over the Patients in keyset pages: identifiers, then declared links. Each record is its
 * own transaction; a record that contradicts the region is kept as a person of its own and counted as a conflict for
 * an operator. Idempotent; one run at a time; progress while it runs.
 */
public class PersonRelink {

	private static final Logger log = LoggerFactory.getLogger(PersonRelink.class);
	static final int CHUNK = 500;

	public enum State { IDLE, RUNNING, DONE, FAILED }

	/** @param total Patients × 2 passes */
	public record Progress(State state, long total, long done, long linked, long conflicts, Instant started, Instant finished,
			String failure) {}

	private final DaoRegistry daoRegistry;
	private final PersonLinker linker;
	private final PersonLedger ledger;
	private final JdbcTemplate jdbc;
	private final TransactionTemplate transaction;
	private final AtomicReference<Progress> progress = new AtomicReference<>(new Progress(State.IDLE, 0, 0, 0, 0, null, null, null));
	private final AtomicLong done = new AtomicLong();
	private final AtomicLong conflicts = new AtomicLong();

	public PersonRelink(DaoRegistry daoRegistry, PersonLinker linker, PersonLedger ledger, JdbcTemplate jdbc,
			PlatformTransactionManager transactions) {
		this.daoRegistry = daoRegistry;
		this.linker = linker;
		this.ledger = ledger;
		this.jdbc = jdbc;
		this.transaction = new TransactionTemplate(transactions);
	}

	/** Whether the ledger lacks records the FHIR store has (a database from before the ledger, or a partial run). */
	public boolean needed() {
		Long patients = jdbc.queryForObject("SELECT COUNT(*) FROM HFJ_RESOURCE WHERE RES_TYPE = 'Patient' AND RES_DELETED_AT IS NULL",
				Long.class);
		return patients != null && patients > ledger.recordCount();
	}

	/** Starts a run in the background; false when one is already running. */
	public synchronized boolean start() {
		if (progress.get().state() == State.RUNNING) {
			return false;
		}
		Long patients = jdbc.queryForObject("SELECT COUNT(*) FROM HFJ_RESOURCE WHERE RES_TYPE = 'Patient' AND RES_DELETED_AT IS NULL",
				Long.class);
		long total = 2 * (patients == null ? 0 : patients);
		done.set(0);
		conflicts.set(0);
		Instant started = Instant.now();
		progress.set(new Progress(State.RUNNING, total, 0, 0, 0, started, null, null));
		Thread runner = new Thread(() -> run(total, started), "onetrip-person-relink");
		runner.setDaemon(true);
		runner.start();
		return true;
	}

	public Progress progress() {
		Progress current = progress.get();
		return current.state() == State.RUNNING
				? new Progress(State.RUNNING, current.total(), done.get(), linkedRecords(), conflicts.get(), current.started(), null, null)
				: current;
	}

	private long linkedRecords() {
		Long linked = jdbc.queryForObject("SELECT COUNT(*) FROM OT_PERSON_RECORD r WHERE EXISTS (SELECT 1 FROM OT_PERSON_RECORD m "
				+ "WHERE m.PERSON_ID = r.PERSON_ID AND m.PATIENT_ID <> r.PATIENT_ID)", Long.class);
		return linked == null ? 0 : linked;
	}

	private void run(long total, Instant started) {
		try {
			eachPatient(patient -> {
				try {
					transaction.executeWithoutResult(tx -> linker.linkByIdentifiers(patient));
				} catch (BaseServerResponseException refused) {
					conflicts.incrementAndGet();
					log.warn("Relink: Patient/{} kept as a person of its own: {}", patient.getIdElement().getIdPart(), refused.getMessage());
					transaction.executeWithoutResult(tx -> linker.keepAlone(patient));
				}
			});
			eachPatient(patient -> {
				try {
					transaction.executeWithoutResult(tx -> linker.linkDeclared(patient));
				} catch (BaseServerResponseException refused) {
					conflicts.incrementAndGet();
					log.warn("Relink: the links Patient/{} declares were not applied: {}", patient.getIdElement().getIdPart(),
							refused.getMessage());
				}
			});
			progress.set(new Progress(State.DONE, total, done.get(), linkedRecords(), conflicts.get(), started, Instant.now(), null));
			log.info("Person relink done: {} records, {} linked to another, {} conflicts", done.get() / 2, linkedRecords(), conflicts.get());
		} catch (RuntimeException e) {
			log.error("Person relink failed after {} steps", done.get(), e);
			progress.set(new Progress(State.FAILED, total, done.get(), 0, conflicts.get(), started, Instant.now(), e.toString()));
		}
	}

	private void eachPatient(Consumer<Patient> step) {
		long after = -1;
		while (true) {
			List<Object[]> page = jdbc.query("SELECT RES_ID, FHIR_ID FROM HFJ_RESOURCE WHERE RES_TYPE = 'Patient' AND RES_ID > ? "
							+ "AND RES_DELETED_AT IS NULL ORDER BY RES_ID FETCH FIRST " + CHUNK + " ROWS ONLY",
					(rs, i) -> new Object[] {rs.getLong(1), rs.getString(2)}, after);
			if (page.isEmpty()) {
				return;
			}
			after = (Long) page.get(page.size() - 1)[0];
			TokenOrListParam byId = new TokenOrListParam();
			page.forEach(row -> byId.add((String) row[1]));
			SearchParameterMap search = SearchParameterMap.newSynchronous();
			search.add("_id", byId);
			search.setCount(page.size());
			List<Patient> patients = transaction.execute(tx -> daoRegistry.getResourceDao(Patient.class)
					.searchForResources(search, new SystemRequestDetails()).stream().map(Patient.class::cast).toList());
			for (Patient patient : patients) {
				step.accept(patient);
				done.incrementAndGet();
			}
		}
	}
}
