package org.onetrip.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.onetrip.server.storage.LocalPostgres;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Audit records made while the database is away wait in memory and are stored once it is back, each with the rows that
 * were to go beside it (a booking refused at the door counts its attempt so): both arrive, once each, with no restart.
 * The trail runs on a PostgreSQL of its own that the test stops and starts again; no server is needed.
 */
class AuditWaitsForTheDatabaseTest {

	@Test
	void recordsAndTheirRowsMadeWhileTheDatabaseIsAwayAreStoredOnceItIsBack() throws Exception {
		Path databaseDir = Files.createTempDirectory(Path.of("target"), "audit-wait-pg-").toAbsolutePath();
		LocalPostgres postgres = LocalPostgres.start(LocalPostgres.Settings.under(databaseDir));
		int port = postgres.port();
		// A connection per statement: while the database is away each one fails at once, as a pool's would once it knew.
		JdbcTemplate jdbc = new JdbcTemplate(new DriverManagerDataSource(postgres.jdbcUrl(), postgres.user(), postgres.password()));
		// What the trail looks at besides its own tables: HAPI's resource table (it adopts AuditEvents HAPI stored).
		jdbc.execute("CREATE TABLE HFJ_RESOURCE (RES_ID BIGINT, FHIR_ID TEXT, RES_TYPE TEXT, RES_DELETED_AT TIMESTAMP)");
		jdbc.execute("CREATE TABLE OT_TEST_BESIDE (NOTE TEXT NOT NULL, AT TIMESTAMP)");
		AuditTrail trail = new AuditTrail(new AuditEventStore(jdbc), null, FhirContext.forR4Cached(),
				new DataSourceTransactionManager(jdbc.getDataSource()), new SimpleMeterRegistry(), jdbc);
		try {
			trail.record(record("before"), List.of(row("before")));
			assertThat(records("before", jdbc)).isEqualTo(1);

			postgres.close();
			// A refusal at the door (its attempt beside the record), then two requests audited without rows.
			trail.record(record("away-refused"), List.of(row("away-refused-attempt")));
			trail.record(record("away-read-1"));
			trail.record(record("away-read-2"), List.of());

			postgres = LocalPostgres.start(LocalPostgres.Settings.under(databaseDir).withPort(port));
			awaitStored(jdbc, "away-read-2");
			assertThat(records("away-refused", jdbc)).isEqualTo(1);
			assertThat(rows("away-refused-attempt", jdbc)).as("the attempt came with its record").isEqualTo(1);
			assertThat(records("away-read-1", jdbc)).isEqualTo(1);
			assertThat(records("away-read-2", jdbc)).isEqualTo(1);
			assertThat(rows("before", jdbc)).as("nothing stored twice").isEqualTo(1);

			trail.record(record("after"), List.of(row("after")));
			assertThat(records("after", jdbc)).as("written at once again").isEqualTo(1);
			assertThat(rows("after", jdbc)).isEqualTo(1);
		} finally {
			trail.destroy();
			postgres.close();
		}
	}

	private static void awaitStored(JdbcTemplate jdbc, String subject) throws InterruptedException {
		Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
		while (Instant.now().isBefore(deadline)) {
			try {
				if (records(subject, jdbc) > 0) {
					return;
				}
			} catch (org.springframework.dao.DataAccessException startingStill) {
				// the database is still starting: look again
			}
			Thread.sleep(100);
		}
		throw new AssertionError("the records kept while the database was away were not stored within 60 s of its return");
	}

	private static RowBesideTheRecord row(String note) {
		return new RowBesideTheRecord("OT_TEST_BESIDE", List.of("NOTE", "AT"), Arrays.asList(note, java.sql.Timestamp.from(Instant.now())));
	}

	private static AuditRecord record(String subject) {
		return new AuditRecord(Instant.now(), "rest", "C", "create", subject, "hospital-a", "127.0.0.1", "POST /fhir/Appointment",
				List.of(), List.of(), 409, "Appointment not booked: the slot is full", false, null);
	}

	private static int records(String subject, JdbcTemplate jdbc) {
		return jdbc.queryForObject("SELECT COUNT(*) FROM OT_AUDIT_EVENT WHERE RECORD LIKE ?", Integer.class, "%\"" + subject + "\"%");
	}

	private static int rows(String note, JdbcTemplate jdbc) {
		return jdbc.queryForObject("SELECT COUNT(*) FROM OT_TEST_BESIDE WHERE NOTE = ?", Integer.class, note);
	}
}
