package org.onetrip.bench.synthea;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.onetrip.terminology.region.Clinician;
import org.onetrip.terminology.region.Hospital;
import org.onetrip.terminology.region.Region;

/**
 * Moves a Synthea patient into the OneTrip region: the patient gets a citizen ID, a health card and an
 * MRN at the hospital(s) they attend; Synthea's US organisations and practitioners become the region's.
 * Deterministic: the same Synthea patient always lands at the same hospitals with the same numbers.
 *
 * <p>About a quarter of patients attend a second hospital as well, with an MRN there and part of their
 * encounters, so the region has people known under two hospital IDs.
 */
public final class Regionaliser {

	/** City to the first six digits of a resident ID (administrative division code). */
	private static final Map<String, String> AREA_CODES = Map.of("Hangzhou", "330102", "Jiaxing", "330402");
	private static final String DEFAULT_AREA = "330100";
	private static final String SYNTHEA_ORG = "Organization?identifier=https://github.com/synthetichealth/synthea|";
	private static final String SYNTHEA_PRACTITIONER = "Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|";

	private final Region region;
	private final List<Hospital> hospitals;

	public Regionaliser(Region region) {
		this.region = region;
		this.hospitals = region.hospitals();
	}

	/** What a patient became: the citizen ID and the hospitals attended (first = home hospital). */
	public record Placement(String citizenId, String healthCard, List<Hospital> hospitals) {}

	/** Rewrites the transaction bundle in place and returns where the patient was placed. */
	public Placement regionalise(ObjectNode bundle) {
		ArrayNode entries = (ArrayNode) bundle.path("entry");
		ObjectNode patientEntry = null;
		for (JsonNode entry : entries) {
			if ("Patient".equals(entry.path("resource").path("resourceType").asText())) {
				patientEntry = (ObjectNode) entry;
				break;
			}
		}
		if (patientEntry == null) {
			throw new IllegalArgumentException("Synthea bundle without a Patient");
		}
		ObjectNode patient = (ObjectNode) patientEntry.path("resource");
		String syntheaId = syntheaId(patient);
		byte[] hash = sha256(syntheaId);

		List<Hospital> attended = new ArrayList<>();
		attended.add(hospitals.get(Math.floorMod(hash[0], hospitals.size())));
		if (Math.floorMod(hash[1], 4) == 0 && hospitals.size() > 1) {
			attended.add(hospitals.get(Math.floorMod(hash[0] + 1 + Math.floorMod(hash[2], hospitals.size() - 1), hospitals.size())));
		}

		String citizenId = citizenId(attended.get(0), patient.path("birthDate").asText("1970-01-01"), hash);
		String healthCard = "HC" + digits(hash, 4, 12);
		ArrayNode identifiers = patient.putArray("identifier");
		identifiers.addObject().put("system", region.identifierSystems().citizenId()).put("value", citizenId);
		identifiers.addObject().put("system", region.identifierSystems().healthCard()).put("value", healthCard);
		for (Hospital hospital : attended) {
			ObjectNode mrn = identifiers.addObject();
			mrn.putObject("type").putArray("coding").addObject()
					.put("system", "http://terminology.hl7.org/CodeSystem/v2-0203").put("code", "MR");
			mrn.put("system", hospital.mrnSystem()).put("value", mrnAt(hospital, hash));
			mrn.putObject("assigner").put("reference", "Organization/" + hospital.key());
		}
		patient.putObject("managingOrganization").put("reference", "Organization/" + attended.get(0).key());
		// Registering the same person twice must find the first registration, not make a second Patient.
		((ObjectNode) patientEntry.path("request")).put("ifNoneExist",
				"identifier=" + region.identifierSystems().citizenId() + "|" + citizenId);

		rewriteReferences(bundle, attended);
		return new Placement(citizenId, healthCard, List.copyOf(attended));
	}

	private void rewriteReferences(JsonNode node, List<Hospital> attended) {
		if (node.isObject()) {
			ObjectNode object = (ObjectNode) node;
			JsonNode reference = object.get("reference");
			if (reference != null && reference.isTextual()) {
				String rewritten = rewrite(reference.asText(), attended);
				if (rewritten != null) {
					object.put("reference", rewritten);
				}
			}
			object.elements().forEachRemaining(child -> rewriteReferences(child, attended));
		} else if (node.isArray()) {
			node.forEach(child -> rewriteReferences(child, attended));
		}
	}

	private String rewrite(String reference, List<Hospital> attended) {
		if (reference.startsWith(SYNTHEA_ORG)) {
			return "Organization/" + pick(attended, reference).key();
		}
		if (reference.startsWith(SYNTHEA_PRACTITIONER)) {
			Hospital hospital = pick(attended, reference);
			List<Clinician> staff = hospital.clinicians();
			if (staff.isEmpty()) {
				return null;
			}
			Clinician clinician = staff.get(Math.floorMod(sha256(reference)[3], staff.size()));
			return "Practitioner/" + hospital.key() + "-" + clinician.key();
		}
		return null;
	}

	private static Hospital pick(List<Hospital> attended, String key) {
		return attended.get(Math.floorMod(sha256(key)[0], attended.size()));
	}

	private static String syntheaId(ObjectNode patient) {
		for (JsonNode identifier : patient.path("identifier")) {
			if ("https://github.com/synthetichealth/synthea".equals(identifier.path("system").asText())) {
				return identifier.path("value").asText();
			}
		}
		return patient.path("id").asText(patient.toString());
	}

	private String mrnAt(Hospital hospital, byte[] hash) {
		String prefix = hospital.key().substring(0, 1).toUpperCase() + hospital.key().substring(hospital.key().length() - 1).toUpperCase();
		return prefix + digits(hash, 8 + hospitals.indexOf(hospital), 8);
	}

	/** An 18-character resident ID: area, birth date, sequence, ISO 7064 MOD 11-2 check character. */
	static String citizenId(Hospital home, String birthDate, byte[] hash) {
		String area = AREA_CODES.getOrDefault(home.city(), DEFAULT_AREA);
		String body = area + birthDate.replace("-", "").substring(0, 8) + digits(hash, 20, 3);
		int[] weights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
		int sum = 0;
		for (int i = 0; i < 17; i++) {
			sum += (body.charAt(i) - '0') * weights[i];
		}
		return body + "10X98765432".charAt(sum % 11);
	}

	private static String digits(byte[] hash, int offset, int count) {
		StringBuilder sb = new StringBuilder(count);
		for (int i = 0; i < count; i++) {
			sb.append(Math.floorMod(hash[(offset + i) % hash.length], 10));
		}
		return sb.toString();
	}

	static byte[] sha256(String text) {
		try {
			return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}
}
