package org.onetrip.server.terminology;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.validation.JpaValidationSupportChain;
import org.onetrip.server.OneTripProperties;
import org.onetrip.terminology.exam.DuplicateExamRule;
import org.onetrip.terminology.exam.ExamTerminology;
import org.onetrip.terminology.region.Region;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration
public class ExamTerminologyConfiguration {

	/** Read once at start from config/exams; an invalid file stops the server with the reason. */
	@Bean
	public ExamTerminology examTerminology(OneTripProperties properties, Region region) {
		return ExamTerminology.load(properties.examsDirectory(), key -> region.hospital(key).isPresent());
	}

	/** $lookup of catalogue codes (http://loinc.org), which HAPI would otherwise only answer from a LOINC upload. */
	@Bean
	public CatalogueLookupSupport catalogueLookupSupport(FhirContext fhirContext, ExamTerminology examTerminology,
			JpaValidationSupportChain validationSupportChain) {
		CatalogueLookupSupport support = new CatalogueLookupSupport(fhirContext, examTerminology);
		validationSupportChain.addValidationSupport(support);
		return support;
	}

	@Bean
	public DuplicateExamRule duplicateExamRule(ExamTerminology examTerminology) {
		return new DuplicateExamRule(examTerminology);
	}

	/** A workflow handler, so a ConceptMap written from inside OneTrip obeys the same check. */
	@Bean
	public LiveCodeMaps liveCodeMaps(ExamTerminology examTerminology, Region region) {
		return new LiveCodeMaps(examTerminology, region);
	}
}
