package org.onetrip.terminology.exam;

import java.io.IOException;
import java.io.Reader;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The regional exam catalogue: every exam type the region distinguishes, each with a code in
 * {@link #SYSTEM}. Every hospital's local codes map onto it (see {@link HospitalExamCodes}).
 */
public final class ExamCatalogue {

	/** Catalogue codes are LOINC codes; the catalogue is published as a LOINC fragment. */
	public static final String SYSTEM = "http://loinc.org";

	private static final Set<String> CATEGORIES = Set.of("imaging", "ecg", "lab");
	private static final Set<String> CONTRAST = Set.of("unspecified", "none", "with", "without-and-with");
	private static final Set<String> LATERALITY = Set.of("unspecified", "left", "right", "bilateral");
	private static final List<String> COLUMNS =
			List.of("code", "display", "category", "modality", "bodyregion", "contrast", "laterality");

	private final Map<String, ExamType> byCode;

	public ExamCatalogue(Collection<ExamType> exams) {
		Map<String, ExamType> map = new LinkedHashMap<>();
		for (ExamType exam : exams) {
			if (map.put(exam.code(), exam) != null) {
				throw new IllegalArgumentException("catalogue code " + exam.code() + " appears twice");
			}
		}
		// File order is kept: the published CodeSystem must not change between starts when the file did not.
		this.byCode = java.util.Collections.unmodifiableMap(map);
	}

	/** Reads the catalogue CSV: code, display, category, modality, bodyRegion, contrast, laterality[, lookBackDays]. */
	public static ExamCatalogue read(Reader csv, String sourceName) throws IOException {
		List<ExamType> exams = new java.util.ArrayList<>();
		for (Csv.Row row : Csv.read(csv, sourceName, COLUMNS)) {
			String where = sourceName + " line " + row.line();
			String code = required(row, "code", where);
			exams.add(new ExamType(
					code,
					required(row, "display", where),
					oneOf(row, "category", CATEGORIES, where),
					required(row, "modality", where).toUpperCase(Locale.ROOT),
					required(row, "bodyregion", where).toLowerCase(Locale.ROOT),
					oneOf(row, "contrast", CONTRAST, where),
					oneOf(row, "laterality", LATERALITY, where),
					days(row, "lookbackdays", where)));
		}
		try {
			return new ExamCatalogue(exams);
		} catch (IllegalArgumentException e) {
			throw new IllegalArgumentException(sourceName + ": " + e.getMessage());
		}
	}

	public Optional<ExamType> exam(String code) {
		return code == null ? Optional.empty() : Optional.ofNullable(byCode.get(code.trim()));
	}

	public Collection<ExamType> exams() {
		return byCode.values();
	}

	/**
	 * The catalogue's general exam for a modality and body region (laterality unspecified, contrast
	 * unspecified or none): how a DICOM study that carries no procedure code is typed.
	 */
	public Optional<ExamType> generalExam(String modality, String bodyRegion) {
		if (modality == null || bodyRegion == null) {
			return Optional.empty();
		}
		String m = modality.trim().toUpperCase(Locale.ROOT);
		String r = bodyRegion.trim().toLowerCase(Locale.ROOT);
		return byCode.values().stream()
				.filter(e -> e.modality().equals(m) && e.bodyRegion().equals(r) && e.laterality().equals("unspecified"))
				.filter(e -> e.contrast().equals("unspecified") || e.contrast().equals("none"))
				.min(java.util.Comparator.comparing(e -> e.contrast().equals("unspecified") ? 0 : 1));
	}

	static String required(Csv.Row row, String column, String where) {
		String value = row.get(column);
		if (value.isEmpty()) {
			throw new IllegalArgumentException(where + ": '" + column + "' is empty");
		}
		return value;
	}

	private static String oneOf(Csv.Row row, String column, Set<String> allowed, String where) {
		String value = required(row, column, where).toLowerCase(Locale.ROOT);
		if (!allowed.contains(value)) {
			throw new IllegalArgumentException(where + ": " + column + " '" + value + "' is not one of " + allowed);
		}
		return value;
	}

	private static Optional<Integer> days(Csv.Row row, String column, String where) {
		String value = row.get(column);
		if (value.isEmpty()) {
			return Optional.empty();
		}
		try {
			int days = Integer.parseInt(value);
			if (days < 0) {
				throw new NumberFormatException();
			}
			return Optional.of(days);
		} catch (NumberFormatException e) {
			throw new IllegalArgumentException(where + ": " + column + " '" + value + "' is not a number of days");
		}
	}
}
