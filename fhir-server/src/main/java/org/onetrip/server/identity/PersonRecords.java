package org.onetrip.server.identity;

import java.util.Collection;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Patient;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.server.security.Ownership;
import org.onetrip.terminology.region.Hospital;
import org.onetrip.terminology.region.IdentifierSystems;
import org.onetrip.terminology.region.Region;

/** Reads a FHIR Patient as the linker's {@link PersonRecord}, and FHIR identifiers as the ledger's keys. */
public class PersonRecords {

	/** The tag the DICOM gateway puts on a Patient it made from an image header. */
	public static final String SOURCE_SYSTEM = "urn:onetrip:source";
	public static final String FROM_DICOM = "dicom";

	private final Region region;
	private final RegionDirectory directory;
	private final IdentifierSystems systems;

	public PersonRecords(RegionDirectory directory) {
		this.region = directory.region();
		this.directory = directory;
		this.systems = region.identifierSystems();
	}

	public PersonRecord of(Patient patient) {
		Set<String> citizen = new TreeSet<>();
		Set<String> cards = new TreeSet<>();
		Set<String> mrns = new TreeSet<>();
		for (Identifier identifier : patient.getIdentifier()) {
			if (!identifier.hasSystem() || !identifier.hasValue() || identifier.getValue().isBlank()) {
				continue;
			}
			String value = identifier.getValue().trim();
			if (systems.citizenId().equals(identifier.getSystem())) {
				citizen.add(value);
			} else if (systems.healthCard().equals(identifier.getSystem())) {
				cards.add(value);
			} else if (region.hospitalByMrnSystem(identifier.getSystem()).isPresent()) {
				mrns.add(identifier.getSystem() + "|" + value);
			}
		}
		boolean fromDicom = patient.getMeta().getTag().stream()
				.anyMatch(t -> SOURCE_SYSTEM.equals(t.getSystem()) && FROM_DICOM.equals(t.getCode()));
		return new PersonRecord(patient.getIdElement().getIdPart(), hospitalOf(patient), fromDicom, citizen, cards, mrns,
				demographics(patient));
	}

	/** The hospital keeping the record: its creator (owner tag), else what its content says, else the region. */
	public String hospitalOf(Patient patient) {
		return Ownership.tagged(patient)
				.or(() -> directory.hospitalOfPatient(patient).map(Hospital::key))
				.orElse(PersonRecord.REGION);
	}

	/** The ledger keys of these identifiers; identifiers outside the region's person systems have none. */
	public Set<String> keys(Collection<Identifier> identifiers) {
		Set<String> keys = new TreeSet<>();
		for (Identifier identifier : identifiers) {
			if (!identifier.hasSystem() || !identifier.hasValue()) {
				continue;
			}
			String value = identifier.getValue().trim();
			if (systems.citizenId().equals(identifier.getSystem())) {
				keys.add(PersonRecord.citizenKey(value));
			} else if (systems.healthCard().equals(identifier.getSystem())) {
				keys.add(PersonRecord.cardKey(value));
			} else if (region.hospitalByMrnSystem(identifier.getSystem()).isPresent()) {
				keys.add(PersonRecord.mrnKey(identifier.getSystem() + "|" + value));
			}
		}
		return keys;
	}

	static PersonRecord.Demographics demographics(Patient patient) {
		HumanName name = patient.getName().stream().filter(n -> n.getUse() == HumanName.NameUse.OFFICIAL).findFirst()
				.orElse(patient.getNameFirstRep());
		String given = name.getGiven().isEmpty() ? null
				: name.getGiven().stream().map(g -> g.getValue()).filter(v -> v != null && !v.isBlank()).collect(Collectors.joining(" "));
		String birthDate = patient.hasBirthDateElement() ? patient.getBirthDateElement().getValueAsString() : null;
		String phone = patient.getTelecom().stream().filter(t -> t.getSystem() == ContactPoint.ContactPointSystem.PHONE && t.hasValue())
				.map(t -> t.getValue().replaceAll("[^0-9]", "")).filter(p -> p.length() >= 6).findFirst().orElse(null);
		return new PersonRecord.Demographics(normalise(name.getFamily()), normalise(given),
				birthDate != null && birthDate.length() >= 10 ? birthDate.substring(0, 10) : null,
				patient.hasGender() && patient.getGender() != org.hl7.fhir.r4.model.Enumerations.AdministrativeGender.UNKNOWN
						? patient.getGender().toCode() : null,
				phone);
	}

	private static String normalise(String text) {
		if (text == null || text.isBlank()) {
			return null;
		}
		return text.trim().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
	}

	/** The Patient ids a Patient declares as the same person ({@code Patient.link.other} to a Patient). */
	static Set<String> declaredLinks(Patient patient) {
		Set<String> ids = new TreeSet<>();
		if (patient == null) {
			return ids;
		}
		patient.getLink().forEach(l -> {
			var other = l.getOther().getReferenceElement();
			if ("Patient".equals(other.getResourceType()) && other.getIdPart() != null) {
				ids.add(other.getIdPart());
			}
		});
		return ids;
	}
}
