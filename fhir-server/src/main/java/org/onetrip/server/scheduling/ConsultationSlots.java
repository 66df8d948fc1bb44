package org.onetrip.server.scheduling;

import org.hl7.fhir.r4.model.Coding;
import org.onetrip.workflow.consultation.Consultations;

/**
 * The slots of consulting departments' consultation rosters ({@code kind: consultation} in config/rosters.yaml): their
 * own Schedule, Slot ids that start with {@value #SLOT_ID_PREFIX}, service type consultation. They take consults only
 * (an Appointment based on a consultation request), and the visit {@code $find} does not offer them.
 */
public final class ConsultationSlots {

	public static final String SLOT_ID_PREFIX = "consultation-";

	private ConsultationSlots() {}

	public static boolean isConsultationSlot(String slotId) {
		return slotId != null && slotId.startsWith(SLOT_ID_PREFIX);
	}

	public static String scheduleId(String serviceId) {
		return "schedule-consultation-" + serviceId;
	}

	public static Coding serviceType() {
		return new Coding(Consultations.CATEGORY_SYSTEM, Consultations.CATEGORY_CODE, Consultations.CATEGORY_DISPLAY);
	}
}
