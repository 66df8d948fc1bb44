package org.onetrip.dicom.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.onetrip.dicom.query.ImagingQuery;
import org.onetrip.dicom.query.QueryKey;
import org.onetrip.dicom.query.QueryLevel;

/** Turns an {@link ImagingQuery} into SQL over the index tables (matching per PS3.4 C.2.2.2). */
final class QuerySql {

	private QuerySql() {}

	static JdbcImagingIndex.SqlQuery build(ImagingQuery query, int limit) {
		return build(query, limit, false);
	}

	/** @param withFiles IMAGE level only: also select the instance's file path (column FILE_PATH) */
	static JdbcImagingIndex.SqlQuery build(ImagingQuery query, int limit, boolean withFiles) {
		QueryLevel level = query.level();
		List<String> where = new ArrayList<>();
		List<Object> parameters = new ArrayList<>();
		for (Map.Entry<QueryKey, String> entry : query.matching().entrySet()) {
			QueryKey key = entry.getKey();
			String value = entry.getValue().trim();
			// Keys below the query level, keys that are only returned, and universal matches do not filter.
			if (key.column() == null || key.level().ordinal() > level.ordinal() || value.isEmpty() || value.equals("*")) {
				continue;
			}
			if (key == QueryKey.PatientID && query.patientRefs() != null) {
				continue;
			}
			where.add(condition(key, value, parameters));
		}
		if (query.patientRefs() != null) {
			List<String> person = new ArrayList<>();
			if (!query.patientRefs().isEmpty()) {
				person.add("s.PATIENT_REF IN (" + placeholders(query.patientRefs().size()) + ")");
				parameters.addAll(query.patientRefs());
			}
			if (query.callerKey() != null) {
				person.add("(s.PATIENT_REF IS NULL AND s.PATIENT_SYSTEM = ? AND s.PATIENT_ID = ?)");
				parameters.add(query.callerKey().system());
				parameters.add(query.callerKey().value());
			}
			where.add(person.isEmpty() ? "1 = 0" : "(" + String.join(" OR ", person) + ")");
		}
		StringBuilder sql = new StringBuilder("SELECT ");
		List<QueryKey> returned = new ArrayList<>();
		switch (level) {
			case PATIENT -> {
				sql.append("s.PATIENT_SYSTEM AS PATIENT_SYSTEM, s.PATIENT_ID AS PatientID, MAX(s.PATIENT_NAME) AS PatientName,"
						+ " MAX(s.BIRTH_DATE) AS PatientBirthDate, MAX(s.SEX) AS PatientSex,"
						+ " COUNT(*) AS NumberOfPatientRelatedStudies FROM OT_DICOM_STUDY s");
				returned.addAll(List.of(QueryKey.PatientID, QueryKey.PatientName, QueryKey.PatientBirthDate,
						QueryKey.PatientSex, QueryKey.NumberOfPatientRelatedStudies));
			}
			case STUDY -> {
				sql.append(studyColumns(returned)).append(" FROM OT_DICOM_STUDY s");
			}
			case SERIES -> {
				sql.append(studyColumns(returned)).append(", ").append(seriesColumns(returned))
						.append(" FROM OT_DICOM_SERIES se JOIN OT_DICOM_STUDY s ON s.STUDY_UID = se.STUDY_UID");
			}
			case IMAGE -> {
				sql.append(studyColumns(returned)).append(", ").append(seriesColumns(returned))
						.append(", i.SOP_UID AS SOPInstanceUID, i.SOP_CLASS_UID AS SOPClassUID,"
								+ " i.INSTANCE_NUMBER AS InstanceNumber, i.TRANSFER_SYNTAX AS AvailableTransferSyntaxUID")
						.append(withFiles ? ", i.FILE_PATH AS FILE_PATH" : "")
						.append(" FROM OT_DICOM_INSTANCE i JOIN OT_DICOM_SERIES se ON se.SERIES_UID = i.SERIES_UID")
						.append(" JOIN OT_DICOM_STUDY s ON s.STUDY_UID = i.STUDY_UID");
				returned.addAll(List.of(QueryKey.SOPInstanceUID, QueryKey.SOPClassUID, QueryKey.InstanceNumber,
						QueryKey.AvailableTransferSyntaxUID));
			}
		}
		if (!where.isEmpty()) {
			sql.append(" WHERE ").append(String.join(" AND ", where));
		}
		sql.append(switch (level) {
			case PATIENT -> " GROUP BY s.PATIENT_SYSTEM, s.PATIENT_ID ORDER BY s.PATIENT_ID";
			case STUDY -> " ORDER BY s.STUDY_DATE DESC, s.STUDY_UID";
			case SERIES -> " ORDER BY s.STUDY_UID, se.SERIES_NUMBER, se.SERIES_UID";
			case IMAGE -> " ORDER BY se.SERIES_UID, i.INSTANCE_NUMBER, i.SOP_UID";
		});
		sql.append(" FETCH FIRST ").append(limit).append(" ROWS ONLY");
		return new JdbcImagingIndex.SqlQuery(sql.toString(), parameters, returned);
	}

	private static String studyColumns(List<QueryKey> returned) {
		returned.addAll(List.of(QueryKey.PatientID, QueryKey.PatientName, QueryKey.PatientBirthDate, QueryKey.PatientSex,
				QueryKey.StudyInstanceUID, QueryKey.StudyDate, QueryKey.StudyTime, QueryKey.AccessionNumber,
				QueryKey.StudyID, QueryKey.StudyDescription, QueryKey.ReferringPhysicianName, QueryKey.ModalitiesInStudy,
				QueryKey.InstitutionName, QueryKey.NumberOfStudyRelatedSeries, QueryKey.NumberOfStudyRelatedInstances));
		return "s.PATIENT_SYSTEM AS PATIENT_SYSTEM, s.PATIENT_ID AS PatientID, s.PATIENT_NAME AS PatientName,"
				+ " s.BIRTH_DATE AS PatientBirthDate, s.SEX AS PatientSex, s.STUDY_UID AS StudyInstanceUID,"
				+ " s.STUDY_DATE AS StudyDate, s.STUDY_TIME AS StudyTime, s.ACCESSION AS AccessionNumber,"
				+ " s.STUDY_ID AS StudyID, s.DESCRIPTION AS StudyDescription, s.REFERRING AS ReferringPhysicianName,"
				+ " s.MODALITIES AS ModalitiesInStudy, s.INSTITUTION AS InstitutionName,"
				+ " s.SERIES_COUNT AS NumberOfStudyRelatedSeries, s.INSTANCE_COUNT AS NumberOfStudyRelatedInstances";
	}

	private static String seriesColumns(List<QueryKey> returned) {
		returned.addAll(List.of(QueryKey.SeriesInstanceUID, QueryKey.Modality, QueryKey.SeriesNumber,
				QueryKey.SeriesDescription, QueryKey.BodyPartExamined, QueryKey.SeriesDate,
				QueryKey.NumberOfSeriesRelatedInstances));
		return "se.SERIES_UID AS SeriesInstanceUID, se.MODALITY AS Modality, se.SERIES_NUMBER AS SeriesNumber,"
				+ " se.DESCRIPTION AS SeriesDescription, se.BODY_PART AS BodyPartExamined, se.SERIES_DATE AS SeriesDate,"
				+ " se.INSTANCE_COUNT AS NumberOfSeriesRelatedInstances";
	}

	private static String condition(QueryKey key, String value, List<Object> parameters) {
		String column = key.column();
		switch (key.match()) {
			case UID_LIST -> {
				String[] uids = value.split("\\\\");
				if (uids.length == 1) {
					parameters.add(uids[0].trim());
					return column + " = ?";
				}
				for (String uid : uids) {
					parameters.add(uid.trim());
				}
				return column + " IN (" + placeholders(uids.length) + ")";
			}
			case RANGE -> {
				int dash = value.indexOf('-');
				if (dash < 0) {
					parameters.add(value);
					return column + " = ?";
				}
				String from = value.substring(0, dash).trim();
				String to = value.substring(dash + 1).trim();
				List<String> bounds = new ArrayList<>();
				if (!from.isEmpty()) {
					parameters.add(from);
					bounds.add(column + " >= ?");
				}
				if (!to.isEmpty()) {
					parameters.add(to);
					// Dates have one precision; a time "to" is inclusive at its own (1200 includes 120059.999).
					bounds.add(key.name().endsWith("Date") ? column + " <= ?"
							: "SUBSTRING(" + column + " FROM 1 FOR " + to.length() + ") <= ?");
				}
				return bounds.isEmpty() ? "1 = 1" : String.join(" AND ", bounds);
			}
			case MODALITY_LIST -> {
				List<String> any = new ArrayList<>();
				for (String modality : value.split("\\\\")) {
					parameters.add("%|" + JdbcImagingIndex.likeEscape(modality.trim()) + "|%");
					any.add(column + " LIKE ? ESCAPE '!'");
				}
				return "(" + String.join(" OR ", any) + ")";
			}
			case NAME -> {
				parameters.add(wildcardToLike(value.toUpperCase(Locale.ROOT)));
				return "UPPER(" + column + ") LIKE ? ESCAPE '!'";
			}
			default -> {
				if (value.indexOf('*') < 0 && value.indexOf('?') < 0) {
					parameters.add(value);
					return column + " = ?";
				}
				parameters.add(wildcardToLike(value));
				return column + " LIKE ? ESCAPE '!'";
			}
		}
	}

	private static String wildcardToLike(String value) {
		return JdbcImagingIndex.likeEscape(value).replace('*', '%').replace('?', '_');
	}

	private static String placeholders(int count) {
		return String.join(", ", java.util.Collections.nCopies(count, "?"));
	}
}
