package org.onetrip.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The firewall's character rules answer exactly as Spring Security 6.4's regular expressions do. */
class FirewallCharacterRulesTest {

	private static final Pattern SPRING_NAMES = Pattern.compile("[\\p{IsAssigned}&&[^\\p{IsControl}]]*");
	private static final Pattern SPRING_HEADER_VALUES = Pattern.compile("[\\p{IsAssigned}&&[[^\\p{IsControl}]||\\t]]*");

	@Test
	void everyCharacterIsJudgedAsSpringSecurityJudgesIt() {
		List<String> samples = new ArrayList<>();
		for (int c = 0; c <= 0xFFFF; c++) {
			samples.add(String.valueOf((char) c)); // lone surrogates included
			samples.add("a" + (char) c + "b");
		}
		for (int codePoint : new int[] {0x1F600, 0x10000, 0x2FFFF, 0x30000, 0xE0001, 0xE0080, 0xF0000, 0x10FFFF}) {
			samples.add(new String(Character.toChars(codePoint)));
			samples.add("x" + new String(Character.toChars(codePoint)) + "\t");
		}
		samples.add("");
		samples.add("Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln");
		samples.add("application/fhir+json; charset=UTF-8");
		samples.add("tab\tinside");
		samples.add("\uD83D"); // a high surrogate alone at the end
		samples.add("\uDE00\uD83D"); // surrogates in the wrong order

		int refusedNames = 0;
		int refusedValues = 0;
		for (String sample : samples) {
			assertSame(FirewallCharacterRules.ASSIGNED_AND_NOT_CONTROL, SPRING_NAMES, sample);
			assertSame(FirewallCharacterRules.HEADER_VALUE, SPRING_HEADER_VALUES, sample);
			refusedNames += SPRING_NAMES.matcher(sample).matches() ? 0 : 1;
			refusedValues += SPRING_HEADER_VALUES.matcher(sample).matches() ? 0 : 1;
		}
		// The samples hold characters of every kind: controls and unassigned code points are refused, a tab only in names.
		assertThat(refusedNames).isGreaterThan(refusedValues).isGreaterThan(1_000);
	}

	private static void assertSame(Predicate<String> rule, Pattern spring, String sample) {
		assertThat(rule.test(sample)).as("%s on %s", spring.pattern(), sample.codePoints().mapToObj(Integer::toHexString).toList())
				.isEqualTo(spring.matcher(sample).matches());
	}
}
