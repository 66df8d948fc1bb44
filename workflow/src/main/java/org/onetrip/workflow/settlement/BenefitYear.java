package org.onetrip.workflow.settlement;

import java.math.BigDecimal;

/**
 * What a person has used of one plan in one calendar year, across every hospital of the region: the deductible paid
 * so far and the benefit the insurer has paid so far (against the plan's cap).
 */
public record BenefitYear(BigDecimal deductibleUsed, BigDecimal benefitPaid) {

	public static final BenefitYear FRESH = new BenefitYear(Amounts.ZERO, Amounts.ZERO);

	/** The year after this charge's adjudication. */
	public BenefitYear plus(Adjudication adjudication) {
		return new BenefitYear(deductibleUsed.add(adjudication.deductible()), benefitPaid.add(adjudication.benefit()));
	}

	/** The year after a charge is reversed: what it used is given back. */
	public BenefitYear minus(Adjudication adjudication) {
		return new BenefitYear(deductibleUsed.subtract(adjudication.deductible()).max(Amounts.ZERO),
				benefitPaid.subtract(adjudication.benefit()).max(Amounts.ZERO));
	}
}
