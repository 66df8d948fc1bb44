package org.onetrip.workflow.consultation;

import java.util.List;
import java.util.Optional;

/**
 * How a consult happens: a synchronous one is a video meeting at a booked time (the hospital's own video system; OneTrip
 * carries the join link), an asynchronous one a review of the records with a written opinion. ServiceRequest.category
 * under {@link #SYSTEM}, next to the consultation category itself ({@link Consultations#CATEGORY_CODE}).
 */
public enum ConsultationMode {
	SYNCHRONOUS("synchronous"),
	ASYNCHRONOUS("asynchronous");

	public static final String SYSTEM = "urn:onetrip:consultation-mode";

	private final String code;

	ConsultationMode(String code) {
		this.code = code;
	}

	public String code() {
		return code;
	}

	/** The first mode among the codes under {@link #SYSTEM}; none is asynchronous, the commoner review of records. */
	public static ConsultationMode ofCodes(List<String> codesUnderSystem) {
		return codesUnderSystem.stream().map(ConsultationMode::byCode).flatMap(Optional::stream).findFirst().orElse(ASYNCHRONOUS);
	}

	public static Optional<ConsultationMode> byCode(String code) {
		for (ConsultationMode mode : values()) {
			if (mode.code.equals(code)) {
				return Optional.of(mode);
			}
		}
		return Optional.empty();
	}
}
