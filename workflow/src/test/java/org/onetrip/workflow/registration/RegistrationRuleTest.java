package org.onetrip.workflow.registration;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Seed 003's "one registration, several visits", decided with fixed days and no server. */
class RegistrationRuleTest {

	static final HospitalRule THREE_DAYS_SAME_CONDITION = new HospitalRule(3, true,
			new HospitalRule.Fee("outpatient-registration", "Outpatient registration fee", new BigDecimal("25.00"), "CNY"));
	static final HospitalRule THREE_DAYS_ANY_CONDITION = new HospitalRule(3, false, THREE_DAYS_SAME_CONDITION.fee());
	static final LocalDate MONDAY = LocalDate.of(2026, 11, 30);
	static final String CARDIOLOGY = "HealthcareService/cardiology";
	static final RegistrationRule.Registration MONDAYS = new RegistrationRule.Registration("e1", "c1", CARDIOLOGY, "icd|I10", MONDAY);

	static RegistrationRule.Visit visit(String department, String condition, LocalDate day) {
		return new RegistrationRule.Visit("a2", department, condition, day);
	}

	@Test
	void dayThreeIsCoveredAndDayFourIsCharged() {
		var dayThree = RegistrationRule.decide(THREE_DAYS_SAME_CONDITION, visit(CARDIOLOGY, "icd|I10", MONDAY.plusDays(2)), List.of(MONDAYS));
		assertThat(dayThree).isEqualTo(new RegistrationRule.Covered(MONDAYS, MONDAY.plusDays(2)));

		var dayFour = RegistrationRule.decide(THREE_DAYS_SAME_CONDITION, visit(CARDIOLOGY, "icd|I10", MONDAY.plusDays(3)), List.of(MONDAYS));
		assertThat(dayFour).as("the first day counts as day one").isEqualTo(new RegistrationRule.NewRegistration("icd|I10", MONDAY.plusDays(5)));
	}

	@Test
	void anotherDepartmentOrAnotherConditionNeedsItsOwnRegistration() {
		assertThat(RegistrationRule.decide(THREE_DAYS_SAME_CONDITION, visit("HealthcareService/dermatology", "icd|I10", MONDAY),
				List.of(MONDAYS))).isInstanceOf(RegistrationRule.NewRegistration.class);
		assertThat(RegistrationRule.decide(THREE_DAYS_SAME_CONDITION, visit(CARDIOLOGY, "icd|E11", MONDAY.plusDays(1)),
				List.of(MONDAYS))).isInstanceOf(RegistrationRule.NewRegistration.class);
		assertThat(RegistrationRule.decide(THREE_DAYS_ANY_CONDITION, visit(CARDIOLOGY, "icd|E11", MONDAY.plusDays(1)),
				List.of(MONDAYS))).as("a hospital that does not ask for the same condition").isInstanceOf(RegistrationRule.Covered.class);
	}

	@Test
	void aVisitThatNamesNoConditionCannotBeShownToBeForTheSameOne() {
		var decision = RegistrationRule.decide(THREE_DAYS_SAME_CONDITION, visit(CARDIOLOGY, "", MONDAY.plusDays(1)), List.of(MONDAYS));
		assertThat(decision).isEqualTo(new RegistrationRule.NewRegistration("unstated:a2", MONDAY.plusDays(3)));

		var unstated = new RegistrationRule.Registration("e2", "c2", CARDIOLOGY, "unstated:a1", MONDAY);
		assertThat(RegistrationRule.decide(THREE_DAYS_SAME_CONDITION, visit(CARDIOLOGY, "", MONDAY), List.of(unstated)))
				.as("nor can two visits that both name none").isInstanceOf(RegistrationRule.NewRegistration.class);
		assertThat(RegistrationRule.decide(THREE_DAYS_ANY_CONDITION, visit(CARDIOLOGY, "", MONDAY), List.of()))
				.isEqualTo(new RegistrationRule.NewRegistration("", MONDAY.plusDays(2)));
	}

	@Test
	void theLatestCoveringRegistrationIsJoined() {
		var tuesdays = new RegistrationRule.Registration("e3", "c3", CARDIOLOGY, "icd|I10", MONDAY.plusDays(1));
		assertThat(RegistrationRule.decide(THREE_DAYS_SAME_CONDITION, visit(CARDIOLOGY, "icd|I10", MONDAY.plusDays(2)),
				List.of(MONDAYS, tuesdays))).isEqualTo(new RegistrationRule.Covered(tuesdays, MONDAY.plusDays(3)));
		assertThat(RegistrationRule.earliestCoveringFirstDay(THREE_DAYS_SAME_CONDITION, MONDAY.plusDays(2))).isEqualTo(MONDAY);
	}

	@Test
	void aVisitBeforeTheRegistrationsFirstDayIsNotCovered() {
		assertThat(RegistrationRule.decide(THREE_DAYS_SAME_CONDITION, visit(CARDIOLOGY, "icd|I10", MONDAY.minusDays(1)),
				List.of(MONDAYS))).isInstanceOf(RegistrationRule.NewRegistration.class);
	}
}
