package org.onetrip.terminology.exam;

import java.util.Optional;

/**
 * One concept of the regional exam catalogue, in the style of the LOINC/RSNA Radiology Playbook:
 * what is examined (body region, laterality), how (modality, contrast).
 *
 * @param code the catalogue code (a LOINC code in the demo catalogue)
 * @param category imaging, ecg or lab
 * @param modality DICOM modality (CT, MR, XR, US, MG, NM, PT, DXA) or ECG / LAB
 * @param bodyRegion lower-case region name (chest, head, abdomen-pelvis, ...)
 * @param contrast unspecified, none, with, without-and-with
 * @param laterality unspecified, left, right, bilateral
 * @param lookBackDaysOverride this exam's own look-back window, when it differs from its modality's
 */
public record ExamType(
		String code,
		String display,
		String category,
		String modality,
		String bodyRegion,
		String contrast,
		String laterality,
		Optional<Integer> lookBackDaysOverride) {

	public ExamType {
		lookBackDaysOverride = lookBackDaysOverride == null ? Optional.empty() : lookBackDaysOverride;
	}
}
