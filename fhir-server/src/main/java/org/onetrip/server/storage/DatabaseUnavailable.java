package org.onetrip.server.storage;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.UnclassifiedServerFailureException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A FHIR request that failed because the database could not be reached (stopped, restarting, unreachable, no
 * connection free in time) is answered 503 with an OperationOutcome and Retry-After: the client should try again,
 * and nothing of the request was stored (its transaction never committed). Any other failure keeps its own status.
 */
@Interceptor
public final class DatabaseUnavailable {

	private static final Logger log = LoggerFactory.getLogger(DatabaseUnavailable.class);
	static final String RETRY_AFTER_SECONDS = "5";

	@Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
	public BaseServerResponseException translate(Throwable exception) {
		if (!isConnectionFailure(exception)) {
			return null; // HAPI's own answer for everything else
		}
		log.warn("FHIR request answered 503: the database is unavailable ({})", rootMessage(exception));
		UnclassifiedServerFailureException unavailable = new UnclassifiedServerFailureException(503,
				"OneTrip's database is unavailable right now; nothing of this request was stored. Try again shortly");
		unavailable.addResponseHeader("Retry-After", RETRY_AFTER_SECONDS);
		return unavailable;
	}

	/** A lost or refused connection, as opposed to a statement the database refused. */
	static boolean isConnectionFailure(Throwable exception) {
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
					// 08: connection exception; 57P01-57P03: the server is shutting down or not yet accepting
					&& (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
				return true;
			}
		}
		return false;
	}

	private static String rootMessage(Throwable exception) {
		Throwable t = exception;
		while (t.getCause() != null && t.getCause() != t) {
			t = t.getCause();
		}
		return t.getClass().getSimpleName() + ": " + t.getMessage();
	}
}
