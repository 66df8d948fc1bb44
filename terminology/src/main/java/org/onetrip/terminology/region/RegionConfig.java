package org.onetrip.terminology.region;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads {@code config/region.yaml} into a {@link Region}, rejecting anything an operator would
 * regret later: duplicate keys or AE titles, unknown levels, clinicians in departments that do not exist.
 */
public final class RegionConfig {

	/** Keys become FHIR logical ids, so they must fit FHIR's id grammar. */
	private static final Pattern KEY = Pattern.compile("[a-z0-9][a-z0-9-]{0,40}");
	/** DICOM AE titles: up to 16 characters, no backslash or control characters (PS3.5 6.2). */
	private static final Pattern AE_TITLE = Pattern.compile("[\\x20-\\x5B\\x5D-\\x7E]{1,16}");

	private RegionConfig() {}

	public static Region load(Path file) {
		try (InputStream in = Files.newInputStream(file)) {
			return parse(in, file.toString());
		} catch (IOException e) {
			throw new UncheckedIOException("cannot read region config " + file + ": " + e.getMessage(), e);
		}
	}

	public static Region parse(InputStream yaml, String sourceName) throws IOException {
		JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
		if (root == null || !root.isObject()) {
			throw invalid(sourceName, "the file is empty or not a YAML mapping");
		}
		try {
			return build(root);
		} catch (IllegalArgumentException e) {
			throw invalid(sourceName, e.getMessage());
		}
	}

	private static IllegalArgumentException invalid(String sourceName, String reason) {
		return new IllegalArgumentException("region config " + sourceName + " is invalid: " + reason);
	}

	private static Region build(JsonNode root) {
		String regionName = root.path("region").path("name").asText("OneTrip region");
		JsonNode systemsNode = root.path("identifierSystems");
		IdentifierSystems systems = systemsNode.isMissingNode()
				? IdentifierSystems.DEMO
				: new IdentifierSystems(
						text(systemsNode, "citizenId", IdentifierSystems.DEMO.citizenId()),
						text(systemsNode, "healthCard", IdentifierSystems.DEMO.healthCard()),
						text(systemsNode, "mrnSystemPrefix", IdentifierSystems.DEMO.mrnSystemPrefix()),
						text(systemsNode, "organization", IdentifierSystems.DEMO.organization()));

		JsonNode hospitalsNode = root.path("hospitals");
		if (!hospitalsNode.isArray() || hospitalsNode.isEmpty()) {
			throw new IllegalArgumentException("'hospitals' must list at least one hospital");
		}
		List<Hospital> hospitals = new ArrayList<>();
		Set<String> keys = new HashSet<>();
		Set<String> aeTitles = new HashSet<>();
		Set<String> mrnSystems = new HashSet<>();
		for (JsonNode h : hospitalsNode) {
			Hospital hospital = hospital(h, systems);
			if (!keys.add(hospital.key())) {
				throw new IllegalArgumentException("hospital key '" + hospital.key() + "' appears twice");
			}
			if (!mrnSystems.add(hospital.mrnSystem())) {
				throw new IllegalArgumentException("MRN system '" + hospital.mrnSystem() + "' is used by two hospitals");
			}
			for (String ae : hospital.aeTitles()) {
				if (!aeTitles.add(ae.toUpperCase(Locale.ROOT))) {
					throw new IllegalArgumentException("AE title '" + ae + "' is claimed by two hospitals");
				}
			}
			hospitals.add(hospital);
		}
		return new Region(regionName, systems, hospitals);
	}

	private static Hospital hospital(JsonNode h, IdentifierSystems systems) {
		String key = key(h, "hospital");
		String where = "hospital '" + key + "'";
		String name = required(h, "name", where);
		HospitalLevel level = HospitalLevel.fromCode(required(h, "level", where));
		boolean imagingCentre = "imaging-centre".equals(h.path("kind").asText(""));
		String mrnSystem = text(h, "mrnSystem", systems.defaultMrnSystem(key));

		// An AE title alone ("HOSP_A") may call OneTrip; with an address ({aeTitle: HOSP_A, host: 10.1.2.3, port: 104})
		// it can also receive what a C-MOVE sends.
		List<String> aeTitles = new ArrayList<>();
		List<DicomNode> dicomNodes = new ArrayList<>();
		for (JsonNode ae : h.path("aeTitles")) {
			String title = (ae.isObject() ? ae.path("aeTitle").asText("") : ae.asText()).trim();
			if (!AE_TITLE.matcher(title).matches()) {
				throw new IllegalArgumentException(where + ": AE title '" + title + "' is not 1-16 printable characters");
			}
			aeTitles.add(title);
			if (ae.isObject()) {
				String host = ae.path("host").asText("").trim();
				int port = ae.path("port").asInt(-1);
				if (host.isEmpty() || port < 1 || port > 65535) {
					throw new IllegalArgumentException(where + ": AE title '" + title + "' needs a host and a port 1-65535");
				}
				dicomNodes.add(new DicomNode(title, host, port));
			}
		}

		List<Department> departments = new ArrayList<>();
		Set<String> departmentKeys = new HashSet<>();
		for (JsonNode d : h.path("departments")) {
			String dKey = key(d, where + " department");
			if (!departmentKeys.add(dKey)) {
				throw new IllegalArgumentException(where + ": department '" + dKey + "' appears twice");
			}
			departments.add(new Department(
					dKey,
					required(d, "name", where + " department '" + dKey + "'"),
					text(d, "specialty", null),
					text(d, "specialtyDisplay", null)));
		}

		List<Clinician> clinicians = new ArrayList<>();
		Set<String> clinicianKeys = new HashSet<>();
		for (JsonNode p : h.path("practitioners")) {
			String pKey = key(p, where + " practitioner");
			String pWhere = where + " practitioner '" + pKey + "'";
			if (!clinicianKeys.add(pKey)) {
				throw new IllegalArgumentException(where + ": practitioner '" + pKey + "' appears twice");
			}
			String department = required(p, "department", pWhere);
			if (!departmentKeys.contains(department)) {
				throw new IllegalArgumentException(pWhere + " works in department '" + department
						+ "', which " + where + " does not list");
			}
			clinicians.add(new Clinician(pKey, required(p, "family", pWhere), text(p, "given", null), department));
		}
		return new Hospital(
				key, name, level, imagingCentre, text(h, "city", null), mrnSystem, aeTitles, dicomNodes, departments, clinicians);
	}

	private static String key(JsonNode node, String what) {
		String key = node.path("key").asText("");
		if (!KEY.matcher(key).matches()) {
			throw new IllegalArgumentException(what + " key '" + key
					+ "' must be 1-41 lower-case letters, digits or '-', starting with a letter or digit");
		}
		return key;
	}

	private static String required(JsonNode node, String field, String where) {
		String value = node.path(field).asText("").trim();
		if (value.isEmpty()) {
			throw new IllegalArgumentException(where + " has no '" + field + "'");
		}
		return value;
	}

	private static String text(JsonNode node, String field, String fallback) {
		JsonNode value = node.get(field);
		return value == null || value.isNull() || value.asText().isBlank() ? fallback : value.asText().trim();
	}
}
