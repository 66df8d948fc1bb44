package org.onetrip.server.consultation;

import java.util.List;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.onetrip.workflow.consultation.ConsultationMode;
import org.onetrip.workflow.consultation.Consultations;

/** How a consultation shows in FHIR: the request's category and mode, the opinion's category. */
public final class ConsultationRequests {

	private ConsultationRequests() {}

	/** A ServiceRequest of category consultation (SNOMED 11429006). */
	public static boolean isConsultation(ServiceRequest request) {
		return hasConsultationCategory(request.getCategory());
	}

	static boolean hasConsultationCategory(List<CodeableConcept> categories) {
		return categories.stream().flatMap(c -> c.getCoding().stream())
				.anyMatch(c -> Consultations.isConsultationCategory(c.getSystem(), c.getCode()));
	}

	public static boolean isOpinion(DiagnosticReport report) {
		return hasConsultationCategory(report.getCategory());
	}

	public static ConsultationMode modeOf(ServiceRequest request) {
		return ConsultationMode.ofCodes(request.getCategory().stream().flatMap(c -> c.getCoding().stream())
				.filter(c -> ConsultationMode.SYSTEM.equals(c.getSystem())).map(Coding::getCode).toList());
	}

	public static Coding category() {
		return new Coding(Consultations.CATEGORY_SYSTEM, Consultations.CATEGORY_CODE, Consultations.CATEGORY_DISPLAY);
	}
}
