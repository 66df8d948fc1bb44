package org.onetrip.server.followup;

import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.onetrip.server.sql.NamedLocks;
import org.onetrip.workflow.followup.FollowUpMatch;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The follow-up file in OneTrip's database: every follow-up Task of every CarePlan, with its window, whether it is done
 * (by what, on time or late) and whether its reminder went out. Tasks are the FHIR record; these rows are what a result
 * is matched against (under a lock per person) and what adherence is counted from.
 */
public class FollowUpLedger {

	/** One follow-up as stored. {@code examCode} is the catalogue code, null for a visit. */
	public record Row(String taskId, String carePlanId, String planUrl, String personId, String patientId, String hospital,
			String examCode, String title, LocalDate opens, LocalDate due, boolean done) {
		FollowUpMatch.Open open() {
			return new FollowUpMatch.Open(taskId, examCode, opens, due);
		}
	}

	private final JdbcTemplate jdbc;

	public FollowUpLedger(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
		jdbc.execute("CREATE TABLE IF NOT EXISTS OT_FOLLOW_UP (TASK_ID VARCHAR(64) NOT NULL PRIMARY KEY, CAREPLAN_ID VARCHAR(64) NOT NULL, "
				+ "PLAN_URL VARCHAR(300) NOT NULL, PERSON_ID VARCHAR(128) NOT NULL, PATIENT_ID VARCHAR(128) NOT NULL, "
				+ "HOSPITAL VARCHAR(128) NOT NULL, EXAM_CODE VARCHAR(64), TITLE TEXT NOT NULL, OPENS BIGINT NOT NULL, "
				+ "DUE BIGINT NOT NULL, DONE BOOLEAN NOT NULL DEFAULT FALSE, DONE_BY TEXT, DONE_DAY BIGINT, ON_TIME BOOLEAN, "
				+ "REMINDED BOOLEAN NOT NULL DEFAULT FALSE, CANCELLED BOOLEAN NOT NULL DEFAULT FALSE)");
		jdbc.execute("CREATE INDEX IF NOT EXISTS OT_FOLLOW_UP_PATIENT ON OT_FOLLOW_UP (PATIENT_ID, DONE)");
		jdbc.execute("CREATE INDEX IF NOT EXISTS OT_FOLLOW_UP_DUE ON OT_FOLLOW_UP (DONE, REMINDED, DUE)");
	}

	/** Decisions about one name (a person's plan) wait for each other until the transaction ends, on any instance. */
	public void serialise(String name) {
		NamedLocks.lockUntilCommit(jdbc, "follow-up|" + name);
	}

	public void add(Row row) {
		jdbc.update("INSERT INTO OT_FOLLOW_UP (TASK_ID, CAREPLAN_ID, PLAN_URL, PERSON_ID, PATIENT_ID, HOSPITAL, EXAM_CODE, TITLE, OPENS, DUE) "
						+ "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row.taskId(), row.carePlanId(), row.planUrl(), row.personId(), row.patientId(),
				row.hospital(), row.examCode(), row.title(), row.opens().toEpochDay(), row.due().toEpochDay());
	}

	private static final String ROW = "SELECT TASK_ID, CAREPLAN_ID, PLAN_URL, PERSON_ID, PATIENT_ID, HOSPITAL, EXAM_CODE, TITLE, OPENS, DUE, DONE "
			+ "FROM OT_FOLLOW_UP";

	private static Row row(java.sql.ResultSet rs, int i) throws java.sql.SQLException {
		return new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7),
				rs.getString(8), LocalDate.ofEpochDay(rs.getLong(9)), LocalDate.ofEpochDay(rs.getLong(10)), rs.getBoolean(11));
	}

	/**
	 * The open follow-ups of this record's person (of any of their records, as the person ledger links them now), locked
	 * until the transaction ends: two results of one person are matched one after the other.
	 */
	public List<Row> lockOpenOfPerson(String patientId) {
		return jdbc.query(ROW + " WHERE NOT DONE AND (PATIENT_ID = ? OR PATIENT_ID IN (SELECT m.PATIENT_ID FROM OT_PERSON_RECORD r "
				+ "JOIN OT_PERSON_RECORD m ON m.PERSON_ID = r.PERSON_ID WHERE r.PATIENT_ID = ?)) ORDER BY DUE, TASK_ID FOR UPDATE",
				FollowUpLedger::row, patientId, patientId);
	}

	public Optional<Row> task(String taskId) {
		return jdbc.query(ROW + " WHERE TASK_ID = ?", FollowUpLedger::row, taskId).stream().findFirst();
	}

	/** For a follow-up visit: the exams of its plan due the same day whose results are not in yet (pre-visit mode). */
	public List<Row> openPrerequisites(Row visit) {
		return jdbc.query(ROW + " WHERE CAREPLAN_ID = ? AND DUE = ? AND EXAM_CODE IS NOT NULL AND NOT DONE ORDER BY TITLE", FollowUpLedger::row,
				visit.carePlanId(), visit.due().toEpochDay());
	}

	/** Whether this record's person follows the plan already: a follow-up of it still due today or later. */
	public boolean followsPlan(String patientId, String planUrl, LocalDate today) {
		return !jdbc.queryForList("SELECT 1 FROM OT_FOLLOW_UP WHERE PLAN_URL = ? AND DUE >= ? AND (PATIENT_ID = ? OR PATIENT_ID IN "
				+ "(SELECT m.PATIENT_ID FROM OT_PERSON_RECORD r JOIN OT_PERSON_RECORD m ON m.PERSON_ID = r.PERSON_ID WHERE r.PATIENT_ID = ?)) "
				+ "FETCH FIRST 1 ROWS ONLY", Integer.class, planUrl, today.toEpochDay(), patientId, patientId).isEmpty();
	}

	public void done(String taskId, String doneBy, LocalDate day, boolean onTime) {
		jdbc.update("UPDATE OT_FOLLOW_UP SET DONE = TRUE, DONE_BY = ?, DONE_DAY = ?, ON_TIME = ? WHERE TASK_ID = ?", doneBy, day.toEpochDay(),
				onTime, taskId);
	}

	/** Open follow-ups past their due day whose reminder has not gone out, the longest overdue first. */
	public List<Row> overdueNotReminded(LocalDate today, int limit) {
		return jdbc.query(ROW + " WHERE NOT DONE AND NOT REMINDED AND DUE < ? ORDER BY DUE FETCH FIRST " + limit + " ROWS ONLY",
				FollowUpLedger::row, today.toEpochDay());
	}

	/** Marks the reminder sent; false when another instance sent it first, or the follow-up was done meanwhile. */
	public boolean reminded(String taskId) {
		return jdbc.update("UPDATE OT_FOLLOW_UP SET REMINDED = TRUE WHERE TASK_ID = ? AND NOT REMINDED AND NOT DONE", taskId) == 1;
	}

	/** A follow-up given up (its Task cancelled, rejected, failed, entered in error or deleted): no longer open or counted. */
	public void cancelled(String taskId) {
		jdbc.update("UPDATE OT_FOLLOW_UP SET DONE = TRUE, CANCELLED = TRUE WHERE TASK_ID = ? AND NOT DONE", taskId);
	}

	/** Whether this result already completed a follow-up (a result re-sent or corrected completes nothing more). */
	public boolean completedBy(String doneBy) {
		return !jdbc.queryForList("SELECT 1 FROM OT_FOLLOW_UP WHERE DONE_BY = ? FETCH FIRST 1 ROWS ONLY", Integer.class, doneBy).isEmpty();
	}

	/** Adherence per hospital and plan: follow-ups due by {@code until}, done on time, done late, overdue (open). */
	public List<Adherence> adherence(LocalDate until) {
		return jdbc.query("SELECT HOSPITAL, PLAN_URL, COUNT(*), SUM(CASE WHEN DONE AND ON_TIME THEN 1 ELSE 0 END), "
						+ "SUM(CASE WHEN DONE AND NOT ON_TIME THEN 1 ELSE 0 END), SUM(CASE WHEN NOT DONE THEN 1 ELSE 0 END) "
						+ "FROM OT_FOLLOW_UP WHERE DUE <= ? AND NOT CANCELLED GROUP BY HOSPITAL, PLAN_URL ORDER BY HOSPITAL, PLAN_URL",
				(rs, i) -> new Adherence(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6)),
				until.toEpochDay());
	}

	public record Adherence(String hospital, String planUrl, long due, long onTime, long late, long overdue) {}
}
