package org.onetrip.server.settlement;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.onetrip.server.sql.NamedLocks;
import org.onetrip.workflow.settlement.Adjudication;
import org.onetrip.workflow.settlement.BenefitYear;
import org.onetrip.workflow.settlement.Settlement;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The money side of visits, in OneTrip's database: each visit episode's Account, each charge and how it was
 * adjudicated, what each person has used of their plan this year (shared by every hospital), each person's credit
 * line, and every payment and refund. The FHIR resources (Account, ChargeItem, Claim, ClaimResponse, Invoice,
 * PaymentReconciliation) are what hospitals and patients read; these rows are what decisions lock and what the
 * settlement report adds up, to the cent.
 */
public class SettlementLedger {

	/** A charge's state: adjudicated (ready to settle), waiting for a price or for a plan OneTrip knows, or reversed. */
	public enum ChargeState { ADJUDICATED, UNPRICED, UNADJUDICATED, REVERSED }

	/** One visit episode's Account. {@code planCode} is what the patient's Coverage names; {@code coverageId} empty when uninsured. */
	public record Episode(String accountId, String hospital, String patientId, String personId, String registrationEncounterId,
			String coverageId, String planCode, LocalDate lastDay, boolean settled, String invoiceId, String method) {}

	public record Charge(String chargeItemId, String sourceKey, String madeBy, String accountId, String hospital, String patientId,
			String personId, String itemKey, String display, String category, ChargeState state, String reason,
			Adjudication adjudication, String plan, int year, String claimId, LocalDate chargedDay) {}

	private final JdbcTemplate jdbc;

	public SettlementLedger(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
		jdbc.execute("CREATE TABLE IF NOT EXISTS OT_ACCOUNT_EPISODE (ACCOUNT_ID VARCHAR(64) NOT NULL PRIMARY KEY, "
				+ "HOSPITAL VARCHAR(128) NOT NULL, PATIENT_ID VARCHAR(128) NOT NULL, PERSON_ID VARCHAR(128) NOT NULL, "
				+ "REGISTRATION_ENCOUNTER_ID VARCHAR(128), COVERAGE_ID VARCHAR(128), PLAN_CODE VARCHAR(128), "
				+ "OPENED_DAY BIGINT NOT NULL, LAST_DAY BIGINT NOT NULL, SETTLED BOOLEAN NOT NULL DEFAULT FALSE, "
				+ "INVOICE_ID VARCHAR(64), METHOD VARCHAR(32), CHANNEL VARCHAR(32), SETTLED_DAY BIGINT, "
				+ "GROSS NUMERIC(14,2), INSURER NUMERIC(14,2), PATIENT NUMERIC(14,2), LAST_REFUSAL TEXT, TRIED_AT BIGINT, "
				+ "ENDED BOOLEAN NOT NULL DEFAULT FALSE)");
		jdbc.execute("CREATE INDEX IF NOT EXISTS OT_ACCOUNT_EPISODE_OPEN ON OT_ACCOUNT_EPISODE (PATIENT_ID, HOSPITAL, SETTLED)");
		jdbc.execute("CREATE INDEX IF NOT EXISTS OT_ACCOUNT_EPISODE_REGISTRATION ON OT_ACCOUNT_EPISODE (REGISTRATION_ENCOUNTER_ID)");
		jdbc.execute("CREATE INDEX IF NOT EXISTS OT_ACCOUNT_EPISODE_DUE ON OT_ACCOUNT_EPISODE (SETTLED, LAST_DAY)");
		jdbc.execute("CREATE TABLE IF NOT EXISTS OT_CHARGE (CHARGE_ITEM_ID VARCHAR(128) NOT NULL PRIMARY KEY, "
				+ "SOURCE_KEY VARCHAR(300) NOT NULL UNIQUE, MADE_BY VARCHAR(300) NOT NULL, ACCOUNT_ID VARCHAR(64) NOT NULL, "
				+ "HOSPITAL VARCHAR(128) NOT NULL, PATIENT_ID VARCHAR(128) NOT NULL, PERSON_ID VARCHAR(128) NOT NULL, "
				+ "ITEM_KEY TEXT NOT NULL, DISPLAY TEXT, CATEGORY VARCHAR(64), STATE VARCHAR(16) NOT NULL, "
				+ "REASON TEXT, SUBMITTED NUMERIC(14,2), ELIGIBLE NUMERIC(14,2), DEDUCTIBLE NUMERIC(14,2), "
				+ "BENEFIT NUMERIC(14,2), COPAY NUMERIC(14,2), PLAN_CODE VARCHAR(128), BENEFIT_YEAR INT NOT NULL, "
				+ "CLAIM_ID VARCHAR(64), CHARGED_DAY BIGINT NOT NULL, REVERSED_DAY BIGINT)");
		jdbc.execute("CREATE INDEX IF NOT EXISTS OT_CHARGE_ACCOUNT ON OT_CHARGE (ACCOUNT_ID)");
		jdbc.execute("CREATE INDEX IF NOT EXISTS OT_CHARGE_DAY ON OT_CHARGE (CHARGED_DAY, HOSPITAL)");
		jdbc.execute("CREATE TABLE IF NOT EXISTS OT_BENEFIT_YEAR (PERSON_ID VARCHAR(128) NOT NULL, PLAN_CODE VARCHAR(128) NOT NULL, "
				+ "BENEFIT_YEAR INT NOT NULL, DEDUCTIBLE_USED NUMERIC(14,2) NOT NULL, BENEFIT_PAID NUMERIC(14,2) NOT NULL, "
				+ "PRIMARY KEY (PERSON_ID, PLAN_CODE, BENEFIT_YEAR))");
		jdbc.execute("CREATE TABLE IF NOT EXISTS OT_CREDIT_LINE (PERSON_ID VARCHAR(128) NOT NULL PRIMARY KEY, "
				+ "OUTSTANDING NUMERIC(14,2) NOT NULL)");
		jdbc.execute("CREATE TABLE IF NOT EXISTS OT_PAYMENT (PAYMENT_ID VARCHAR(64) NOT NULL PRIMARY KEY, ACCOUNT_ID VARCHAR(64) NOT NULL, "
				+ "HOSPITAL VARCHAR(128) NOT NULL, PERSON_ID VARCHAR(128) NOT NULL, KIND VARCHAR(16) NOT NULL, METHOD VARCHAR(32) NOT NULL, "
				+ "CHANNEL VARCHAR(32) NOT NULL, AMOUNT NUMERIC(14,2) NOT NULL, PAID_DAY BIGINT NOT NULL)");
		jdbc.execute("CREATE INDEX IF NOT EXISTS OT_PAYMENT_DAY ON OT_PAYMENT (PAID_DAY, HOSPITAL)");
	}

	/**
	 * Charges of one patient at one hospital are decided one after the other (a transaction-scoped advisory lock, on one
	 * instance or several): the first opens the visit's Account, the next finds it.
	 */
	public void serialiseAccounts(String hospital, String patientId) {
		NamedLocks.lockUntilCommit(jdbc, "account|" + hospital + "|" + patientId);
	}

	/**
	 * One source (an order: its completion and its final report) is charged by one write at a time, whichever hospital
	 * and record each names: taken before the account lock.
	 */
	public void serialiseSource(String sourceKey) {
		NamedLocks.lockUntilCommit(jdbc, "charge-source|" + sourceKey);
	}

	private static final String EPISODE = "SELECT ACCOUNT_ID, HOSPITAL, PATIENT_ID, PERSON_ID, REGISTRATION_ENCOUNTER_ID, COVERAGE_ID, "
			+ "PLAN_CODE, LAST_DAY, SETTLED, INVOICE_ID, METHOD FROM OT_ACCOUNT_EPISODE";

	private static Episode episode(ResultSet rs, int i) throws SQLException {
		return new Episode(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
				rs.getString(7), LocalDate.ofEpochDay(rs.getLong(8)), rs.getBoolean(9), rs.getString(10), rs.getString(11));
	}

	/** The open Account of this registration (the visits it covers share it), if any. */
	public Optional<Episode> openOfRegistration(String registrationEncounterId) {
		return jdbc.query(EPISODE + " WHERE REGISTRATION_ENCOUNTER_ID = ? AND NOT SETTLED ORDER BY OPENED_DAY DESC",
				SettlementLedger::episode, registrationEncounterId).stream().findFirst();
	}

	/** The patient's most recently opened Account at the hospital that is not settled yet. */
	public Optional<Episode> openOf(String hospital, String patientId) {
		return jdbc.query(EPISODE + " WHERE PATIENT_ID = ? AND HOSPITAL = ? AND NOT SETTLED ORDER BY OPENED_DAY DESC, LAST_DAY DESC",
				SettlementLedger::episode, patientId, hospital).stream().findFirst();
	}

	public Optional<Episode> episode(String accountId) {
		return jdbc.query(EPISODE + " WHERE ACCOUNT_ID = ?", SettlementLedger::episode, accountId).stream().findFirst();
	}

	/** The Account's row, locked until the transaction ends: charges, reversals and the settlement of one Account queue here. */
	public Optional<Episode> lock(String accountId) {
		return jdbc.query(EPISODE + " WHERE ACCOUNT_ID = ? FOR UPDATE", SettlementLedger::episode, accountId).stream().findFirst();
	}

	public void open(Episode episode, LocalDate openedDay) {
		jdbc.update("INSERT INTO OT_ACCOUNT_EPISODE (ACCOUNT_ID, HOSPITAL, PATIENT_ID, PERSON_ID, REGISTRATION_ENCOUNTER_ID, COVERAGE_ID, "
						+ "PLAN_CODE, OPENED_DAY, LAST_DAY) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
				episode.accountId(), episode.hospital(), episode.patientId(), episode.personId(), episode.registrationEncounterId(),
				episode.coverageId(), episode.planCode(), openedDay.toEpochDay(), episode.lastDay().toEpochDay());
	}

	/** The doctor closed a visit of this Account's episode: it is settled now, not when the registration's days are over. */
	public void end(String accountId) {
		jdbc.update("UPDATE OT_ACCOUNT_EPISODE SET ENDED = TRUE WHERE ACCOUNT_ID = ? AND NOT SETTLED", accountId);
	}

	/** A later visit under the same registration, or a charge after the covered days, keeps the Account open longer. */
	public void extend(String accountId, LocalDate lastDay) {
		jdbc.update("UPDATE OT_ACCOUNT_EPISODE SET LAST_DAY = ? WHERE ACCOUNT_ID = ? AND LAST_DAY < ?", lastDay.toEpochDay(), accountId,
				lastDay.toEpochDay());
	}

	public void settled(String accountId, String invoiceId, String method, String channel, Settlement.Totals totals, LocalDate day) {
		jdbc.update("UPDATE OT_ACCOUNT_EPISODE SET SETTLED = TRUE, INVOICE_ID = ?, METHOD = ?, CHANNEL = ?, SETTLED_DAY = ?, "
						+ "GROSS = ?, INSURER = ?, PATIENT = ?, LAST_REFUSAL = NULL WHERE ACCOUNT_ID = ?",
				invoiceId, method, channel, day.toEpochDay(), totals.gross(), totals.insurer(), totals.patient(), accountId);
	}

	/** Why the last automatic settlement of this Account did not happen (the settlement report lists it), and when it was tried. */
	public void refused(String accountId, String reason, long triedAtMillis) {
		jdbc.update("UPDATE OT_ACCOUNT_EPISODE SET LAST_REFUSAL = ?, TRIED_AT = ? WHERE ACCOUNT_ID = ?", reason, triedAtMillis, accountId);
	}

	/**
	 * Open Accounts whose covered days ended before {@code today} (or whose visit the doctor closed) and that were not tried
	 * since {@code notTriedSince}:
	 * the longest-ended first, so one refused Account never holds up the others.
	 */
	public List<String> ended(LocalDate today, long notTriedSince, int limit) {
		return jdbc.queryForList("SELECT ACCOUNT_ID FROM OT_ACCOUNT_EPISODE WHERE NOT SETTLED AND (LAST_DAY < ? OR ENDED) "
				+ "AND (TRIED_AT IS NULL OR TRIED_AT < ?) ORDER BY LAST_DAY FETCH FIRST " + limit + " ROWS ONLY", String.class,
				today.toEpochDay(), notTriedSince);
	}

	/** Whether OneTrip wrote this Invoice or PaymentReconciliation for a settlement or refund. */
	public boolean isSettlementRecord(String id) {
		return !jdbc.queryForList("SELECT 1 FROM OT_ACCOUNT_EPISODE WHERE INVOICE_ID = ? UNION ALL SELECT 1 FROM OT_PAYMENT WHERE PAYMENT_ID = ?",
				Integer.class, id, id).isEmpty();
	}

	private static final String CHARGE = "SELECT CHARGE_ITEM_ID, SOURCE_KEY, MADE_BY, ACCOUNT_ID, HOSPITAL, PATIENT_ID, PERSON_ID, "
			+ "ITEM_KEY, DISPLAY, CATEGORY, STATE, REASON, SUBMITTED, ELIGIBLE, DEDUCTIBLE, BENEFIT, COPAY, PLAN_CODE, BENEFIT_YEAR, "
			+ "CLAIM_ID, CHARGED_DAY FROM OT_CHARGE";

	private static Charge charge(ResultSet rs, int i) throws SQLException {
		Adjudication adjudication = rs.getBigDecimal(13) == null ? null : new Adjudication(rs.getBigDecimal(13), rs.getBigDecimal(14),
				rs.getBigDecimal(15), rs.getBigDecimal(16), rs.getBigDecimal(17), rs.getString(12));
		return new Charge(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
				rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10), ChargeState.valueOf(rs.getString(11)),
				rs.getString(12), adjudication, rs.getString(18), rs.getInt(19), rs.getString(20), LocalDate.ofEpochDay(rs.getLong(21)));
	}

	public Optional<Charge> chargeOfSource(String sourceKey) {
		return jdbc.query(CHARGE + " WHERE SOURCE_KEY = ?", SettlementLedger::charge, sourceKey).stream().findFirst();
	}

	public Optional<Charge> chargeMadeBy(String madeBy) {
		return jdbc.query(CHARGE + " WHERE MADE_BY = ? AND STATE <> 'REVERSED'", SettlementLedger::charge, madeBy).stream().findFirst();
	}

	public Optional<Charge> charge(String chargeItemId) {
		return jdbc.query(CHARGE + " WHERE CHARGE_ITEM_ID = ?", SettlementLedger::charge, chargeItemId).stream().findFirst();
	}

	public List<Charge> chargesOf(String accountId) {
		return jdbc.query(CHARGE + " WHERE ACCOUNT_ID = ? ORDER BY CHARGED_DAY, CHARGE_ITEM_ID", SettlementLedger::charge, accountId);
	}

	public void record(Charge charge) {
		Adjudication a = charge.adjudication();
		jdbc.update("INSERT INTO OT_CHARGE (CHARGE_ITEM_ID, SOURCE_KEY, MADE_BY, ACCOUNT_ID, HOSPITAL, PATIENT_ID, PERSON_ID, ITEM_KEY, "
						+ "DISPLAY, CATEGORY, STATE, REASON, SUBMITTED, ELIGIBLE, DEDUCTIBLE, BENEFIT, COPAY, PLAN_CODE, BENEFIT_YEAR, CLAIM_ID, "
						+ "CHARGED_DAY) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				charge.chargeItemId(), charge.sourceKey(), charge.madeBy(), charge.accountId(), charge.hospital(), charge.patientId(),
				charge.personId(), charge.itemKey(), charge.display(), charge.category(), charge.state().name(), charge.reason(),
				a == null ? null : a.submitted(), a == null ? null : a.eligible(), a == null ? null : a.deductible(),
				a == null ? null : a.benefit(), a == null ? null : a.copay(), charge.plan(), charge.year(), charge.claimId(),
				charge.chargedDay().toEpochDay());
	}

	/** A charge that waited for a price or a plan, now adjudicated (or still waiting, with the new reason). */
	public void adjudicated(String chargeItemId, ChargeState state, String reason, String category, Adjudication a, String plan,
			String claimId) {
		jdbc.update("UPDATE OT_CHARGE SET STATE = ?, REASON = ?, CATEGORY = COALESCE(?, CATEGORY), SUBMITTED = ?, ELIGIBLE = ?, "
						+ "DEDUCTIBLE = ?, BENEFIT = ?, COPAY = ?, PLAN_CODE = ?, CLAIM_ID = ? WHERE CHARGE_ITEM_ID = ?",
				state.name(), reason, category, a == null ? null : a.submitted(), a == null ? null : a.eligible(),
				a == null ? null : a.deductible(), a == null ? null : a.benefit(), a == null ? null : a.copay(), plan, claimId,
				chargeItemId);
	}

	/** Marks the charge reversed; false when it already was (a second reversal gives nothing back again). */
	public boolean reversed(String chargeItemId, LocalDate day) {
		return jdbc.update("UPDATE OT_CHARGE SET STATE = 'REVERSED', REVERSED_DAY = ? WHERE CHARGE_ITEM_ID = ? AND STATE <> 'REVERSED'",
				day.toEpochDay(), chargeItemId) == 1;
	}

	/** The person's use of the plan in the year, locked until the transaction ends: concurrent charges at any hospital queue here. */
	public BenefitYear lockYear(String personId, String plan, int year) {
		jdbc.update("INSERT INTO OT_BENEFIT_YEAR (PERSON_ID, PLAN_CODE, BENEFIT_YEAR, DEDUCTIBLE_USED, BENEFIT_PAID) "
				+ "VALUES (?, ?, ?, 0, 0) ON CONFLICT DO NOTHING", personId, plan, year);
		return jdbc.queryForObject("SELECT DEDUCTIBLE_USED, BENEFIT_PAID FROM OT_BENEFIT_YEAR WHERE PERSON_ID = ? AND PLAN_CODE = ? "
				+ "AND BENEFIT_YEAR = ? FOR UPDATE", (rs, i) -> new BenefitYear(rs.getBigDecimal(1), rs.getBigDecimal(2)), personId, plan, year);
	}

	public void saveYear(String personId, String plan, int year, BenefitYear used) {
		jdbc.update("UPDATE OT_BENEFIT_YEAR SET DEDUCTIBLE_USED = ?, BENEFIT_PAID = ? WHERE PERSON_ID = ? AND PLAN_CODE = ? AND BENEFIT_YEAR = ?",
				used.deductibleUsed(), used.benefitPaid(), personId, plan, year);
	}

	public Optional<BenefitYear> year(String personId, String plan, int year) {
		return jdbc.query("SELECT DEDUCTIBLE_USED, BENEFIT_PAID FROM OT_BENEFIT_YEAR WHERE PERSON_ID = ? AND PLAN_CODE = ? AND BENEFIT_YEAR = ?",
				(rs, i) -> new BenefitYear(rs.getBigDecimal(1), rs.getBigDecimal(2)), personId, plan, year).stream().findFirst();
	}

	/** What the person owes on their credit line, locked until the transaction ends. */
	public BigDecimal lockCredit(String personId) {
		jdbc.update("INSERT INTO OT_CREDIT_LINE (PERSON_ID, OUTSTANDING) VALUES (?, 0) ON CONFLICT DO NOTHING", personId);
		return jdbc.queryForObject("SELECT OUTSTANDING FROM OT_CREDIT_LINE WHERE PERSON_ID = ? FOR UPDATE", BigDecimal.class, personId);
	}

	public void saveCredit(String personId, BigDecimal outstanding) {
		jdbc.update("UPDATE OT_CREDIT_LINE SET OUTSTANDING = ? WHERE PERSON_ID = ?", outstanding, personId);
	}

	public BigDecimal credit(String personId) {
		return jdbc.query("SELECT OUTSTANDING FROM OT_CREDIT_LINE WHERE PERSON_ID = ?", (rs, i) -> rs.getBigDecimal(1), personId)
				.stream().findFirst().orElse(BigDecimal.ZERO);
	}

	/** One payment (kind settlement) or refund (kind refund, a negative amount) of a patient's part. */
	public void paid(String paymentId, String accountId, String hospital, String personId, String kind, String method, String channel,
			BigDecimal amount, LocalDate day) {
		jdbc.update("INSERT INTO OT_PAYMENT (PAYMENT_ID, ACCOUNT_ID, HOSPITAL, PERSON_ID, KIND, METHOD, CHANNEL, AMOUNT, PAID_DAY) "
				+ "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", paymentId, accountId, hospital, personId, kind, method, channel, amount, day.toEpochDay());
	}
}
