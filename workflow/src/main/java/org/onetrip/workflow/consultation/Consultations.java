package org.onetrip.workflow.consultation;

/** What makes a ServiceRequest a consultation request rather than a referral: its category. */
public final class Consultations {

	/** SNOMED CT 11429006 |Consultation (procedure)|, the category a consultation request carries. */
	public static final String CATEGORY_SYSTEM = "http://snomed.info/sct";
	public static final String CATEGORY_CODE = "11429006";
	public static final String CATEGORY_DISPLAY = "Consultation";

	private Consultations() {}

	public static boolean isConsultationCategory(String system, String code) {
		return CATEGORY_SYSTEM.equals(system) && CATEGORY_CODE.equals(code);
	}
}
