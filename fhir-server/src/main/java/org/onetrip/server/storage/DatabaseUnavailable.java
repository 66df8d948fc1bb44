package org.onetrip.server.storage;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import ca.uhn.fhir.rest.server.exceptions.UnclassifiedServerFailureException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.onetrip.server.hapi.Conflict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A FHIR request that failed because the database could not be reached (stopped, restarting, unreachable, no
 * connection free in time) or could not take the write (its disk full, its memory or connections exhausted) is
 * answered 503 with an OperationOutcome and Retry-After: the client should try again, and nothing of the request was
 * stored (its transaction never committed). Any other failure keeps its own status.
 */
@Interceptor
public final class DatabaseUnavailable {

	private static final Logger log = LoggerFactory.getLogger(DatabaseUnavailable.class);
	public static final String RETRY_AFTER_SECONDS = "5";
	/** What a client is told while the database is away. */
	public static final String UNAVAILABLE = "OneTrip's database is unavailable right now; nothing of this request was stored. "
			+ "Try again shortly";
	/** A full disk waits for an operator, not for a restart: clients are asked to come back later than for an outage. */
	static final String RETRY_AFTER_SECONDS_WHEN_DISK_FULL = "60";
	/** PostgreSQL's SQLSTATE disk_full: a table, index or WAL file could not grow. */
	private static final String DISK_FULL = "53100";
	/** PostgreSQL's SQLSTATEs deadlock_detected and serialization_failure: this transaction lost to another. */
	private static final String DEADLOCK_DETECTED = "40P01";
	private static final String SERIALIZATION_FAILURE = "40001";
	/** PostgreSQL's SQLSTATE class program_limit_exceeded: a statement past one of its limits, not an outage. */
	public static final String PROGRAM_LIMIT_EXCEEDED = "54";
	/** How often a full disk is told to the log at ERROR while it lasts (each refused request is a WARN). */
	private static final long DISK_FULL_LOG_EVERY_NANOS = Duration.ofMinutes(1).toNanos();

	/** How long after the last sign of a full disk a read's unexplained version conflict is put down to it. */
	private static final long DISK_FULL_REMEMBERED_NANOS = Duration.ofMinutes(5).toNanos();

	private static final Set<RestOperationTypeEnum> SEARCHES = EnumSet.of(RestOperationTypeEnum.SEARCH_TYPE,
			RestOperationTypeEnum.SEARCH_SYSTEM, RestOperationTypeEnum.GET_PAGE);

	private final DatabaseAvailability database;
	private final AtomicLong diskFullLoggedAt = new AtomicLong();
	/** System.nanoTime() of the last request that failed on a full disk; 0 before the first. */
	private volatile long diskFullSeenAt;

	/** @param database told when a request failed for want of the database, so the next ones are refused at once */
	public DatabaseUnavailable(DatabaseAvailability database) {
		this.database = database;
	}

	@Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
	public BaseServerResponseException translate(RequestDetails request, Throwable exception) {
		if (hasSqlState(exception, DISK_FULL)) {
			diskFullSeenAt = System.nanoTime();
			return diskFull(exception);
		}
		// A search is a write too: HAPI keeps its results in HFJ_SEARCH for paging. When that row cannot be stored, HAPI
		// may report the failure as a version conflict with no cause attached (its bookkeeping finds the row missing);
		// a search has no version to conflict with, so while the disk is known to be full that 409 is the full disk.
		// (Operations are left alone: some answer 409 on purpose, a consult nobody took yet, say.)
		if (exception instanceof ResourceVersionConflictException && request != null
				&& SEARCHES.contains(request.getRestOperationType()) && diskFullSeenAt != 0
				&& System.nanoTime() - diskFullSeenAt < DISK_FULL_REMEMBERED_NANOS) {
			return diskFull(exception);
		}
		// Two writes that each waited for a row the other held, which PostgreSQL ends by failing one (two FHIR
		// transactions booking the same two slots in opposite orders, say), or a transaction that could not be
		// serialized after another: nothing of it was stored, and the same request sent again finds the other done.
		if (hasSqlState(exception, DEADLOCK_DETECTED) || hasSqlState(exception, SERIALIZATION_FAILURE)) {
			log.warn("FHIR request answered 409: it met another write of the same rows at the same moment ({})", rootMessage(exception));
			return concurrentWrite();
		}
		if (!isConnectionFailure(exception)) {
			return null; // HAPI's own answer for everything else
		}
		log.warn("FHIR request answered 503: the database is unavailable ({})", rootMessage(exception));
		database.lost(rootMessage(exception));
		return unavailable(UNAVAILABLE, RETRY_AFTER_SECONDS);
	}

	/**
	 * A 503 with its OperationOutcome made here: HAPI then writes it as it is, without logging the request's stack
	 * trace (which it does for every 5xx whose outcome it has to make), so a database away or a full disk under load
	 * is one line per request in the log, not a hundred.
	 */
	private static BaseServerResponseException unavailable(String diagnostics, String retryAfterSeconds) {
		OperationOutcome outcome = new OperationOutcome();
		outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR).setCode(OperationOutcome.IssueType.TRANSIENT)
				.setDiagnostics(diagnostics);
		UnclassifiedServerFailureException unavailable = new UnclassifiedServerFailureException(503, diagnostics, outcome);
		unavailable.addResponseHeader("Retry-After", retryAfterSeconds);
		return unavailable;
	}

	/** A 409 with its outcome made here (as {@link #unavailable}'s is): HAPI then logs no stack trace for it. */
	private static BaseServerResponseException concurrentWrite() {
		return Conflict.of("This request met another write of the same records at the same moment, and the database "
				+ "stopped this one; nothing of it was stored. Send it again");
	}

	private BaseServerResponseException diskFull(Throwable exception) {
		long now = System.nanoTime();
		long last = diskFullLoggedAt.get();
		if ((last == 0 || now - last > DISK_FULL_LOG_EVERY_NANOS) && diskFullLoggedAt.compareAndSet(last, now)) {
			log.error("The database's disk is full ({}): every write is refused with 503 until space is freed on the disk "
					+ "holding PostgreSQL's data directory (<onetrip.data-dir>/postgres when OneTrip runs it); reads by id go "
					+ "on, searches fail too (HAPI keeps each search in the database), and nothing needs restarting once "
					+ "there is space", rootMessage(exception));
		} else {
			log.warn("FHIR request answered 503: the database's disk is full");
		}
		return unavailable("OneTrip's database has no space left on its disk; nothing of this request was stored. The "
				+ "region's operator has been told (server log); try again later", RETRY_AFTER_SECONDS_WHEN_DISK_FULL);
	}

	/**
	 * Whether an SQL exception in the chain carries this SQLSTATE: a whole code ("53100") or a class, its first two
	 * characters ("54"). SQLSTATEs are five characters, so a whole code matches only itself.
	 */
	public static boolean hasSqlState(Throwable exception, String codeOrClass) {
		for (Throwable t = exception; t != null; t = t.getCause() == t ? null : t.getCause()) {
			if (t instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith(codeOrClass)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * A lost or refused connection, or a database out of memory or connections (SQLSTATE class 53 but a full disk,
	 * which {@link #translate} tells apart), as opposed to a statement the database refused.
	 */
	public static boolean isConnectionFailure(Throwable exception) {
		// A value past one of PostgreSQL's limits (class 54: an index row too large, say) is the statement's own, though
		// Spring reports it as a resource failure: taken for the database away, a caller could make every request 503.
		if (hasSqlState(exception, PROGRAM_LIMIT_EXCEEDED)) {
			return false;
		}
		for (Throwable t = exception; t != null; t = t.getCause() == t ? null : t.getCause()) {
			if (t instanceof SQLTransientConnectionException
					|| t instanceof org.springframework.transaction.CannotCreateTransactionException
					|| t instanceof org.hibernate.exception.JDBCConnectionException
					|| t instanceof org.springframework.dao.DataAccessResourceFailureException) {
				return true;
			}
			// A rollback that could not be made: the connection was lost mid-transaction, and the pool's closed
			// connection says so without an SQLState ("Connection is closed"), the request's own failure overridden.
			if (t instanceof org.hibernate.TransactionException && t.getMessage() != null
					&& t.getMessage().startsWith("Unable to rollback")) {
				return true;
			}
			if (t instanceof SQLException sql && sql.getSQLState() != null
					// 08: connection exception; 57P01-57P03: the server is shutting down or not yet accepting;
					// 53000, 53200, 53300: insufficient resources, out of memory, too many connections
					&& (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P")
							|| sql.getSQLState().equals("53000") || sql.getSQLState().equals("53200")
							|| sql.getSQLState().equals("53300"))) {
				return true;
			}
		}
		return false;
	}

	public static String rootMessage(Throwable exception) {
		Throwable t = exception;
		while (t.getCause() != null && t.getCause() != t) {
			t = t.getCause();
		}
		return t.getClass().getSimpleName() + ": " + t.getMessage();
	}
}
