package org.onetrip.server.referral;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.onetrip.workflow.referral.Referral;
import org.onetrip.workflow.referral.ReferralCategory;
import org.onetrip.workflow.referral.ReferralState;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The state of every cross-hospital referral, one row per referral ServiceRequest. Every step locks the
 * row first ({@code SELECT ... FOR UPDATE}) inside the FHIR write that makes it, so two bookings against
 * one referral, or an answer racing a withdrawal, are decided one after the other, whichever OneTrip
 * instance receives them.
 */
public class ReferralLedger {

	private final JdbcTemplate jdbc;

	public ReferralLedger(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
		jdbc.execute("CREATE TABLE IF NOT EXISTS OT_REFERRAL ("
				+ "SERVICE_REQUEST_ID VARCHAR(128) NOT NULL PRIMARY KEY, TASK_ID VARCHAR(128) NOT NULL, "
				+ "REQUESTER_HOSPITAL VARCHAR(128) NOT NULL, PERFORMER_HOSPITAL VARCHAR(128) NOT NULL, "
				+ "CATEGORY VARCHAR(32) NOT NULL, STATE VARCHAR(16) NOT NULL, APPOINTMENT_ID VARCHAR(128), "
				+ "UPDATED_AT BIGINT NOT NULL)");
		jdbc.execute("CREATE INDEX IF NOT EXISTS OT_REFERRAL_TASK ON OT_REFERRAL (TASK_ID)");
		// Added with consult access: whose referral it is, so a practitioner's part in a person's care can be asked by
		// person (security/CareRelationships). Referrals opened before it have none and give no such part.
		jdbc.execute("ALTER TABLE OT_REFERRAL ADD COLUMN IF NOT EXISTS PATIENT_ID VARCHAR(128)");
		jdbc.execute("CREATE INDEX IF NOT EXISTS OT_REFERRAL_PATIENT ON OT_REFERRAL (PATIENT_ID)");
		// Added with the console's trends: when it was opened (referrals of before have none and count by their last step).
		jdbc.execute("ALTER TABLE OT_REFERRAL ADD COLUMN IF NOT EXISTS OPENED_AT BIGINT");
		jdbc.execute("CREATE INDEX IF NOT EXISTS OT_REFERRAL_OPENED ON OT_REFERRAL (OPENED_AT)");
	}

	/** @param patientId the Patient the referral is for (its ServiceRequest's subject), or null */
	public void open(Referral referral, String patientId, Instant now) {
		jdbc.update("INSERT INTO OT_REFERRAL (SERVICE_REQUEST_ID, TASK_ID, REQUESTER_HOSPITAL, PERFORMER_HOSPITAL, CATEGORY, "
						+ "STATE, APPOINTMENT_ID, UPDATED_AT, PATIENT_ID, OPENED_AT) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				referral.serviceRequestId(), referral.taskId(), referral.requesterHospital(), referral.performerHospital(),
				referral.category().name(), referral.state().name(), referral.appointmentId(), now.toEpochMilli(), patientId,
				now.toEpochMilli());
	}

	/** The referral behind this ServiceRequest, its row locked until the caller's transaction ends. */
	public Optional<Referral> lockByServiceRequest(String serviceRequestId) {
		return one("SELECT * FROM OT_REFERRAL WHERE SERVICE_REQUEST_ID = ? FOR UPDATE", serviceRequestId);
	}

	/** The referral this Task shows, its row locked until the caller's transaction ends. */
	public Optional<Referral> lockByTask(String taskId) {
		return one("SELECT * FROM OT_REFERRAL WHERE TASK_ID = ? FOR UPDATE", taskId);
	}

	public Optional<Referral> byServiceRequest(String serviceRequestId) {
		return one("SELECT * FROM OT_REFERRAL WHERE SERVICE_REQUEST_ID = ?", serviceRequestId);
	}

	public void moveTo(String serviceRequestId, ReferralState state, String appointmentId, Instant now) {
		jdbc.update("UPDATE OT_REFERRAL SET STATE = ?, APPOINTMENT_ID = ?, UPDATED_AT = ? WHERE SERVICE_REQUEST_ID = ?",
				state.name(), appointmentId, now.toEpochMilli(), serviceRequestId);
	}

	/** Referrals by receiving hospital's level and state, for the figures: [requester, performer, category, state, count]. */
	public List<Object[]> countsByHospitalAndState() {
		return jdbc.query("SELECT REQUESTER_HOSPITAL, PERFORMER_HOSPITAL, CATEGORY, STATE, COUNT(*) FROM OT_REFERRAL "
						+ "GROUP BY REQUESTER_HOSPITAL, PERFORMER_HOSPITAL, CATEGORY, STATE",
				(rs, i) -> new Object[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5)});
	}

	private Optional<Referral> one(String sql, String key) {
		return jdbc.query(sql, (rs, i) -> new Referral(rs.getString("SERVICE_REQUEST_ID"), rs.getString("TASK_ID"),
				rs.getString("REQUESTER_HOSPITAL"), rs.getString("PERFORMER_HOSPITAL"),
				ReferralCategory.valueOf(rs.getString("CATEGORY")), ReferralState.valueOf(rs.getString("STATE")),
				rs.getString("APPOINTMENT_ID")), key).stream().findFirst();
	}
}
