package org.onetrip.server.referral;

import java.util.Optional;
import org.hl7.fhir.r4.model.ServiceRequest;

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

	/** The category the request names; an unnamed one is an outpatient visit, the commonest referral. */
	public static ReferralCategory of(ServiceRequest request) {
		return request.getCategory().stream().flatMap(c -> c.getCoding().stream())
				.filter(c -> SYSTEM.equals(c.getSystem()))
				.map(c -> byCode(c.getCode())).flatMap(Optional::stream)
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
