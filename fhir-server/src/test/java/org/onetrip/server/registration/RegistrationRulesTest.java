package org.onetrip.server.registration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RegistrationRulesTest {

	private static final Set<String> HOSPITALS = Set.of("hospital-a", "clinic-c");

	@Test
	void theShippedRulesGiveSeedThreesThreeDaysAndEachHospitalItsFee() {
		RegistrationRules rules = RegistrationRules.load(Path.of("../config/registration.yaml"),
				Set.of("hospital-a", "hospital-b", "clinic-c", "imaging-d"));
		assertThat(rules.of("hospital-a").validDays()).isEqualTo(3);
		assertThat(rules.of("hospital-a").fee().amount()).isEqualByComparingTo("25.00");
		assertThat(rules.of("imaging-d").fee().amount()).as("the default").isEqualByComparingTo("10.00");
		assertThat(rules.of("clinic-c").sameCondition()).isFalse();
	}

	@Test
	void theFirstDayCountsAsDayOne() {
		RegistrationRules.Rule rule = RegistrationRules.load(Path.of("does-not-exist.yaml"), HOSPITALS).of("hospital-a");
		LocalDate monday = LocalDate.of(2026, 11, 30);
		var registration = new RegistrationRule.Registration("e1", "c1", "HealthcareService/x", "icd|I10", monday);
		List<RegistrationRule.Registration> earlier = List.of(registration);
		assertThat(RegistrationRule.coveringRegistration(rule, new RegistrationRule.Visit("HealthcareService/x", "icd|I10",
				monday.plusDays(2)), earlier)).contains(registration);
		assertThat(RegistrationRule.coveringRegistration(rule, new RegistrationRule.Visit("HealthcareService/x", "icd|I10",
				monday.plusDays(3)), earlier)).isEmpty();
		assertThat(RegistrationRule.coveringRegistration(rule, new RegistrationRule.Visit("HealthcareService/x", "",
				monday.plusDays(1)), earlier)).as("no condition named").isEmpty();
	}

	@Test
	void mistakesInTheFileAreNamed() {
		assertThatThrownBy(() -> parse("hospitals: {hospital-z: {validDays: 2}}")).hasMessageContaining("no hospital 'hospital-z'");
		assertThatThrownBy(() -> parse("default: {validDays: 0}")).hasMessageContaining("validDays must be at least 1");
		assertThatThrownBy(() -> parse("default: {fee: {amount: ten}}")).hasMessageContaining("is not a number");
		assertThatThrownBy(() -> parse("default: {fee: {amount: -1}}")).hasMessageContaining("cannot be negative");
	}

	private static RegistrationRules parse(String yaml) throws Exception {
		return RegistrationRules.parse(new ObjectMapper(new YAMLFactory()).readTree(yaml), "test.yaml", HOSPITALS);
	}
}
