package org.onetrip.server.dicomweb;

import org.onetrip.dicom.query.QueryKey;
import org.onetrip.dicom.query.QueryLevel;
import org.onetrip.dicom.query.QueryMatch;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/** Where a study, series or instance is retrieved (WADO-RS), under the DICOMweb base the caller reached. */
record RetrieveUrls(String base) {

	static RetrieveUrls ofCurrentRequest() {
		return new RetrieveUrls(ServletUriComponentsBuilder.fromCurrentContextPath().path("/dicomweb").build().toUriString());
	}

	String study(String study) {
		return base + "/studies/" + study;
	}

	String series(String study, String series) {
		return study(study) + "/series/" + series;
	}

	String instance(String study, String series, String instance) {
		return series(study, series) + "/instances/" + instance;
	}

	/** The URL of a QIDO-RS match at its level; null at the patient level, which WADO-RS does not retrieve. */
	String of(QueryLevel level, QueryMatch match) {
		String study = match.get(QueryKey.StudyInstanceUID);
		return switch (level) {
			case PATIENT -> null;
			case STUDY -> study(study);
			case SERIES -> series(study, match.get(QueryKey.SeriesInstanceUID));
			case IMAGE -> instance(study, match.get(QueryKey.SeriesInstanceUID), match.get(QueryKey.SOPInstanceUID));
		};
	}
}
