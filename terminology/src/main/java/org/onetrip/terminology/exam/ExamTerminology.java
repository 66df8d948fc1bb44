package org.onetrip.terminology.exam;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The one place that decides what an exam is and when two exams are "the same type":
 * the catalogue, every hospital's code map, and the look-back rules.
 *
 * <p>Code maps can be replaced while the server runs (a ConceptMap PUT through FHIR); the catalogue
 * and the rules are read at start.
 */
public final class ExamTerminology {

	public static final String CATALOGUE_FILE = "catalogue.csv";
	public static final String RULES_FILE = "rules.yaml";
	public static final String CODE_MAPS_DIR = "code-maps";

	private final ExamCatalogue catalogue;
	private final LookBackRules rules;
	/** By the code system URI of each hospital's local codes. */
	private final Map<String, HospitalExamCodes> codeMapsBySystem = new ConcurrentHashMap<>();

	public ExamTerminology(ExamCatalogue catalogue, LookBackRules rules, Collection<HospitalExamCodes> codeMaps) {
		this.catalogue = Objects.requireNonNull(catalogue);
		this.rules = Objects.requireNonNull(rules);
		codeMaps.forEach(this::replaceCodeMap);
	}

	/**
	 * Reads {@code dir/catalogue.csv}, {@code dir/rules.yaml} and {@code dir/code-maps/<hospital-key>.csv};
	 * a code map for a hospital the region does not know is an error, so is any bad row.
	 */
	public static ExamTerminology load(Path dir, Predicate<String> isHospitalKey) {
		try {
			ExamCatalogue catalogue;
			try (Reader in = Files.newBufferedReader(dir.resolve(CATALOGUE_FILE), StandardCharsets.UTF_8)) {
				catalogue = ExamCatalogue.read(in, dir.resolve(CATALOGUE_FILE).toString());
			}
			LookBackRules rules;
			try (InputStream in = Files.newInputStream(dir.resolve(RULES_FILE))) {
				rules = LookBackRules.read(in, dir.resolve(RULES_FILE).toString(), catalogue);
			}
			List<HospitalExamCodes> maps = new ArrayList<>();
			Path mapsDir = dir.resolve(CODE_MAPS_DIR);
			if (Files.isDirectory(mapsDir)) {
				try (DirectoryStream<Path> files = Files.newDirectoryStream(mapsDir, "*.csv")) {
					for (Path file : files) {
						String hospitalKey = file.getFileName().toString().replaceFirst("\\.csv$", "");
						if (!isHospitalKey.test(hospitalKey)) {
							throw new IllegalArgumentException(file + ": no hospital '" + hospitalKey
									+ "' in the region (the file name must be a hospital key)");
						}
						try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
							maps.add(HospitalExamCodes.read(hospitalKey, in, file.toString(), catalogue));
						}
					}
				}
			}
			return new ExamTerminology(catalogue, rules, maps);
		} catch (IOException e) {
			throw new UncheckedIOException("cannot read the exam terminology in " + dir + ": " + e.getMessage(), e);
		}
	}

	public ExamCatalogue catalogue() {
		return catalogue;
	}

	public LookBackRules rules() {
		return rules;
	}

	public Collection<HospitalExamCodes> codeMaps() {
		return List.copyOf(codeMapsBySystem.values());
	}

	/** Takes effect for the next classification: how a ConceptMap edited through FHIR goes live. */
	public void replaceCodeMap(HospitalExamCodes codes) {
		codeMapsBySystem.put(codes.system(), codes);
	}

	/** A code map deleted through FHIR: that hospital's local codes are unmapped from now on. */
	public void removeCodeMap(String system) {
		codeMapsBySystem.remove(system);
	}

	/** The hospital whose local exam codes live in this system, if any. */
	public Optional<String> hospitalOfLocalSystem(String system) {
		HospitalExamCodes codes = system == null ? null : codeMapsBySystem.get(system);
		if (codes != null) {
			return Optional.of(codes.hospitalKey());
		}
		return system != null && system.startsWith(HospitalExamCodes.SYSTEM_PREFIX)
				? Optional.of(system.substring(HospitalExamCodes.SYSTEM_PREFIX.length()))
				: Optional.empty();
	}

	/**
	 * The exam type of an order or report from its codings. A catalogue code wins over a local one;
	 * a local code is translated through its hospital's code map; a local code the map lacks is
	 * {@link ExamTyping.Unmapped}.
	 */
	public ExamTyping type(List<ExamCode> codes) {
		ExamTyping.Unmapped unmapped = null;
		for (ExamCode code : codes) {
			if (ExamCatalogue.SYSTEM.equals(code.system())) {
				Optional<ExamType> exam = catalogue.exam(code.code());
				if (exam.isPresent()) {
					return new ExamTyping.Typed(exam.get(), Optional.empty());
				}
			}
		}
		for (ExamCode code : codes) {
			HospitalExamCodes map = code.system() == null ? null : codeMapsBySystem.get(code.system());
			if (map != null) {
				Optional<HospitalExamCodes.Entry> entry = map.entry(code.code());
				if (entry.isPresent()) {
					return new ExamTyping.Typed(catalogue.exam(entry.get().catalogueCode()).orElseThrow(), Optional.of(code));
				}
			}
			Optional<String> hospital = hospitalOfLocalSystem(code.system());
			if (hospital.isPresent() && unmapped == null) {
				unmapped = new ExamTyping.Unmapped(hospital.get(), code);
			}
		}
		if (unmapped != null) {
			return unmapped;
		}
		return new ExamTyping.Unknown(codes.isEmpty()
				? "no coding"
				: "no coding in the catalogue (" + ExamCatalogue.SYSTEM + ") or in a hospital's exam code system: " + codes);
	}

	/** DICOM Body Part Examined (PS3.16 CID 4031 terms) whose catalogue region is named differently. */
	private static final Map<String, String> REGION_OF_DICOM_BODY_PART = Map.of(
			"LSPINE", "spine-lumbar", "CSPINE", "spine-cervical", "BRAIN", "head", "SKULL", "head",
			"WHOLEBODY", "whole-body", "ABDOMENPELVIS", "abdomen-pelvis", "THORAX", "chest");
	/** DICOM modalities that the catalogue files under one name: every radiograph is XR. */
	private static final Map<String, String> CATALOGUE_MODALITY = Map.of("CR", "XR", "DX", "XR", "RF", "XR");

	/** A study without a procedure code: typed from its DICOM modality and body part, if the catalogue has that exam. */
	public Optional<ExamType> typeByModalityAndBodyPart(String modality, String bodyPart) {
		if (bodyPart == null || modality == null) {
			return Optional.empty();
		}
		String part = bodyPart.trim().toUpperCase(Locale.ROOT);
		String region = REGION_OF_DICOM_BODY_PART.getOrDefault(part.replaceAll("[ _-]", ""),
				part.toLowerCase(Locale.ROOT).replace(' ', '-').replace('_', '-'));
		String m = modality.trim().toUpperCase(Locale.ROOT);
		return catalogue.generalExam(CATALOGUE_MODALITY.getOrDefault(m, m), region);
	}

	/** The rule "same type": one catalogue concept, one configured group, or one modality's same region. */
	public boolean sameType(ExamType a, ExamType b) {
		if (a.code().equals(b.code())) {
			return true;
		}
		if (a.modality().equals(b.modality())
				&& rules.modalitiesGroupedByRegion().contains(a.modality())
				&& a.bodyRegion().equals(b.bodyRegion())
				&& a.laterality().equals(b.laterality())) {
			return true;
		}
		return rules.explicitGroups().stream()
				.anyMatch(g -> g.codes().contains(a.code()) && g.codes().contains(b.code()));
	}

	/** Every catalogue code of the same type as this exam (itself included): what the index is asked for. */
	public List<String> codesOfSameType(ExamType exam) {
		return catalogue.exams().stream().filter(other -> sameType(exam, other)).map(ExamType::code).toList();
	}

	/** How long ago an exam of this type still makes a new order of it a duplicate. */
	public Duration lookBack(ExamType exam) {
		int days = exam.lookBackDaysOverride()
				.or(() -> Optional.ofNullable(rules.daysByModality().get(exam.modality())))
				.or(() -> Optional.ofNullable(rules.daysByCategory().get(exam.category())))
				.orElse(rules.defaultDays());
		return Duration.ofDays(days);
	}

	/** Emergency orders are informed about a prior exam, never blocked. */
	public boolean isEmergency(String priority) {
		return priority != null && rules.emergencyPriorities().contains(priority.trim().toLowerCase(Locale.ROOT));
	}
}
