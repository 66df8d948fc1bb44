package org.onetrip.server.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.onetrip.server.ServerTest;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Rows stored beside an audit record (a booking refused at the door counts an attempt this way): by the record's own
 * statement, so both or neither; and a row the database refuses does not cost the record, nor the record the row.
 */
class RowsBesideTheRecordTest extends ServerTest {

	@Autowired
	AuditTrail trail;

	@Autowired
	AuditEventStore store;

	@Autowired
	DataSource dataSource;

	JdbcTemplate jdbc;

	@BeforeEach
	void scratchTable() {
		jdbc = new JdbcTemplate(dataSource);
		jdbc.execute("CREATE TABLE IF NOT EXISTS OT_TEST_BESIDE (NOTE TEXT NOT NULL, AT TIMESTAMP)");
	}

	@Test
	void aRecordAndTheRowsBesideItAreStoredTogether() {
		String subject = unique("beside");
		trail.record(record(subject), List.of(row(subject + "-1"), row(subject + "-2")));

		assertThat(records(subject)).isEqualTo(1);
		assertThat(rows(subject + "-%")).isEqualTo(2);
	}

	@Test
	void oneStatementStoresBothOrNeither() {
		String subject = unique("neither");
		assertThatThrownBy(() -> store.appendWith(record(subject), record(subject).toJson(), List.of(row(subject), row(null))))
				.isInstanceOf(DataIntegrityViolationException.class);

		assertThat(records(subject)).as("the record's insert went with the refused row").isZero();
		assertThat(rows(subject)).as("and so did the other row").isZero();
	}

	@Test
	void aRowTheDatabaseRefusesDoesNotCostTheRecordNorTheOtherRows() {
		String subject = unique("refused-row");
		trail.record(record(subject), List.of(row(subject), row(null)));

		assertThat(records(subject)).as("stored alone after the statement with its rows was refused").isEqualTo(1);
		assertThat(rows(subject)).as("each row on its own; the refused one goes to the log").isEqualTo(1);
	}

	@Test
	void rowsOfARequestThatIsNotAuditedAreWrittenAlone() {
		String subject = unique("alone");
		trail.writeAlone(List.of(row(subject), row(null), row(subject)));

		assertThat(rows(subject)).isEqualTo(2);
	}

	@Test
	void onlyPlainNamesMakeARow() {
		assertThatThrownBy(() -> new RowBesideTheRecord("OT_TEST_BESIDE; DROP TABLE X", List.of("NOTE"), List.of("a")))
				.isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> new RowBesideTheRecord("OT_TEST_BESIDE", List.of("NOTE", "AT"), List.of("a")))
				.isInstanceOf(IllegalArgumentException.class);
		for (String notPlain : new String[] {"", "1ST", "A-B", "A B", "Ä", "A;", "A\"", "ROW.COL"}) {
			assertThat(RowBesideTheRecord.plainName(notPlain)).as(notPlain).isFalse();
		}
		for (String plain : new String[] {"A", "_", "_A1", "OT_APPOINTMENT_ATTEMPT", "z9"}) {
			assertThat(RowBesideTheRecord.plainName(plain)).as(plain).isTrue();
		}
		assertThat(new RowBesideTheRecord("OT_TEST_BESIDE", List.of("NOTE", "AT"), Arrays.asList("a", null)).insert())
				.isEqualTo("INSERT INTO OT_TEST_BESIDE (NOTE, AT) VALUES (?, ?)");
	}

	private static RowBesideTheRecord row(String note) {
		return new RowBesideTheRecord("OT_TEST_BESIDE", List.of("NOTE", "AT"), Arrays.asList(note, java.sql.Timestamp.from(Instant.now())));
	}

	private static AuditRecord record(String subject) {
		return new AuditRecord(Instant.now(), "rest", "C", "create", subject, "hospital-a", "127.0.0.1", "POST /fhir/Appointment",
				List.of(), List.of(), 409, "Appointment not booked: the slot is full", false, null);
	}

	private int records(String subject) {
		return jdbc.queryForObject("SELECT COUNT(*) FROM OT_AUDIT_EVENT WHERE RECORD LIKE ?", Integer.class, "%\"" + subject + "\"%");
	}

	private int rows(String notePattern) {
		return jdbc.queryForObject("SELECT COUNT(*) FROM OT_TEST_BESIDE WHERE NOTE LIKE ?", Integer.class, notePattern);
	}
}
