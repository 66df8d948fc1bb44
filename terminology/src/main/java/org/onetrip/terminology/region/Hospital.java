package org.onetrip.terminology.region;

import java.util.List;
import java.util.Optional;

/**
 * A member institution of the region. {@code key} is also its FHIR logical id
 * ({@code Organization/<key>}) and the suffix of its default MRN system.
 */
public record Hospital(
		String key,
		String name,
		HospitalLevel level,
		boolean imagingCentre,
		String city,
		String mrnSystem,
		List<String> aeTitles,
		List<DicomNode> dicomNodes,
		List<Department> departments,
		List<Clinician> clinicians) {

	public Hospital {
		aeTitles = List.copyOf(aeTitles);
		dicomNodes = List.copyOf(dicomNodes);
		departments = List.copyOf(departments);
		clinicians = List.copyOf(clinicians);
	}

	public Optional<Department> department(String departmentKey) {
		return departments.stream().filter(d -> d.key().equals(departmentKey)).findFirst();
	}
}
