package org.onetrip.dicom.store;

import java.time.Instant;
import java.util.List;

/**
 * One study as indexed: what the FHIR ImagingStudy and the retrieve services are built from. {@code patientRef} is
 * null while the study's PatientID has no regional Patient yet (the FHIR sync makes it from the patient fields).
 */
public record StudySnapshot(
		String studyInstanceUid,
		String patientRef,
		PatientKey patient,
		String hospital,
		String patientName,
		String patientBirthDate,
		String patientSex,
		String studyDate,
		String studyTime,
		String accessionNumber,
		String studyDescription,
		String referringPhysicianName,
		List<DicomHeader.ProcedureCode> procedureCodes,
		long changeSeq,
		Instant updatedAt,
		List<Series> series) {

	public record Series(String seriesInstanceUid, String modality, String seriesNumber, String description,
			String bodyPartExamined, String seriesDate, String seriesTime, List<Instance> instances) {}

	public record Instance(String sopInstanceUid, String sopClassUid, String instanceNumber, String transferSyntaxUid,
			String relativePath, long size) {}

	public int instanceCount() {
		return series.stream().mapToInt(s -> s.instances().size()).sum();
	}

	public List<String> modalities() {
		return series.stream().map(Series::modality).filter(m -> !m.isEmpty()).distinct().toList();
	}
}
