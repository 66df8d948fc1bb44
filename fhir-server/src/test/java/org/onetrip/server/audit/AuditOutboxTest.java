package org.onetrip.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.json.JsonMapper;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.Test;
import org.onetrip.server.ServerTest;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The audit outbox: a record is an outbox row before it is an AuditEvent, so rows a stopped or killed instance (or
 * another instance on the database) left behind become AuditEvents here, each exactly once.
 */
class AuditOutboxTest extends ServerTest {

	@Autowired
	DataSource dataSource;

	@Test
	void rowsLeftInTheOutboxByAnotherProcessBecomeAuditEventsOnceEach() throws Exception {
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		String subject = unique("left-behind");
		var json = JsonMapper.builder().findAndAddModules().build();
		for (int i = 0; i < 3; i++) {
			AuditRecord record = new AuditRecord(Instant.parse("2026-12-01T23:59:0" + i + "Z"), "rest", "C", "create", subject,
					"hospital-a", "127.0.0.1", null, List.of("Appointment/never-stored-" + i), List.of(), 409,
					"Appointment not booked: slot s1 is full", false);
			jdbc.update("INSERT INTO OT_AUDIT_OUTBOX (RECORD) VALUES (?)", json.writeValueAsString(record));
		}

		List<AuditEvent> events = awaitEvents(subject, 3);
		assertThat(events).extracting(e -> e.getEntityFirstRep().getWhat().getIdentifier().getValue())
				.as("a refused create names a resource that never came to be: kept as an identifier")
				.containsExactlyInAnyOrder("Appointment/never-stored-0", "Appointment/never-stored-1", "Appointment/never-stored-2");
		assertThat(events).allSatisfy(e -> assertThat(e.getOutcomeDesc()).startsWith("409 Appointment not booked"));
		Thread.sleep(1500);
		assertThat(awaitEvents(subject, 3)).as("each row written once").hasSize(3);
		assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM OT_AUDIT_OUTBOX WHERE RECORD LIKE ?", Integer.class, "%" + subject + "%"))
				.as("and gone from the outbox").isZero();
	}

	@Test
	void anUnreadableRowGoesToTheLogAndDoesNotStopTheRowsAfterIt() throws Exception {
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		String subject = unique("after-garbage");
		jdbc.update("INSERT INTO OT_AUDIT_OUTBOX (RECORD) VALUES (?)", "{\"when\": \"not a time\", " + subject);
		AuditRecord record = new AuditRecord(Instant.parse("2026-12-01T23:59:02Z"), "rest", "R", "read", subject,
				"hospital-a", "127.0.0.1", null, List.of(), List.of(), 200, null, false);
		jdbc.update("INSERT INTO OT_AUDIT_OUTBOX (RECORD) VALUES (?)", JsonMapper.builder().findAndAddModules().build()
				.writeValueAsString(record));

		assertThat(awaitEvents(subject, 1)).hasSize(1);
		assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM OT_AUDIT_OUTBOX WHERE RECORD LIKE ?", Integer.class, "%" + subject + "%"))
				.as("the unreadable row is gone too (logged whole)").isZero();
	}

	private List<AuditEvent> awaitEvents(String subject, int wanted) throws InterruptedException {
		long deadline = System.currentTimeMillis() + 15_000;
		List<AuditEvent> found = List.of();
		while (System.currentTimeMillis() < deadline) {
			// Recorded in the seconds the rows name; this test's rows are the ones whose caller is its subject.
			Bundle bundle = fhir.getFresh("/AuditEvent?date=ge2026-12-01T23:59:00Z&date=le2026-12-01T23:59:03Z&_count=100").bundle();
			found = bundle.getEntry().stream().map(e -> (AuditEvent) e.getResource())
					.filter(e -> e.getAgentFirstRep().getWho().getDisplay().endsWith("/" + subject)).toList();
			if (found.size() >= wanted) {
				return found;
			}
			Thread.sleep(200);
		}
		return found;
	}
}
