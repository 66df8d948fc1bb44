package org.onetrip.server.terminology;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.context.support.LookupCodeRequest;
import ca.uhn.fhir.context.support.ValidationSupportContext;
import java.util.List;
import org.onetrip.terminology.exam.ExamCatalogue;
import org.onetrip.terminology.exam.ExamTerminology;
import org.onetrip.terminology.exam.ExamType;

/**
 * Answers {@code CodeSystem/$lookup} for catalogue codes. HAPI treats LOINC as an external terminology
 * looked up only in its own terminology tables (filled by a full LOINC upload), never in a CodeSystem
 * resource, so the catalogue fragment needs this link into HAPI's validation-support chain.
 * Codes outside the catalogue are left to the rest of the chain.
 */
public class CatalogueLookupSupport implements IValidationSupport {

	private final FhirContext fhirContext;
	private final ExamTerminology terminology;

	public CatalogueLookupSupport(FhirContext fhirContext, ExamTerminology terminology) {
		this.fhirContext = fhirContext;
		this.terminology = terminology;
	}

	@Override
	public FhirContext getFhirContext() {
		return fhirContext;
	}

	@Override
	public String getName() {
		return "OneTrip exam catalogue";
	}

	@Override
	public boolean isCodeSystemSupported(ValidationSupportContext context, String system) {
		return ExamCatalogue.SYSTEM.equals(system);
	}

	@Override
	public LookupCodeResult lookupCode(ValidationSupportContext context, LookupCodeRequest request) {
		if (!ExamCatalogue.SYSTEM.equals(request.getSystem())) {
			return null;
		}
		ExamType exam = terminology.catalogue().exam(request.getCode()).orElse(null);
		if (exam == null) {
			return null;
		}
		LookupCodeResult result = new LookupCodeResult()
				.setFound(true)
				.setSearchedForSystem(request.getSystem())
				.setSearchedForCode(request.getCode());
		result.setCodeDisplay(exam.display());
		result.setCodeSystemDisplayName("LOINC (OneTrip regional exam catalogue)");
		result.setProperties(List.of(
				new StringConceptProperty("category", exam.category()),
				new StringConceptProperty("modality", exam.modality()),
				new StringConceptProperty("body-region", exam.bodyRegion()),
				new StringConceptProperty("contrast", exam.contrast()),
				new StringConceptProperty("laterality", exam.laterality()),
				new StringConceptProperty("look-back-days", Long.toString(terminology.lookBack(exam).toDays()))));
		return result;
	}
}
