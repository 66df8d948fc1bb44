package org.onetrip.terminology.exam;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One hospital's local exam codes and the catalogue concept each maps to. Published as one FHIR
 * ConceptMap per hospital; kept by operators as {@code config/exams/code-maps/<hospital-key>.csv}.
 *
 * @param hospitalKey the hospital that issues these codes
 * @param system the code system URI of the hospital's local codes
 */
public record HospitalExamCodes(String hospitalKey, String system, Map<String, Entry> entries) {

	/** The code system URI a hospital's local exam codes have unless its ConceptMap says otherwise. */
	public static final String SYSTEM_PREFIX = "urn:onetrip:exam-code:";

	/** A local code, its local name, and the catalogue code it means. */
	public record Entry(String localCode, String localDisplay, String catalogueCode) {}

	public HospitalExamCodes {
		// File order is kept, so that the published ConceptMap is the same whenever the file is.
		entries = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(entries));
	}

	public static String defaultSystem(String hospitalKey) {
		return SYSTEM_PREFIX + hospitalKey;
	}

	public Optional<Entry> entry(String localCode) {
		return localCode == null ? Optional.empty() : Optional.ofNullable(entries.get(localCode.trim()));
	}

	/**
	 * Reads a code-map CSV (local_code, local_display, catalogue_code). Every catalogue code must exist
	 * in the catalogue: a map pointing at nothing would silently disable the duplicate check.
	 */
	public static HospitalExamCodes read(
			String hospitalKey, Reader csv, String sourceName, ExamCatalogue catalogue) throws IOException {
		Map<String, Entry> entries = new LinkedHashMap<>();
		List<String> problems = new ArrayList<>();
		for (Csv.Row row : Csv.read(csv, sourceName, List.of("local_code", "catalogue_code"))) {
			String where = sourceName + " line " + row.line();
			String local = ExamCatalogue.required(row, "local_code", where);
			String target = ExamCatalogue.required(row, "catalogue_code", where);
			if (catalogue.exam(target).isEmpty()) {
				problems.add(where + ": catalogue code '" + target + "' is not in the catalogue");
				continue;
			}
			if (entries.put(local, new Entry(local, row.get("local_display"), target)) != null) {
				problems.add(where + ": local code '" + local + "' appears twice");
			}
		}
		if (!problems.isEmpty()) {
			throw new IllegalArgumentException(String.join("; ", problems));
		}
		return new HospitalExamCodes(hospitalKey, defaultSystem(hospitalKey), entries);
	}
}
