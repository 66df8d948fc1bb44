package org.onetrip.server.terminology;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.onetrip.server.ServerTest;

/** The catalogue and the hospitals' code maps answer FHIR's terminology operations. */
class ExamTerminologyOperationsTest extends ServerTest {

	@Test
	void lookupOfACatalogueCodeGivesItsNameAndPlaybookProperties() {
		String body = fhir.get("/CodeSystem/$lookup?system=http://loinc.org&code=24627-2").body();
		assertThat(body).contains("CT Chest").contains("modality").contains("\"CT\"").contains("chest").contains("90");
	}

	@Test
	void lookupOfAHospitalsLocalCode() {
		assertThat(fhir.get("/CodeSystem/$lookup?system=urn:onetrip:exam-code:hospital-a&code=CT-CHEST").body())
				.contains("CT chest");
	}

	@Test
	void translateTakesAHospitalCodeToTheCatalogue() {
		String body = fhir.get("/ConceptMap/$translate?system=urn:onetrip:exam-code:hospital-b&code=RAD1003"
				+ "&targetsystem=http://loinc.org").body();
		assertThat(body).contains("\"valueBoolean\":true").contains("24627-2");
		assertThat(fhir.get("/ConceptMap/$translate?system=urn:onetrip:exam-code:hospital-b&code=NOPE"
				+ "&targetsystem=http://loinc.org").body()).contains("\"valueBoolean\":false");
	}

	@Test
	void validateCodeAndExpandWorkOnTheCatalogueValueSet() {
		assertThat(fhir.get("/ValueSet/$validate-code?url=urn:onetrip:fhir:ValueSet:exam-catalogue"
				+ "&system=http://loinc.org&code=36643-5").body()).contains("\"valueBoolean\":true");
		assertThat(fhir.get("/ValueSet/$validate-code?url=urn:onetrip:fhir:ValueSet:exam-catalogue"
				+ "&system=http://loinc.org&code=1234-5").body()).contains("\"valueBoolean\":false");
		assertThat(fhir.get("/ValueSet/$expand?url=urn:onetrip:fhir:ValueSet:exam-catalogue").body())
				.contains("24725-4").contains("CT Head");
	}
}
