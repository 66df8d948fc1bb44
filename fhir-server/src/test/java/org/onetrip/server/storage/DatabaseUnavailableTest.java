package org.onetrip.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import java.lang.reflect.InvocationTargetException;
import java.sql.SQLException;
import org.hibernate.TransactionException;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.orm.jpa.JpaSystemException;

/** Which failures are the database being away (503), told from the exception chains HAPI hands over; no server. */
class DatabaseUnavailableTest {

	@Test
	void aRollbackOnAConnectionThePoolHadClosedIsTheDatabaseBeingAway() {
		// As seen when PostgreSQL stopped mid-request: the pool's closed connection refuses the rollback without an
		// SQLState, and Spring reports the rollback's failure instead of the request's.
		Throwable lost = new InternalErrorException("HAPI-0389: Failed to call access method", new InvocationTargetException(
				new JpaSystemException(new TransactionException("Unable to rollback against JDBC Connection",
						new SQLException("Connection is closed")))));
		assertThat(DatabaseUnavailable.isConnectionFailure(lost)).isTrue();
	}

	@Test
	void aStatementTheDatabaseRefusedIsNot() {
		Throwable refused = new InternalErrorException("HAPI-0389", new SQLException("duplicate key value", "23505"));
		assertThat(DatabaseUnavailable.isConnectionFailure(refused)).isFalse();
		assertThat(DatabaseUnavailable.isConnectionFailure(new TransactionException("Transaction was marked for rollback only")))
				.isFalse();
	}

	@Test
	void aValuePastOneOfTheDatabasesLimitsIsNotTheDatabaseAway() {
		// As Spring reports PostgreSQL's refusal of an index row too large: a resource failure, by SQLSTATE class 54.
		Throwable tooLarge = new InternalErrorException("HAPI-0389", new DataAccessResourceFailureException("PreparedStatementCallback",
				new SQLException("index row size 6024 exceeds maximum 2712 for index", "54000")));
		assertThat(DatabaseUnavailable.isConnectionFailure(tooLarge)).isFalse();
		Throwable away = new DataAccessResourceFailureException("x", new SQLException("Connection refused", "08001"));
		assertThat(DatabaseUnavailable.isConnectionFailure(away)).isTrue();
	}

	@Test
	void aWriteThePostgresqlDeadlockDetectorStoppedIsA409ToSendAgain() {
		DatabaseUnavailable translate = new DatabaseUnavailable(new DatabaseAvailability(() -> {}));
		// As a slot claim reaches HAPI from a pre-commit hook: Spring's translation inside HAPI's wrapper.
		Throwable deadlock = new InternalErrorException("HAPI-0389", new org.springframework.dao.CannotAcquireLockException(
				"PreparedStatementCallback", new SQLException("deadlock detected", "40P01")));
		Throwable serialization = new InternalErrorException("HAPI-0389", new SQLException("could not serialize access", "40001"));

		for (Throwable lost : new Throwable[] {deadlock, serialization}) {
			ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException answer = translate.translate(null, lost);
			assertThat(answer.getStatusCode()).isEqualTo(409);
			assertThat(((org.hl7.fhir.r4.model.OperationOutcome) answer.getOperationOutcome()).getIssueFirstRep().getDiagnostics())
					.contains("nothing of it was stored").endsWith("Send it again");
		}
		assertThat(translate.translate(null, new InternalErrorException("HAPI-0389", new SQLException("duplicate key value", "23505"))))
				.as("another refusal keeps HAPI's answer").isNull();
	}
}
