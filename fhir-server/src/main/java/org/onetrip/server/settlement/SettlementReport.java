package org.onetrip.server.settlement;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.workflow.settlement.Amounts;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The day's figures of each hospital ({@code $settlement-report}), added up from the settlement ledger, to the cent:
 * charges entered and reversed (price, insurer, patient), charges still waiting, settlements and how they were paid,
 * refunds, the self-service share, the credit outstanding, Accounts due. Every total is checked against the others it
 * must equal; a difference is named, never rounded away.
 */
class SettlementReport {

	private final JdbcTemplate jdbc;
	private final RegionDirectory directory;

	SettlementReport(JdbcTemplate jdbc, RegionDirectory directory) {
		this.jdbc = jdbc;
		this.directory = directory;
	}

	private record Sums(long count, BigDecimal gross, BigDecimal insurer, BigDecimal patient) {
		boolean balances() {
			return gross.compareTo(insurer.add(patient)) == 0;
		}
	}

	Parameters of(LocalDate day, List<String> hospitals) {
		Parameters report = new Parameters();
		report.addParameter().setName("date").setValue(new DateType(java.sql.Date.valueOf(day)));
		List<String> imbalances = new ArrayList<>();
		for (String hospital : hospitals) {
			report.addParameter(hospital(day, hospital, imbalances));
		}
		report.addParameter().setName("balanced").setValue(new BooleanType(imbalances.isEmpty()));
		imbalances.forEach(i -> report.addParameter().setName("imbalance").setValue(new StringType(i)));
		return report;
	}

	private Parameters.ParametersParameterComponent hospital(LocalDate day, String hospital, List<String> imbalances) {
		long d = day.toEpochDay();
		Sums charged = sums("SELECT COUNT(*), SUM(SUBMITTED), SUM(BENEFIT), SUM(COPAY) FROM OT_CHARGE WHERE HOSPITAL = ? AND CHARGED_DAY = ? "
				+ "AND SUBMITTED IS NOT NULL", hospital, d);
		Sums reversed = sums("SELECT COUNT(*), SUM(SUBMITTED), SUM(BENEFIT), SUM(COPAY) FROM OT_CHARGE WHERE HOSPITAL = ? AND REVERSED_DAY = ? "
				+ "AND SUBMITTED IS NOT NULL", hospital, d);
		Sums settled = sums("SELECT COUNT(*), SUM(GROSS), SUM(INSURER), SUM(PATIENT) FROM OT_ACCOUNT_EPISODE WHERE HOSPITAL = ? "
				+ "AND SETTLED_DAY = ?", hospital, d);
		long waiting = jdbc.queryForObject("SELECT COUNT(*) FROM OT_CHARGE WHERE HOSPITAL = ? AND STATE IN ('UNPRICED', 'UNADJUDICATED')",
				Long.class, hospital);
		long due = jdbc.queryForObject("SELECT COUNT(*) FROM OT_ACCOUNT_EPISODE WHERE HOSPITAL = ? AND NOT SETTLED AND LAST_DAY < ?",
				Long.class, hospital, d + 1);
		long selfService = jdbc.queryForObject("SELECT COUNT(*) FROM OT_ACCOUNT_EPISODE WHERE HOSPITAL = ? AND SETTLED_DAY = ? AND CHANNEL IN ("
				+ String.join(", ", Settling.SELF_SERVICE.stream().map(c -> "'" + c + "'").toList()) + ")", Long.class, hospital, d);
		Map<String, Object> paid = jdbc.queryForMap("SELECT "
				+ "SUM(CASE WHEN KIND = 'settlement' AND METHOD = '" + Settling.CARD + "' THEN AMOUNT END) AS CARD, "
				+ "SUM(CASE WHEN KIND = 'settlement' AND METHOD = '" + Settling.CREDIT_LINE + "' THEN AMOUNT END) AS CREDIT, "
				+ "SUM(CASE WHEN KIND = 'settlement' THEN AMOUNT END) AS SETTLEMENTS, "
				+ "SUM(CASE WHEN KIND = 'refund' THEN AMOUNT END) AS REFUNDS FROM OT_PAYMENT WHERE HOSPITAL = ? AND PAID_DAY = ?", hospital, d);
		BigDecimal outstanding = money(jdbc.queryForObject("SELECT SUM(AMOUNT) FROM OT_PAYMENT WHERE HOSPITAL = ? AND METHOD = ? "
				+ "AND PAID_DAY <= ?", BigDecimal.class, hospital, Settling.CREDIT_LINE, d));

		String name = directory.hospitalName(hospital);
		if (!charged.balances()) {
			imbalances.add(name + ": the day's charges " + charged.gross() + " != insurer " + charged.insurer() + " + patient " + charged.patient());
		}
		if (!settled.balances()) {
			imbalances.add(name + ": the day's settlements " + settled.gross() + " != insurer " + settled.insurer() + " + patient " + settled.patient());
		}
		BigDecimal paidForSettlements = money((BigDecimal) paid.get("SETTLEMENTS"));
		if (paidForSettlements.compareTo(settled.patient()) != 0) {
			imbalances.add(name + ": patients' parts settled " + settled.patient() + " != paid " + paidForSettlements);
		}

		Parameters.ParametersParameterComponent part = new Parameters.ParametersParameterComponent().setName("hospital");
		part.addPart().setName("hospital").setValue(new StringType(hospital));
		part.addPart().setName("name").setValue(new StringType(name));
		add(part, "charges", charged);
		add(part, "reversals", reversed);
		part.addPart().setName("charges-waiting").setValue(new IntegerType(Math.toIntExact(waiting)));
		add(part, "settlements", settled);
		part.addPart().setName("paid-by-card").setValue(FinancialResources.money(money((BigDecimal) paid.get("CARD"))));
		part.addPart().setName("paid-on-credit").setValue(FinancialResources.money(money((BigDecimal) paid.get("CREDIT"))));
		part.addPart().setName("refunds").setValue(FinancialResources.money(money((BigDecimal) paid.get("REFUNDS"))));
		part.addPart().setName("self-service").setValue(new IntegerType(Math.toIntExact(selfService)));
		part.addPart().setName("self-service-share").setValue(new DecimalType(settled.count() == 0 ? BigDecimal.ZERO
				: BigDecimal.valueOf(selfService).divide(BigDecimal.valueOf(settled.count()), 3, RoundingMode.HALF_UP)));
		part.addPart().setName("credit-outstanding").setValue(FinancialResources.money(outstanding));
		part.addPart().setName("accounts-due").setValue(new IntegerType(Math.toIntExact(due)));
		return part;
	}

	private void add(Parameters.ParametersParameterComponent part, String name, Sums sums) {
		part.addPart().setName(name).setValue(new IntegerType(Math.toIntExact(sums.count())));
		part.addPart().setName(name + "-gross").setValue(FinancialResources.money(sums.gross()));
		part.addPart().setName(name + "-insurer").setValue(FinancialResources.money(sums.insurer()));
		part.addPart().setName(name + "-patient").setValue(FinancialResources.money(sums.patient()));
	}

	private Sums sums(String sql, String hospital, long day) {
		return jdbc.queryForObject(sql, (rs, i) -> new Sums(rs.getLong(1), money(rs.getBigDecimal(2)), money(rs.getBigDecimal(3)),
				money(rs.getBigDecimal(4))), hospital, day);
	}

	private static BigDecimal money(BigDecimal amount) {
		return amount == null ? Amounts.ZERO : Amounts.cents(amount);
	}
}
