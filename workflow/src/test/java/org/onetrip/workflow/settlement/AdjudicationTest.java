package org.onetrip.workflow.settlement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AdjudicationTest {

	static final InsurancePlan URBAN = new InsurancePlan("urban-employee", "Urban employee insurance", new BigDecimal("100.00"),
			new BigDecimal("500.00"), Map.of("exam", new BigDecimal("0.70"), "drug", new BigDecimal("0.60"), "registration",
					new BigDecimal("1")), Set.of("urn:drug|vitamin-c"), new BigDecimal("3000.00"));

	@Test
	void theDeductibleIsPaidFirstThenThePlanShares() {
		Adjudication first = Adjudication.of(URBAN, "exam", "urn:exam|ct-head", new BigDecimal("300"), BenefitYear.FRESH);
		assertThat(first.submitted()).isEqualByComparingTo("300.00");
		assertThat(first.eligible()).isEqualByComparingTo("210.00");
		assertThat(first.deductible()).isEqualByComparingTo("100.00");
		assertThat(first.benefit()).isEqualByComparingTo("110.00");
		assertThat(first.copay()).isEqualByComparingTo("190.00");

		BenefitYear year = BenefitYear.FRESH.plus(first);
		Adjudication second = Adjudication.of(URBAN, "exam", "urn:exam|ct-head", new BigDecimal("300"), year);
		assertThat(second.deductible()).as("the deductible is used up").isEqualByComparingTo("0");
		assertThat(second.benefit()).isEqualByComparingTo("210.00");
		assertThat(second.copay()).isEqualByComparingTo("90.00");
	}

	@Test
	void theCapStopsTheInsurerAndThePatientPaysTheRest() {
		BenefitYear nearCap = new BenefitYear(new BigDecimal("100.00"), new BigDecimal("450.00"));
		Adjudication capped = Adjudication.of(URBAN, "exam", "urn:exam|mri", new BigDecimal("1000"), nearCap);
		assertThat(capped.eligible()).isEqualByComparingTo("700.00");
		assertThat(capped.benefit()).isEqualByComparingTo("50.00");
		assertThat(capped.copay()).isEqualByComparingTo("950.00");
		assertThat(capped.reason()).contains("cap");
		Adjudication after = Adjudication.of(URBAN, "exam", "urn:exam|mri", new BigDecimal("10"), nearCap.plus(capped));
		assertThat(after.benefit()).isEqualByComparingTo("0");
		assertThat(after.copay()).isEqualByComparingTo("10.00");
	}

	@Test
	void excludedItemsAndUncoveredCategoriesAreThePatientsWhole() {
		BenefitYear used = new BenefitYear(new BigDecimal("100.00"), BigDecimal.ZERO);
		Adjudication excluded = Adjudication.of(URBAN, "drug", "urn:drug|vitamin-c", new BigDecimal("12.5"), used);
		assertThat(excluded.benefit()).isEqualByComparingTo("0");
		assertThat(excluded.copay()).isEqualByComparingTo("12.50");
		assertThat(excluded.reason()).contains("excluded");
		Adjudication uncovered = Adjudication.of(URBAN, "cosmetic", "urn:x|y", new BigDecimal("80"), used);
		assertThat(uncovered.copay()).isEqualByComparingTo("80.00");
		assertThat(Adjudication.uninsured(new BigDecimal("7.005")).copay()).as("half-up to the cent").isEqualByComparingTo("7.01");
	}

	@Test
	void roundingIsHalfUpPerLineAndTotalsAreSumsOfLines() {
		List<Adjudication> lines = new ArrayList<>();
		BenefitYear year = new BenefitYear(new BigDecimal("100.00"), BigDecimal.ZERO);
		for (int i = 0; i < 7; i++) {
			Adjudication line = Adjudication.of(URBAN, "drug", "urn:drug|amoxicillin", new BigDecimal("3.33"), year);
			// 3.33 x 0.6 = 1.998 -> 2.00 eligible, all of it benefit (deductible used), copay 1.33
			assertThat(line.benefit()).isEqualByComparingTo("2.00");
			assertThat(line.copay()).isEqualByComparingTo("1.33");
			lines.add(line);
			year = year.plus(line);
		}
		Settlement.Totals totals = Settlement.totals(lines);
		assertThat(totals.gross()).isEqualByComparingTo("23.31");
		assertThat(totals.insurer()).isEqualByComparingTo("14.00");
		assertThat(totals.patient()).isEqualByComparingTo("9.31");
		assertThat(totals.insurer().add(totals.patient())).isEqualByComparingTo(totals.gross());
	}

	@Test
	void aReversalGivesBackWhatTheChargeUsed() {
		Adjudication charge = Adjudication.of(URBAN, "exam", "urn:exam|ct-head", new BigDecimal("300"), BenefitYear.FRESH);
		BenefitYear after = BenefitYear.FRESH.plus(charge);
		assertThat(after.minus(charge).deductibleUsed()).isEqualByComparingTo("0");
		assertThat(after.minus(charge).benefitPaid()).isEqualByComparingTo("0");
	}

	@Test
	void theCreditLineTakesAWholeVisitOrNothing() {
		assertThat(Settlement.credit(new BigDecimal("3000"), new BigDecimal("2900"), new BigDecimal("100.00")))
				.isEqualTo(new Settlement.OnCredit(new BigDecimal("3000.00")));
		Settlement.Credit exceeded = Settlement.credit(new BigDecimal("3000"), new BigDecimal("2900"), new BigDecimal("100.01"));
		assertThat(exceeded).isInstanceOf(Settlement.CreditExceeded.class);
		assertThat(((Settlement.CreditExceeded) exceeded).explain()).contains("limit 3000", "outstanding 2900", "100.01");
		assertThat(Settlement.credit(BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ONE)).isInstanceOf(Settlement.NoCreditLine.class);
	}

	@Test
	void anEpisodeEndsTheDayAfterItsLastCoveredDay() {
		LocalDate last = LocalDate.of(2026, 12, 4);
		assertThat(Settlement.episodeEnded(last, last)).isFalse();
		assertThat(Settlement.episodeEnded(last, last.plusDays(1))).isTrue();
	}

	@Test
	void aPlanRefusesSharesOutsideZeroToOne() {
		assertThatThrownBy(() -> new InsurancePlan("p", "P", BigDecimal.ZERO, BigDecimal.ZERO, Map.of("exam", new BigDecimal("1.2")),
				Set.of(), BigDecimal.ZERO)).hasMessageContaining("between 0 and 1");
	}
}
