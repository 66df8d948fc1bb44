package org.onetrip.server.priorexam;

import org.onetrip.server.sql.SqlPlaceholders;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.onetrip.terminology.exam.PriorExam;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The prior-exam index as one table in OneTrip's own database. It takes part in
 * the JPA transaction of the FHIR write that feeds it (same DataSource), so a write that rolls back
 * leaves no index row behind.
 */
public class RelationalPriorExamIndex implements PriorExamIndex {

	private static final String COLUMNS = "SOURCE_REF, PATIENT_ID, EXAM_CODE, PERFORMED_AT, HOSPITAL_KEY, STATUS, "
			+ "REPORT_REF, IMAGING_REF, ORDER_REF, STUDY_UID, IMAGES_URL, SUMMARY";

	private final JdbcTemplate jdbc;

	public RelationalPriorExamIndex(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
		jdbc.execute("CREATE TABLE IF NOT EXISTS OT_PRIOR_EXAM ("
				+ "SOURCE_REF VARCHAR(256) NOT NULL PRIMARY KEY, PATIENT_ID VARCHAR(128) NOT NULL, "
				+ "EXAM_CODE VARCHAR(64) NOT NULL, PERFORMED_AT BIGINT NOT NULL, HOSPITAL_KEY VARCHAR(64), "
				+ "STATUS VARCHAR(32), REPORT_REF VARCHAR(256), IMAGING_REF VARCHAR(256), ORDER_REF VARCHAR(256), "
				+ "STUDY_UID VARCHAR(128), IMAGES_URL VARCHAR(1024), SUMMARY VARCHAR(512))");
		// PERFORMED_AT is epoch milliseconds: no time-zone conversion between instances or databases.
		// The one query: a person's exams since a date.
		jdbc.execute("CREATE INDEX IF NOT EXISTS OT_PRIOR_EXAM_PATIENT_TIME ON OT_PRIOR_EXAM (PATIENT_ID, PERFORMED_AT)");
	}

	@Override
	public void put(PriorExam exam) {
		jdbc.update("DELETE FROM OT_PRIOR_EXAM WHERE SOURCE_REF = ?", exam.source());
		jdbc.update("INSERT INTO OT_PRIOR_EXAM (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values(exam));
	}

	/** The column values of a record, in the order of {@link #COLUMNS}. */
	private static Object[] values(PriorExam exam) {
		return new Object[] {exam.source(), exam.patientId(), exam.examCode(), exam.performedAt().toEpochMilli(),
				exam.hospitalKey(), exam.status(), exam.reportRef(), exam.imagingStudyRef(), exam.orderRef(),
				exam.studyInstanceUid(), truncate(exam.imagesUrl(), 1024), truncate(exam.summary(), 512)};
	}

	@Override
	public void bulkLoad(List<PriorExam> exams) {
		// Plain inserts in JDBC batches: new sources only, so no delete first (a repeated source fails the batch).
		jdbc.batchUpdate("INSERT INTO OT_PRIOR_EXAM (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", exams, 1_000,
				(ps, exam) -> {
					Object[] values = values(exam);
					for (int i = 0; i < values.length; i++) {
						ps.setObject(i + 1, values[i]);
					}
				});
	}

	@Override
	public void remove(String source) {
		jdbc.update("DELETE FROM OT_PRIOR_EXAM WHERE SOURCE_REF = ?", source);
	}

	@Override
	public List<PriorExam> findByPatients(Collection<String> patientIds, Instant since) {
		if (patientIds.isEmpty()) {
			return List.of();
		}
		List<Object> args = new ArrayList<>(patientIds);
		args.add(since.toEpochMilli());
		String placeholders = SqlPlaceholders.of(patientIds.size());
		return jdbc.query("SELECT " + COLUMNS + " FROM OT_PRIOR_EXAM WHERE PATIENT_ID IN (" + placeholders
				+ ") AND PERFORMED_AT >= ? ORDER BY PERFORMED_AT DESC", (rs, i) -> row(rs), args.toArray());
	}

	@Override
	public long count() {
		Long count = jdbc.queryForObject("SELECT COUNT(*) FROM OT_PRIOR_EXAM", Long.class);
		return count == null ? 0 : count;
	}

	private static PriorExam row(ResultSet rs) throws SQLException {
		return new PriorExam(
				rs.getString("SOURCE_REF"),
				rs.getString("PATIENT_ID"),
				rs.getString("EXAM_CODE"),
				Instant.ofEpochMilli(rs.getLong("PERFORMED_AT")),
				rs.getString("HOSPITAL_KEY"),
				rs.getString("STATUS"),
				rs.getString("REPORT_REF"),
				rs.getString("IMAGING_REF"),
				rs.getString("ORDER_REF"),
				rs.getString("STUDY_UID"),
				rs.getString("IMAGES_URL"),
				rs.getString("SUMMARY"));
	}

	private static String truncate(String s, int max) {
		return s == null || s.length() <= max ? s : s.substring(0, max - 1) + "…";
	}
}
