package org.onetrip.dicom.query;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The attributes OneTrip matches on and returns, by DICOM keyword: their level, the index column and how a
 * value matches (the matching kinds of PS3.4 C.2.2.2). Keys not listed are returned empty.
 */
public enum QueryKey {
	PatientID(QueryLevel.PATIENT, "s.PATIENT_ID", Match.SINGLE_OR_WILDCARD),
	IssuerOfPatientID(QueryLevel.PATIENT, null, Match.RETURN_ONLY),
	PatientName(QueryLevel.PATIENT, "s.PATIENT_NAME", Match.NAME),
	PatientBirthDate(QueryLevel.PATIENT, "s.BIRTH_DATE", Match.RANGE),
	PatientSex(QueryLevel.PATIENT, "s.SEX", Match.SINGLE_OR_WILDCARD),
	NumberOfPatientRelatedStudies(QueryLevel.PATIENT, null, Match.RETURN_ONLY),
	StudyInstanceUID(QueryLevel.STUDY, "s.STUDY_UID", Match.UID_LIST),
	StudyDate(QueryLevel.STUDY, "s.STUDY_DATE", Match.RANGE),
	StudyTime(QueryLevel.STUDY, "s.STUDY_TIME", Match.RANGE),
	AccessionNumber(QueryLevel.STUDY, "s.ACCESSION", Match.SINGLE_OR_WILDCARD),
	StudyID(QueryLevel.STUDY, "s.STUDY_ID", Match.SINGLE_OR_WILDCARD),
	StudyDescription(QueryLevel.STUDY, "s.DESCRIPTION", Match.SINGLE_OR_WILDCARD),
	ReferringPhysicianName(QueryLevel.STUDY, "s.REFERRING", Match.NAME),
	ModalitiesInStudy(QueryLevel.STUDY, "s.MODALITIES", Match.MODALITY_LIST),
	InstitutionName(QueryLevel.STUDY, "s.INSTITUTION", Match.SINGLE_OR_WILDCARD),
	NumberOfStudyRelatedSeries(QueryLevel.STUDY, null, Match.RETURN_ONLY),
	NumberOfStudyRelatedInstances(QueryLevel.STUDY, null, Match.RETURN_ONLY),
	SeriesInstanceUID(QueryLevel.SERIES, "se.SERIES_UID", Match.UID_LIST),
	Modality(QueryLevel.SERIES, "se.MODALITY", Match.SINGLE_OR_WILDCARD),
	SeriesNumber(QueryLevel.SERIES, "se.SERIES_NUMBER", Match.SINGLE_OR_WILDCARD),
	SeriesDescription(QueryLevel.SERIES, "se.DESCRIPTION", Match.SINGLE_OR_WILDCARD),
	BodyPartExamined(QueryLevel.SERIES, "se.BODY_PART", Match.SINGLE_OR_WILDCARD),
	SeriesDate(QueryLevel.SERIES, "se.SERIES_DATE", Match.RANGE),
	NumberOfSeriesRelatedInstances(QueryLevel.SERIES, null, Match.RETURN_ONLY),
	SOPInstanceUID(QueryLevel.IMAGE, "i.SOP_UID", Match.UID_LIST),
	SOPClassUID(QueryLevel.IMAGE, "i.SOP_CLASS_UID", Match.UID_LIST),
	InstanceNumber(QueryLevel.IMAGE, "i.INSTANCE_NUMBER", Match.SINGLE_OR_WILDCARD),
	AvailableTransferSyntaxUID(QueryLevel.IMAGE, null, Match.RETURN_ONLY);

	public enum Match {
		/** exact, or * and ? wildcards */
		SINGLE_OR_WILDCARD,
		/** like SINGLE_OR_WILDCARD, case-insensitive (person names) */
		NAME,
		/** exact, or a backslash-separated list of UIDs */
		UID_LIST,
		/** a date or time, or a range "from-to", "-to", "from-" */
		RANGE,
		/** any of a backslash-separated list of modalities occurs in the study */
		MODALITY_LIST,
		RETURN_ONLY
	}

	private static final Map<String, QueryKey> BY_KEYWORD =
			Arrays.stream(values()).collect(Collectors.toMap(QueryKey::name, Function.identity()));

	private final QueryLevel level;
	private final String column;
	private final Match match;

	QueryKey(QueryLevel level, String column, Match match) {
		this.level = level;
		this.column = column;
		this.match = match;
	}

	public QueryLevel level() {
		return level;
	}

	public String column() {
		return column;
	}

	public Match match() {
		return match;
	}

	public static Optional<QueryKey> byKeyword(String keyword) {
		return Optional.ofNullable(BY_KEYWORD.get(keyword));
	}
}
