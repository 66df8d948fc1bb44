package org.onetrip.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.ServerTest;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A record holding a value past one of PostgreSQL's limits (a name too long for its index, which any caller can put in
 * a URL) is the record's own fault: it goes to the log whole, and every other record is stored as before. Taken for
 * the database being away, it stopped the whole trail: every later record waited behind it for good.
 */
class ValuesPastTheDatabasesLimitsTest extends ServerTest {

	@Autowired
	AuditTrail trail;

	@Autowired
	DataSource dataSource;

	JdbcTemplate jdbc;

	@BeforeEach
	void database() {
		jdbc = new JdbcTemplate(dataSource);
	}

	@Test
	void aRecordTheIndexCannotTakeDoesNotStopTheTrail() throws InterruptedException {
		String subject = unique("after-the-long-one");
		trail.record(record(unique("long-one"), List.of("Patient/" + incompressible(6000))));
		trail.record(record(subject, List.of("Patient/" + unique("p"))));

		awaitStored(subject);
	}

	@Test
	void aCallersLongIdInTheUrlDoesNotStopTheTrail() throws InterruptedException {
		String letters = incompressible(6000);
		FhirHttp.Response longId = fhir.get("/Patient/" + letters);
		assertThat(longId.status()).isBetween(400, 499);
		assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM OT_AUDIT_EVENT WHERE RECORD LIKE ?", Integer.class, "%" + letters + "%"))
				.as("the refused read's own record, in the table: its URL is no record's id, so it names none").isEqualTo(1);

		String subject = unique("after-the-long-url");
		trail.record(record(subject, List.of()));
		awaitStored(subject);
	}

	/** Stored at once, or by the trail's writer within seconds were it waiting (it tries again every second). */
	private void awaitStored(String subject) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (stored(subject) == 0 && System.nanoTime() < deadline) {
			Thread.sleep(100);
		}
		assertThat(stored(subject)).isEqualTo(1);
	}

	private int stored(String subject) {
		return jdbc.queryForObject("SELECT COUNT(*) FROM OT_AUDIT_EVENT WHERE RECORD LIKE ?", Integer.class, "%\"" + subject + "\"%");
	}

	/** Letters at random: PostgreSQL's compression cannot bring them under its index row limit (~2.7 KB). */
	private static String incompressible(int length) {
		Random random = new Random(length);
		StringBuilder letters = new StringBuilder(length);
		for (int i = 0; i < length; i++) {
			letters.append((char) ((random.nextBoolean() ? 'a' : 'A') + random.nextInt(26)));
		}
		return letters.toString();
	}

	private static AuditRecord record(String subject, List<String> entities) {
		return new AuditRecord(Instant.now(), "rest", "R", "read", subject, "hospital-a", "127.0.0.1", "GET /fhir/Patient",
				entities, List.of(), 200, null, false, null);
	}
}
