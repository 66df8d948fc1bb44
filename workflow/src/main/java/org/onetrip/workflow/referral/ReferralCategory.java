package org.onetrip.workflow.referral;

import java.util.List;
import java.util.Optional;

/** What a referral asks the other hospital for; ServiceRequest.category under {@link #SYSTEM}. */
public enum ReferralCategory {
	OUTPATIENT_VISIT("outpatient-visit"),
	EXAMINATION("examination"),
	HOSPITALISATION("hospitalisation"),
	DAY_SURGERY("day-surgery");

	public static final String SYSTEM = "urn:onetrip:referral-category";

	private final String code;

	ReferralCategory(String code) {
		this.code = code;
	}

	public String code() {
		return code;
	}

	/** The first category among the codes a request names under {@link #SYSTEM}; none is an outpatient visit, the commonest referral. */
	public static ReferralCategory ofCodes(List<String> codesUnderSystem) {
		return codesUnderSystem.stream().map(ReferralCategory::byCode).flatMap(Optional::stream)
				.findFirst().orElse(OUTPATIENT_VISIT);
	}

	public static Optional<ReferralCategory> byCode(String code) {
		for (ReferralCategory category : values()) {
			if (category.code.equals(code)) {
				return Optional.of(category);
			}
		}
		return Optional.empty();
	}
}
