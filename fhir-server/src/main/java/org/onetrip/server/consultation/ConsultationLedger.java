package org.onetrip.server.consultation;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.onetrip.workflow.consultation.Consult;
import org.onetrip.workflow.consultation.ConsultationMode;
import org.onetrip.workflow.consultation.ParticipantState;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The region's consults (OT_CONSULT) and who was asked (OT_CONSULT_PARTICIPANT), kept in the transaction of the FHIR
 * write that moves them. A consult's row is locked for each step, so two participants answering at once, on one
 * instance or two, take turns. The same rows say who may read a person's record for a consult, and give the figures.
 */
public class ConsultationLedger {

	private final JdbcTemplate jdbc;

	public ConsultationLedger(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
		jdbc.execute("CREATE TABLE IF NOT EXISTS OT_CONSULT (SERVICE_REQUEST_ID VARCHAR(128) NOT NULL PRIMARY KEY, "
				+ "PATIENT_ID VARCHAR(128) NOT NULL, REQUESTER_HOSPITAL VARCHAR(128) NOT NULL, CONSULTING_HOSPITAL VARCHAR(128) NOT NULL, "
				+ "MODE VARCHAR(16) NOT NULL, STATE VARCHAR(16) NOT NULL, REQUESTED_AT BIGINT NOT NULL, ANSWERED_AT BIGINT, "
				+ "CLOSED_AT BIGINT, OPINION_ID VARCHAR(128))");
		jdbc.execute("CREATE INDEX IF NOT EXISTS OT_CONSULT_PATIENT ON OT_CONSULT (PATIENT_ID)");
		jdbc.execute("CREATE INDEX IF NOT EXISTS OT_CONSULT_REQUESTED ON OT_CONSULT (REQUESTED_AT)");
		jdbc.execute("CREATE TABLE IF NOT EXISTS OT_CONSULT_PARTICIPANT (TASK_ID VARCHAR(128) NOT NULL PRIMARY KEY, "
				+ "SERVICE_REQUEST_ID VARCHAR(128) NOT NULL, HOSPITAL VARCHAR(128) NOT NULL, PRACTITIONER_ID VARCHAR(128), "
				+ "SERVICE_ID VARCHAR(128), STATE VARCHAR(16) NOT NULL, UPDATED_AT BIGINT NOT NULL)");
		jdbc.execute("CREATE INDEX IF NOT EXISTS OT_CONSULT_PARTICIPANT_REQUEST ON OT_CONSULT_PARTICIPANT (SERVICE_REQUEST_ID)");
		jdbc.execute("CREATE INDEX IF NOT EXISTS OT_CONSULT_PARTICIPANT_PRACTITIONER ON OT_CONSULT_PARTICIPANT (PRACTITIONER_ID)");
	}

	public void open(Consult consult) {
		jdbc.update("INSERT INTO OT_CONSULT (SERVICE_REQUEST_ID, PATIENT_ID, REQUESTER_HOSPITAL, CONSULTING_HOSPITAL, MODE, STATE, "
						+ "REQUESTED_AT) VALUES (?, ?, ?, ?, ?, ?, ?)", consult.serviceRequestId(), consult.patientId(),
				consult.requesterHospital(), consult.participants().get(0).hospital(), consult.mode().name(), consult.state().name(),
				consult.requestedAt().toEpochMilli());
		for (Consult.Participant p : consult.participants()) {
			jdbc.update("INSERT INTO OT_CONSULT_PARTICIPANT (TASK_ID, SERVICE_REQUEST_ID, HOSPITAL, PRACTITIONER_ID, SERVICE_ID, STATE, "
							+ "UPDATED_AT) VALUES (?, ?, ?, ?, ?, ?, ?)", p.taskId(), consult.serviceRequestId(), p.hospital(),
					p.practitionerId(), p.serviceId(), p.state().name(), consult.requestedAt().toEpochMilli());
		}
	}

	/** Whether this ServiceRequest is a consult OneTrip holds (an unlocked read, for cheap checks before storage). */
	public boolean isConsult(String serviceRequestId) {
		return !jdbc.queryForList("SELECT 1 FROM OT_CONSULT WHERE SERVICE_REQUEST_ID = ?", Integer.class, serviceRequestId).isEmpty();
	}

	/** The consult and its participants, its row locked until the caller's transaction ends. */
	public Optional<Consult> lock(String serviceRequestId) {
		List<Consult> found = jdbc.query("SELECT * FROM OT_CONSULT WHERE SERVICE_REQUEST_ID = ? FOR UPDATE",
				(rs, n) -> consult(rs), serviceRequestId);
		return found.stream().findFirst();
	}

	/** The consult as it stands, without a lock (for reads that change nothing). */
	public Optional<Consult> find(String serviceRequestId) {
		return jdbc.query("SELECT * FROM OT_CONSULT WHERE SERVICE_REQUEST_ID = ?", (rs, n) -> consult(rs), serviceRequestId)
				.stream().findFirst();
	}

	/** A consultant's bookings are decided one at a time (until this transaction ends), on one instance or several. */
	public void lockConsultant(String practitionerId) {
		org.onetrip.server.sql.NamedLocks.lockUntilCommit(jdbc, "consultant|" + practitionerId);
	}

	/** The consult a participant's Task belongs to. */
	public Optional<String> consultOfTask(String taskId) {
		return jdbc.queryForList("SELECT SERVICE_REQUEST_ID FROM OT_CONSULT_PARTICIPANT WHERE TASK_ID = ?", String.class, taskId)
				.stream().findFirst();
	}

	public void moveParticipant(Consult.Participant participant, Instant now) {
		jdbc.update("UPDATE OT_CONSULT_PARTICIPANT SET STATE = ?, PRACTITIONER_ID = ?, UPDATED_AT = ? WHERE TASK_ID = ?",
				participant.state().name(), participant.practitionerId(), now.toEpochMilli(), participant.taskId());
	}

	/** The first opinion: the consult is answered, and counted in the figures for the hospital that answered. */
	public void answered(String serviceRequestId, String hospital, String opinionId, Instant now) {
		jdbc.update("UPDATE OT_CONSULT SET STATE = ?, ANSWERED_AT = ?, OPINION_ID = ?, CONSULTING_HOSPITAL = ? WHERE SERVICE_REQUEST_ID = ?",
				Consult.State.ANSWERED.name(), now.toEpochMilli(), opinionId, hospital, serviceRequestId);
	}

	public void closed(String serviceRequestId, Instant now) {
		jdbc.update("UPDATE OT_CONSULT SET STATE = ?, CLOSED_AT = ? WHERE SERVICE_REQUEST_ID = ?",
				Consult.State.CLOSED.name(), now.toEpochMilli(), serviceRequestId);
	}

	/**
	 * An open consult of any of these Patients (one person's records) that this practitioner took: the consult access
	 * they read under, or empty.
	 */
	public Optional<String> openConsultTakenBy(String practitionerId, Collection<String> patientIds) {
		if (practitionerId == null || patientIds.isEmpty()) {
			return Optional.empty();
		}
		String marks = String.join(",", java.util.Collections.nCopies(patientIds.size(), "?"));
		Object[] args = new Object[patientIds.size() + 1];
		args[0] = practitionerId;
		int i = 1;
		for (String id : patientIds) {
			args[i++] = id;
		}
		// The practitioner's consults about the person that are not closed; whether one opens the record is the rule's.
		return jdbc.queryForList("SELECT DISTINCT c.SERVICE_REQUEST_ID, c.REQUESTED_AT FROM OT_CONSULT c JOIN OT_CONSULT_PARTICIPANT p "
				+ "ON p.SERVICE_REQUEST_ID = c.SERVICE_REQUEST_ID WHERE p.PRACTITIONER_ID = ? AND c.STATE <> 'CLOSED' "
				+ "AND c.PATIENT_ID IN (" + marks + ") ORDER BY c.REQUESTED_AT", args).stream()
				.map(row -> (String) row.get("service_request_id")).map(this::find).flatMap(Optional::stream)
				.filter(consult -> org.onetrip.workflow.consultation.ConsultSteps.grantsAccess(consult, practitionerId))
				.map(Consult::serviceRequestId).findFirst();
	}

	/** One consult's figures row: who asked whom, when it was asked, answered and closed. */
	public record Row(String serviceRequestId, String requesterHospital, String consultingHospital, ConsultationMode mode,
			Consult.State state, Instant requestedAt, Instant answeredAt) {}

	/** The consults requested in [from, to). */
	public List<Row> requestedBetween(Instant from, Instant to) {
		return jdbc.query("SELECT * FROM OT_CONSULT WHERE REQUESTED_AT >= ? AND REQUESTED_AT < ? ORDER BY REQUESTED_AT",
				(rs, n) -> new Row(rs.getString("SERVICE_REQUEST_ID"), rs.getString("REQUESTER_HOSPITAL"),
						rs.getString("CONSULTING_HOSPITAL"), ConsultationMode.valueOf(rs.getString("MODE")),
						Consult.State.valueOf(rs.getString("STATE")), Instant.ofEpochMilli(rs.getLong("REQUESTED_AT")),
						millis(rs, "ANSWERED_AT")), from.toEpochMilli(), to.toEpochMilli());
	}

	/** Every consult by requesting and consulting hospital and state: {requester, consulting, state, count}. */
	public List<Object[]> countsByHospitalAndState() {
		return jdbc.query("SELECT REQUESTER_HOSPITAL, CONSULTING_HOSPITAL, STATE, COUNT(*) FROM OT_CONSULT "
						+ "GROUP BY REQUESTER_HOSPITAL, CONSULTING_HOSPITAL, STATE",
				(rs, n) -> new Object[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)});
	}

	private Consult consult(ResultSet rs) throws SQLException {
		String id = rs.getString("SERVICE_REQUEST_ID");
		List<Consult.Participant> participants = jdbc.query(
				"SELECT * FROM OT_CONSULT_PARTICIPANT WHERE SERVICE_REQUEST_ID = ? ORDER BY TASK_ID",
				(p, n) -> new Consult.Participant(p.getString("TASK_ID"), p.getString("HOSPITAL"), p.getString("PRACTITIONER_ID"),
						p.getString("SERVICE_ID"), ParticipantState.valueOf(p.getString("STATE"))), id);
		return new Consult(id, rs.getString("PATIENT_ID"), rs.getString("REQUESTER_HOSPITAL"),
				ConsultationMode.valueOf(rs.getString("MODE")), Consult.State.valueOf(rs.getString("STATE")),
				Instant.ofEpochMilli(rs.getLong("REQUESTED_AT")), millis(rs, "ANSWERED_AT"), millis(rs, "CLOSED_AT"), participants);
	}

	private static Instant millis(ResultSet rs, String column) throws SQLException {
		long value = rs.getLong(column);
		return rs.wasNull() ? null : Instant.ofEpochMilli(value);
	}
}
