package org.onetrip.server.security;

import java.util.function.Predicate;
import org.springframework.security.web.firewall.StrictHttpFirewall;

/**
 * Spring Security's firewall with its own character rules for header names, header values and parameter names, checked
 * by a loop over the characters instead of the regular expressions Spring Security matches them with.
 *
 * <p>The firewall checks a header each time anyone reads it, and HAPI reads the same few headers many times per
 * request: those regular expressions (character classes intersected with Unicode categories) took ~6 % of the request
 * threads' CPU in a booking storm (bench/HISTORY.md, 2026-12-04 stop 43). The rules are Spring Security 6.4's defaults,
 * unchanged: every code point assigned in Unicode and not a control character, a tab also allowed in header values;
 * parameter values are not checked (also its default). {@code FirewallCharacterRulesTest} holds them to Spring
 * Security's expressions.
 */
final class FirewallCharacterRules {

	/** Spring Security's {@code [\p{IsAssigned}&&[^\p{IsControl}]]*}. */
	static final Predicate<String> ASSIGNED_AND_NOT_CONTROL = value -> allCodePoints(value, false);

	/** Spring Security's header-value rule {@code [\p{IsAssigned}&&[[^\p{IsControl}]||\t]]*}. */
	static final Predicate<String> HEADER_VALUE = value -> allCodePoints(value, true);

	private FirewallCharacterRules() {
	}

	static StrictHttpFirewall firewall() {
		StrictHttpFirewall firewall = new StrictHttpFirewall();
		firewall.setAllowedHeaderNames(ASSIGNED_AND_NOT_CONTROL);
		firewall.setAllowedHeaderValues(HEADER_VALUE);
		firewall.setAllowedParameterNames(ASSIGNED_AND_NOT_CONTROL);
		return firewall;
	}

	private static boolean allCodePoints(String value, boolean tabAllowed) {
		for (int i = 0; i < value.length(); ) {
			int codePoint = value.codePointAt(i);
			// Printable ASCII, nearly every header, needs no Unicode table.
			if (codePoint < 0x20 || codePoint >= 0x7f) {
				int type = Character.getType(codePoint);
				if (type == Character.UNASSIGNED || type == Character.CONTROL && !(tabAllowed && codePoint == '\t')) {
					return false;
				}
			}
			i += Character.charCount(codePoint);
		}
		return true;
	}
}
