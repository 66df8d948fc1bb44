package org.onetrip.server.registration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The file of each hospital's registration terms; the rule that applies them is tested in the workflow module. */
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
