package org.onetrip.terminology.exam;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * An exam the region already knows a person had: one row of the prior-exam index, built from an
 * ImagingStudy, a DiagnosticReport or a completed ServiceRequest at any hospital.
 *
 * @param source the FHIR resource it comes from ({@code DiagnosticReport/123})
 * @param patientId the regional Patient it belongs to (a person may have several, see PersonResolver)
 * @param examCode the catalogue code of its exam type
 * @param hospitalKey the hospital that performed it, when known
 * @param status the source's FHIR status (final, available, completed, ...)
 * @param reportRef the DiagnosticReport with the result, when known
 * @param imagingStudyRef the ImagingStudy with the images, when known
 * @param orderRef the ServiceRequest the exam fulfilled, when known
 * @param studyInstanceUid the DICOM Study Instance UID, for DICOMweb retrieval
 * @param imagesUrl where a viewer can retrieve the images (DICOMweb study URL), when the source names one
 * @param summary one line a clinician reads first: the report's conclusion or the study description
 */
public record PriorExam(
		String source,
		String patientId,
		String examCode,
		Instant performedAt,
		String hospitalKey,
		String status,
		String reportRef,
		String imagingStudyRef,
		String orderRef,
		String studyInstanceUid,
		String imagesUrl,
		String summary) {

	/** The references that tie this record to the other records of the same exam. */
	List<String> links() {
		return Stream.of(source, reportRef, imagingStudyRef, orderRef).filter(Objects::nonNull).toList();
	}

	/**
	 * One exam often arrives as several records: the study from the PACS, the report from the RIS, the
	 * completed order. Records that reference each other become one exam; the report's status and
	 * summary win, the earliest time is when the exam was done. Most recent exam first.
	 */
	public static List<PriorExam> mergeRecordsOfOneExam(List<PriorExam> records) {
		Map<String, Integer> groupOfLink = new HashMap<>();
		List<List<PriorExam>> groups = new ArrayList<>();
		for (PriorExam record : records) {
			Integer group = record.links().stream().map(groupOfLink::get).filter(Objects::nonNull).findFirst().orElse(null);
			if (group == null) {
				group = groups.size();
				groups.add(new ArrayList<>());
			}
			groups.get(group).add(record);
			for (String link : record.links()) {
				groupOfLink.putIfAbsent(link, group);
			}
		}
		return groups.stream().map(PriorExam::merge)
				.sorted(Comparator.comparing(PriorExam::performedAt).reversed())
				.toList();
	}

	private static PriorExam merge(List<PriorExam> group) {
		if (group.size() == 1) {
			return group.get(0);
		}
		PriorExam report = group.stream().filter(r -> r.source().equals(r.reportRef())).findFirst().orElse(group.get(0));
		return new PriorExam(
				report.source(),
				report.patientId(),
				report.examCode(),
				group.stream().map(PriorExam::performedAt).min(Comparator.naturalOrder()).orElseThrow(),
				first(group, PriorExam::hospitalKey),
				report.status(),
				first(group, PriorExam::reportRef),
				first(group, PriorExam::imagingStudyRef),
				first(group, PriorExam::orderRef),
				first(group, PriorExam::studyInstanceUid),
				first(group, PriorExam::imagesUrl),
				report.summary() != null ? report.summary() : first(group, PriorExam::summary));
	}

	private static String first(List<PriorExam> group, Function<PriorExam, String> field) {
		return group.stream().map(field).filter(Objects::nonNull).findFirst().orElse(null);
	}
}
