package org.onetrip.server.registration;

import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.onetrip.server.sql.NamedLocks;
import org.onetrip.workflow.registration.RegistrationRule;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Registrations and the visits they cover, in OneTrip's database. A registration is unique per hospital,
 * patient, department, condition key and first day, so two check-ins racing on two OneTrip instances
 * cannot both charge a fee for the same day: the second insert fails and its check-in is refused.
 */
public class RegistrationLedger {

	/** One checked-in appointment: its Encounter and the registration (first visit's Encounter) covering it. */
	public record Visit(String appointmentId, String encounterId, String registrationEncounterId, String chargeItemId,
			boolean newRegistration, LocalDate validUntil) {}

	private final JdbcTemplate jdbc;

	public RegistrationLedger(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
		jdbc.execute("CREATE TABLE IF NOT EXISTS OT_REGISTRATION ("
				+ "ENCOUNTER_ID VARCHAR(128) NOT NULL PRIMARY KEY, CHARGE_ITEM_ID VARCHAR(128) NOT NULL, "
				+ "HOSPITAL VARCHAR(128) NOT NULL, PATIENT_ID VARCHAR(128) NOT NULL, DEPARTMENT VARCHAR(200) NOT NULL, "
				+ "CONDITION_KEY VARCHAR(300) NOT NULL, FIRST_DAY BIGINT NOT NULL, "
				+ "CONSTRAINT OT_REGISTRATION_ONCE UNIQUE (HOSPITAL, PATIENT_ID, DEPARTMENT, CONDITION_KEY, FIRST_DAY))");
		jdbc.execute("CREATE INDEX IF NOT EXISTS OT_REGISTRATION_PATIENT ON OT_REGISTRATION (PATIENT_ID, HOSPITAL)");
		jdbc.execute("CREATE TABLE IF NOT EXISTS OT_VISIT ("
				+ "APPOINTMENT_ID VARCHAR(128) NOT NULL PRIMARY KEY, ENCOUNTER_ID VARCHAR(128) NOT NULL, "
				+ "REGISTRATION_ENCOUNTER_ID VARCHAR(128) NOT NULL, NEW_REGISTRATION BOOLEAN NOT NULL, VALID_UNTIL BIGINT NOT NULL)");
		jdbc.execute("CREATE INDEX IF NOT EXISTS OT_VISIT_ENCOUNTER ON OT_VISIT (ENCOUNTER_ID)");
	}

	/**
	 * Check-ins of one patient at one department wait for each other until the first commits (a transaction-scoped
	 * advisory lock), on one instance or several, so the second joins the registration the first made instead of
	 * colliding with it.
	 */
	public void serialise(String visitKey) {
		NamedLocks.lockUntilCommit(jdbc, visitKey);
	}

	/** The patient's registrations at the hospital whose first day falls in [from, to]. */
	public List<RegistrationRule.Registration> registrations(String hospital, String patientId, LocalDate from, LocalDate to) {
		return jdbc.query("SELECT ENCOUNTER_ID, CHARGE_ITEM_ID, DEPARTMENT, CONDITION_KEY, FIRST_DAY FROM OT_REGISTRATION "
						+ "WHERE PATIENT_ID = ? AND HOSPITAL = ? AND FIRST_DAY BETWEEN ? AND ?",
				(rs, i) -> new RegistrationRule.Registration(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
						LocalDate.ofEpochDay(rs.getLong(5))),
				patientId, hospital, from.toEpochDay(), to.toEpochDay());
	}

	public void register(String hospital, String patientId, RegistrationRule.Registration registration) {
		jdbc.update("INSERT INTO OT_REGISTRATION (ENCOUNTER_ID, CHARGE_ITEM_ID, HOSPITAL, PATIENT_ID, DEPARTMENT, CONDITION_KEY, "
						+ "FIRST_DAY) VALUES (?, ?, ?, ?, ?, ?, ?)",
				registration.encounterId(), registration.chargeItemId(), hospital, patientId, registration.department(),
				registration.condition(), registration.firstDay().toEpochDay());
	}

	public void recordVisit(Visit visit) {
		jdbc.update("INSERT INTO OT_VISIT (APPOINTMENT_ID, ENCOUNTER_ID, REGISTRATION_ENCOUNTER_ID, NEW_REGISTRATION, VALID_UNTIL) "
						+ "VALUES (?, ?, ?, ?, ?)",
				visit.appointmentId(), visit.encounterId(), visit.registrationEncounterId(), visit.newRegistration(),
				visit.validUntil().toEpochDay());
	}

	public Optional<Visit> visitOf(String appointmentId) {
		return visitWhere("v.APPOINTMENT_ID", appointmentId);
	}

	/** The visit whose Encounter this is (a charge names the visit by its Encounter). */
	public Optional<Visit> visitOfEncounter(String encounterId) {
		return visitWhere("v.ENCOUNTER_ID", encounterId);
	}

	private Optional<Visit> visitWhere(String column, String value) {
		return jdbc.query("SELECT v.APPOINTMENT_ID, v.ENCOUNTER_ID, v.REGISTRATION_ENCOUNTER_ID, r.CHARGE_ITEM_ID, v.NEW_REGISTRATION, "
						+ "v.VALID_UNTIL FROM OT_VISIT v JOIN OT_REGISTRATION r ON r.ENCOUNTER_ID = v.REGISTRATION_ENCOUNTER_ID "
						+ "WHERE " + column + " = ?",
				(rs, i) -> new Visit(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getBoolean(5),
						LocalDate.ofEpochDay(rs.getLong(6))), value).stream().findFirst();
	}
}
