package org.onetrip.workflow.settlement;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Set;

/**
 * One insurance plan of the region's rules: how much of each item category the insurer takes, the patient's yearly
 * deductible, the insurer's yearly cap, the items it never pays, and the credit line its members are given (the
 * personal part of a visit paid in advance, settled once at the end; zero for none).
 *
 * @param eligibleShare per item category, the share of the price the plan counts as eligible (0..1); a category not
 *                      named is not covered
 * @param excludedItems item keys ({@code system|code}) the plan never pays, whatever their category
 */
public record InsurancePlan(String key, String name, BigDecimal deductiblePerYear, BigDecimal capPerYear,
		Map<String, BigDecimal> eligibleShare, Set<String> excludedItems, BigDecimal creditLine) {

	public InsurancePlan {
		eligibleShare = Map.copyOf(eligibleShare);
		excludedItems = Set.copyOf(excludedItems);
		requireNotNegative(deductiblePerYear, "deductiblePerYear");
		requireNotNegative(capPerYear, "capPerYear");
		requireNotNegative(creditLine, "creditLine");
		eligibleShare.forEach((category, share) -> {
			if (share.signum() < 0 || share.compareTo(BigDecimal.ONE) > 0) {
				throw new IllegalArgumentException("plan " + key + ": the eligible share of '" + category + "' must be between 0 and 1, not " + share);
			}
		});
	}

	/** The share of an item of this category the plan counts as eligible; zero when it does not cover the category or item. */
	public BigDecimal shareOf(String category, String itemKey) {
		if (excludedItems.contains(itemKey)) {
			return BigDecimal.ZERO;
		}
		return eligibleShare.getOrDefault(category, BigDecimal.ZERO);
	}

	private void requireNotNegative(BigDecimal amount, String what) {
		if (amount == null || amount.signum() < 0) {
			throw new IllegalArgumentException("plan " + key + ": " + what + " must be a sum of money of zero or more, not " + amount);
		}
	}
}
