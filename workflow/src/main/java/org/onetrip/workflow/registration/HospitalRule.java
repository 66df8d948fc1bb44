package org.onetrip.workflow.registration;

import java.math.BigDecimal;

/**
 * One hospital's registration terms (config/registration.yaml).
 *
 * @param validDays days a registration covers, the day of the first visit included (seed 003: 3)
 * @param sameCondition a revisit is covered only when it is for the same condition
 */
public record HospitalRule(int validDays, boolean sameCondition, Fee fee) {

	public record Fee(String code, String display, BigDecimal amount, String currency) {}

	public HospitalRule {
		if (validDays < 1) {
			throw new IllegalArgumentException("a registration is valid for at least its own day, not " + validDays + " days");
		}
	}
}
