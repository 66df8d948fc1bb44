package org.onetrip.terminology.exam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The region's own config/exams, read as the server reads it, and the decisions made with it. */
class DuplicateExamRuleTest {

	static final ExamTerminology TERMINOLOGY = ExamTerminology.load(Path.of("../config/exams"),
			Set.of("hospital-a", "hospital-b", "clinic-c", "imaging-d")::contains);
	static final DuplicateExamRule RULE = new DuplicateExamRule(TERMINOLOGY);
	static final Instant NOW = Instant.parse("2026-11-23T09:00:00Z");

	static ExamType exam(String code) {
		return TERMINOLOGY.catalogue().exam(code).orElseThrow();
	}

	static PriorExam prior(String code, int daysAgo, String status) {
		String source = "DiagnosticReport/" + code + "-" + daysAgo;
		return new PriorExam(source, "p1", code, NOW.minus(Duration.ofDays(daysAgo)), "hospital-b", status,
				source, null, null, null, null, null);
	}

	@Test
	void theDemoCatalogueHasTheReferenceExamsAndEveryHospitalsCodesMapIntoIt() {
		assertEquals("CT Chest", exam("24627-2").display());
		assertEquals("XR Chest 2 Views", exam("36643-5").display());
		assertEquals("CT Head", exam("24725-4").display());
		assertTrue(TERMINOLOGY.catalogue().exams().size() >= 40);
		assertEquals(4, TERMINOLOGY.codeMaps().size());
	}

	@Test
	void localCodesOfDifferentHospitalsMeanTheSameCatalogueExam() {
		ExamType atA = TERMINOLOGY.type(List.of(ExamCode.of("urn:onetrip:exam-code:hospital-a", "CT-CHEST"))).examType().orElseThrow();
		ExamType atB = TERMINOLOGY.type(List.of(ExamCode.of("urn:onetrip:exam-code:hospital-b", "RAD1003"))).examType().orElseThrow();
		assertEquals(atA, atB);
	}

	@Test
	void aCtOfTheSameBodyRegionIsTheSameTypeWhateverTheContrast() {
		assertTrue(TERMINOLOGY.sameType(exam("24627-2"), exam("24628-0")));
		assertFalse(TERMINOLOGY.sameType(exam("24627-2"), exam("24725-4")), "chest is not head");
		assertFalse(TERMINOLOGY.sameType(exam("24627-2"), exam("36643-5")), "a radiograph is not a CT");
		assertFalse(TERMINOLOGY.sameType(exam("26257-6"), exam("26258-4")), "left knee is not right knee");
		assertTrue(TERMINOLOGY.sameType(exam("36554-4"), exam("36643-5")), "configured group: chest X-ray, any views");
	}

	@Test
	void lookBackComesFromTheModalityOrTheCategory() {
		assertEquals(Duration.ofDays(90), TERMINOLOGY.lookBack(exam("24627-2")));
		assertEquals(Duration.ofDays(30), TERMINOLOGY.lookBack(exam("36643-5")));
		assertEquals(Duration.ofDays(7), TERMINOLOGY.lookBack(exam("58410-2")));
	}

	@Test
	void aSameTypeExamInsideTheWindowIsADuplicateAndOutsideItIsNot() {
		assertTrue(RULE.check(exam("24627-2"), "routine", NOW, List.of(prior("29252-4", 10, "final")), null).isDuplicate());
		assertTrue(RULE.check(exam("24627-2"), "routine", NOW, List.of(prior("29252-4", 90, "final")), null).isDuplicate());
		assertFalse(RULE.check(exam("24627-2"), "routine", NOW, List.of(prior("29252-4", 91, "final")), null).isDuplicate());
		assertFalse(RULE.check(exam("24627-2"), "routine", NOW, List.of(prior("36643-5", 1, "final")), null).isDuplicate());
		assertFalse(RULE.check(exam("24627-2"), null, NOW, List.of(prior("24627-2", 1, "entered-in-error")), null).isDuplicate());
	}

	@Test
	void emergenciesAreFlaggedSoTheyAreOnlyInformed() {
		var finding = RULE.check(exam("24627-2"), "stat", NOW, List.of(prior("24627-2", 3, "final")), null);
		assertTrue(finding.isDuplicate());
		assertTrue(finding.emergency());
		assertFalse(RULE.check(exam("24627-2"), "routine", NOW, List.of(prior("24627-2", 3, "final")), null).emergency());
	}

	@Test
	void theStudyAndItsReportAreOneExamAndTheMostRecentComesFirst() {
		PriorExam study = new PriorExam("ImagingStudy/s1", "p1", "24627-2", NOW.minus(Duration.ofDays(12)), "imaging-d",
				"available", null, "ImagingStudy/s1", null, "2.25.1", "http://pacs/studies/2.25.1", "CT THORAX");
		PriorExam report = new PriorExam("DiagnosticReport/r1", "p1", "24627-2", NOW.minus(Duration.ofDays(11)), null,
				"final", "DiagnosticReport/r1", "ImagingStudy/s1", null, null, null, "Normal.");
		PriorExam older = prior("24628-0", 40, "final");
		var finding = RULE.check(exam("24627-2"), null, NOW, List.of(older, study, report), null);
		assertEquals(2, finding.repeats().size());
		PriorExam merged = finding.repeats().get(0);
		assertEquals("DiagnosticReport/r1", merged.reportRef());
		assertEquals("http://pacs/studies/2.25.1", merged.imagesUrl());
		assertEquals("imaging-d", merged.hospitalKey());
		assertEquals("Normal.", merged.summary());
		assertEquals(NOW.minus(Duration.ofDays(12)), merged.performedAt());
	}

	@Test
	void anUnmappedLocalCodeIsReportedAsSuchNotGuessed() {
		ExamTyping typing = TERMINOLOGY.type(List.of(ExamCode.of("urn:onetrip:exam-code:hospital-a", "NOT-A-CODE")));
		ExamTyping.Unmapped unmapped = assertInstanceOf(ExamTyping.Unmapped.class, typing);
		assertEquals("hospital-a", unmapped.hospitalKey());
		assertInstanceOf(ExamTyping.Unknown.class, TERMINOLOGY.type(List.of(ExamCode.of("urn:other", "X"))));
	}

	@Test
	void aStudyWithoutProcedureCodeIsTypedByModalityAndBodyPart() {
		assertEquals("24627-2", TERMINOLOGY.typeByModalityAndBodyPart("CT", "CHEST").orElseThrow().code());
		assertEquals("XR", TERMINOLOGY.typeByModalityAndBodyPart("DX", "CHEST").orElseThrow().modality());
		assertEquals("24968-0", TERMINOLOGY.typeByModalityAndBodyPart("MR", "LSPINE").orElseThrow().code());
	}

	@Test
	void aCodeMapPointingOutsideTheCatalogueIsRejectedWithTheLine() {
		var error = assertThrows(IllegalArgumentException.class, () -> HospitalExamCodes.read("hospital-a",
				new java.io.StringReader("local_code,local_display,catalogue_code\nX1,Thing,99999-9\n"), "map.csv",
				TERMINOLOGY.catalogue()));
		assertTrue(error.getMessage().contains("map.csv line 2"), error.getMessage());
		assertTrue(error.getMessage().contains("99999-9"), error.getMessage());
	}
}
