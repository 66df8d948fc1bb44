package org.onetrip.dicom.store;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.CodedSequenceItem;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.TagFromName;
import java.util.ArrayList;
import java.util.List;

/**
 * What OneTrip keeps from one instance's header: enough to index it at every query level, to find the regional
 * Patient, and to build the FHIR ImagingStudy. Values are trimmed; absent ones are empty strings, never null.
 */
public record DicomHeader(
		String sopClassUid,
		String sopInstanceUid,
		String studyInstanceUid,
		String seriesInstanceUid,
		String patientId,
		String issuerOfPatientId,
		String patientName,
		String patientBirthDate,
		String patientSex,
		String studyDate,
		String studyTime,
		String accessionNumber,
		String studyId,
		String studyDescription,
		String referringPhysicianName,
		String modality,
		String seriesNumber,
		String seriesDescription,
		String seriesDate,
		String seriesTime,
		String bodyPartExamined,
		String instanceNumber,
		String institutionName,
		String specificCharacterSet,
		List<ProcedureCode> procedureCodes) {

	/** One item of Procedure Code Sequence (0008,1032): a hospital's own or a standard code for the exam. */
	public record ProcedureCode(String codingScheme, String code, String meaning) {}

	public static DicomHeader of(AttributeList list) {
		List<ProcedureCode> procedures = new ArrayList<>();
		Attribute sequence = list.get(TagFromName.ProcedureCodeSequence);
		if (sequence instanceof SequenceAttribute items) {
			for (int i = 0; i < items.getNumberOfItems(); i++) {
				CodedSequenceItem item = new CodedSequenceItem(items.getItem(i).getAttributeList());
				String code = trim(item.getCodeValue());
				if (!code.isEmpty()) {
					procedures.add(new ProcedureCode(trim(item.getCodingSchemeDesignator()), code, trim(item.getCodeMeaning())));
				}
			}
		}
		return new DicomHeader(
				value(list, TagFromName.SOPClassUID),
				value(list, TagFromName.SOPInstanceUID),
				value(list, TagFromName.StudyInstanceUID),
				value(list, TagFromName.SeriesInstanceUID),
				value(list, TagFromName.PatientID),
				value(list, TagFromName.IssuerOfPatientID),
				value(list, TagFromName.PatientName),
				value(list, TagFromName.PatientBirthDate),
				value(list, TagFromName.PatientSex),
				value(list, TagFromName.StudyDate),
				value(list, TagFromName.StudyTime),
				value(list, TagFromName.AccessionNumber),
				value(list, TagFromName.StudyID),
				value(list, TagFromName.StudyDescription),
				value(list, TagFromName.ReferringPhysicianName),
				value(list, TagFromName.Modality),
				value(list, TagFromName.SeriesNumber),
				value(list, TagFromName.SeriesDescription),
				value(list, TagFromName.SeriesDate),
				value(list, TagFromName.SeriesTime),
				value(list, TagFromName.BodyPartExamined),
				value(list, TagFromName.InstanceNumber),
				value(list, TagFromName.InstitutionName),
				Attribute.getDelimitedStringValuesOrEmptyString(list, TagFromName.SpecificCharacterSet).trim(),
				List.copyOf(procedures));
	}

	/** The UIDs an instance cannot be stored without; the first one missing, or empty when all are there. */
	public List<String> missingIdentifiers() {
		List<String> missing = new ArrayList<>();
		if (sopClassUid.isEmpty()) missing.add("SOPClassUID (0008,0016)");
		if (sopInstanceUid.isEmpty()) missing.add("SOPInstanceUID (0008,0018)");
		if (studyInstanceUid.isEmpty()) missing.add("StudyInstanceUID (0020,000D)");
		if (seriesInstanceUid.isEmpty()) missing.add("SeriesInstanceUID (0020,000E)");
		if (patientId.isEmpty()) missing.add("PatientID (0010,0020)");
		return missing;
	}

	private static String value(AttributeList list, com.pixelmed.dicom.AttributeTag tag) {
		return trim(Attribute.getSingleStringValueOrEmptyString(list, tag));
	}

	private static String trim(String s) {
		return s == null ? "" : s.trim();
	}
}
