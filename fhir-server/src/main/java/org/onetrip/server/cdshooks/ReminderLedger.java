package org.onetrip.server.cdshooks;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Every duplicate-exam reminder OneTrip issued and what the doctor did with it: the figures the
 * province reports (reminders issued, accepted, overridden and why, per hospital and exam type).
 */
public class ReminderLedger {

	/** A card as issued. */
	public record Reminder(String cardUuid, String serviceId, String hookInstance, Instant issuedAt, String hospitalKey,
			String examCode, String patientId, String priorSource, boolean emergency, String userId,
			String outcome, String overrideReason) {}

	/** One row of the statistics: reminders of one hospital and exam type. */
	public record Tally(String hospitalKey, String examCode, long issued, long accepted, long overridden, long informational) {}

	private final JdbcTemplate jdbc;
	private final MeterRegistry meters;

	public ReminderLedger(JdbcTemplate jdbc, MeterRegistry meters) {
		this.jdbc = jdbc;
		this.meters = meters;
		jdbc.execute("CREATE TABLE IF NOT EXISTS OT_CDS_REMINDER ("
				+ "CARD_UUID VARCHAR(64) NOT NULL PRIMARY KEY, SERVICE_ID VARCHAR(64) NOT NULL, HOOK_INSTANCE VARCHAR(128), "
				+ "ISSUED_AT BIGINT NOT NULL, HOSPITAL_KEY VARCHAR(64), EXAM_CODE VARCHAR(64) NOT NULL, "
				+ "PATIENT_ID VARCHAR(128), PRIOR_SOURCE VARCHAR(256), EMERGENCY BOOLEAN NOT NULL, USER_ID VARCHAR(256), "
				+ "OUTCOME VARCHAR(16), OVERRIDE_REASON VARCHAR(64), USER_COMMENT VARCHAR(1024), OUTCOME_AT BIGINT)");
		jdbc.execute("CREATE INDEX IF NOT EXISTS OT_CDS_REMINDER_ISSUED ON OT_CDS_REMINDER (ISSUED_AT)");
	}

	public void issued(Reminder r) {
		jdbc.update("INSERT INTO OT_CDS_REMINDER (CARD_UUID, SERVICE_ID, HOOK_INSTANCE, ISSUED_AT, HOSPITAL_KEY, EXAM_CODE, "
						+ "PATIENT_ID, PRIOR_SOURCE, EMERGENCY, USER_ID) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				r.cardUuid(), r.serviceId(), r.hookInstance(), r.issuedAt().toEpochMilli(), r.hospitalKey(), r.examCode(),
				r.patientId(), r.priorSource(), r.emergency(), r.userId());
		Counter.builder("onetrip.cds.reminders")
				.description("Duplicate-exam reminders issued to doctors")
				.tag("hospital", tag(r.hospitalKey())).tag("exam", r.examCode())
				.tag("kind", r.emergency() ? "informational" : "duplicate")
				.register(meters).increment();
	}

	public Optional<Reminder> find(String cardUuid) {
		return jdbc.query("SELECT * FROM OT_CDS_REMINDER WHERE CARD_UUID = ?", (rs, i) -> new Reminder(
						rs.getString("CARD_UUID"), rs.getString("SERVICE_ID"), rs.getString("HOOK_INSTANCE"),
						Instant.ofEpochMilli(rs.getLong("ISSUED_AT")), rs.getString("HOSPITAL_KEY"), rs.getString("EXAM_CODE"),
						rs.getString("PATIENT_ID"), rs.getString("PRIOR_SOURCE"), rs.getBoolean("EMERGENCY"),
						rs.getString("USER_ID"), rs.getString("OUTCOME"), rs.getString("OVERRIDE_REASON")), cardUuid)
				.stream().findFirst();
	}

	/**
	 * Records the doctor's answer once. @return false when the card already has an outcome (a second
	 * answer for the same card does not count twice).
	 */
	public boolean outcome(Reminder r, String outcome, String overrideReason, String userComment, Instant at) {
		int updated = jdbc.update("UPDATE OT_CDS_REMINDER SET OUTCOME = ?, OVERRIDE_REASON = ?, USER_COMMENT = ?, OUTCOME_AT = ? "
				+ "WHERE CARD_UUID = ? AND OUTCOME IS NULL", outcome, overrideReason, userComment, at.toEpochMilli(), r.cardUuid());
		if (updated == 1) {
			Counter.builder("onetrip.cds.feedback")
					.description("Doctors' answers to duplicate-exam reminders")
					.tag("hospital", tag(r.hospitalKey())).tag("exam", r.examCode()).tag("outcome", outcome)
					.tag("reason", tag(overrideReason))
					.register(meters).increment();
		}
		return updated == 1;
	}

	public List<Tally> tallies(Instant from, Instant to) {
		return jdbc.query("SELECT HOSPITAL_KEY, EXAM_CODE, COUNT(*) AS ISSUED, "
						+ "SUM(CASE WHEN OUTCOME = 'accepted' THEN 1 ELSE 0 END) AS ACCEPTED, "
						+ "SUM(CASE WHEN OUTCOME = 'overridden' THEN 1 ELSE 0 END) AS OVERRIDDEN, "
						+ "SUM(CASE WHEN EMERGENCY THEN 1 ELSE 0 END) AS INFORMATIONAL "
						+ "FROM OT_CDS_REMINDER WHERE ISSUED_AT >= ? AND ISSUED_AT < ? "
						+ "GROUP BY HOSPITAL_KEY, EXAM_CODE ORDER BY HOSPITAL_KEY, EXAM_CODE",
				(rs, i) -> new Tally(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6)),
				from.toEpochMilli(), to.toEpochMilli());
	}

	/** Override reasons given, counted, in the same period. */
	public Map<String, Long> overrideReasons(Instant from, Instant to) {
		Map<String, Long> reasons = new java.util.TreeMap<>();
		jdbc.query("SELECT OVERRIDE_REASON, COUNT(*) FROM OT_CDS_REMINDER WHERE OUTCOME = 'overridden' "
						+ "AND ISSUED_AT >= ? AND ISSUED_AT < ? GROUP BY OVERRIDE_REASON",
				rs -> {
					reasons.put(tag(rs.getString(1)), rs.getLong(2));
				}, from.toEpochMilli(), to.toEpochMilli());
		return reasons;
	}

	private static String tag(String value) {
		return value == null ? "none" : value;
	}
}
