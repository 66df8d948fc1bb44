package org.onetrip.workflow.settlement;

import java.math.BigDecimal;

/**
 * One charge adjudicated in real time against the patient's plan (the FHIR ClaimResponse's item.adjudication):
 * submitted = the price; eligible = the part the plan counts; deductible = the part of the eligible amount the patient
 * still pays under the year's deductible; benefit = what the insurer pays (eligible minus deductible, within the
 * year's cap); copay = what the patient pays (submitted minus benefit). Every figure is in cents and
 * submitted = benefit + copay exactly.
 */
public record Adjudication(BigDecimal submitted, BigDecimal eligible, BigDecimal deductible, BigDecimal benefit,
		BigDecimal copay, String reason) {

	/** No plan (no Coverage): the patient pays the whole price. */
	public static Adjudication uninsured(BigDecimal price) {
		BigDecimal submitted = Amounts.cents(price);
		if (submitted.signum() < 0) {
			throw new IllegalArgumentException("a charge cannot be negative: " + submitted);
		}
		return new Adjudication(submitted, Amounts.ZERO, Amounts.ZERO, Amounts.ZERO, submitted, "no insurance coverage");
	}

	/**
	 * @param category the item's category in the price list (registration, exam, lab, drug, ...)
	 * @param itemKey  {@code system|code} of the item, for the plan's exclusions
	 * @param year     what the person has already used of this plan this year, at every hospital
	 */
	public static Adjudication of(InsurancePlan plan, String category, String itemKey, BigDecimal price, BenefitYear year) {
		BigDecimal submitted = Amounts.cents(price);
		if (submitted.signum() < 0) {
			throw new IllegalArgumentException("a charge cannot be negative: " + submitted);
		}
		BigDecimal share = plan.shareOf(category, itemKey);
		if (share.signum() == 0) {
			String why = plan.excludedItems().contains(itemKey) ? itemKey + " is excluded by " + plan.name()
					: plan.name() + " does not cover " + category;
			return new Adjudication(submitted, Amounts.ZERO, Amounts.ZERO, Amounts.ZERO, submitted, why);
		}
		BigDecimal eligible = Amounts.cents(submitted.multiply(share));
		BigDecimal deductibleLeft = plan.deductiblePerYear().subtract(year.deductibleUsed()).max(Amounts.ZERO);
		BigDecimal deductible = eligible.min(deductibleLeft);
		BigDecimal capLeft = plan.capPerYear().subtract(year.benefitPaid()).max(Amounts.ZERO);
		BigDecimal benefit = eligible.subtract(deductible).min(capLeft);
		String reason = benefit.compareTo(eligible.subtract(deductible)) < 0 ? "the year's cap of " + plan.name() + " is reached"
				: deductible.signum() > 0 ? "within the year's deductible" : "covered";
		return new Adjudication(submitted, eligible, deductible, benefit, submitted.subtract(benefit), reason);
	}
}
