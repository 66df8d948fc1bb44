package org.onetrip.server.dicom;

import ca.uhn.fhir.util.UrlUtil;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Patient;
import org.onetrip.dicom.store.PatientDirectory;
import org.onetrip.dicom.store.PatientKey;
import org.onetrip.server.fhirstore.FhirStore;
import org.onetrip.server.identity.PersonResolver;

/**
 * The gateway's patient register, in the FHIR store. A DICOM PatientID under its issuer's system finds the
 * Patient holding that identifier; an unknown one becomes a new Patient with that one identifier (never merged
 * into anyone by name or birth date: linking people is the identity rule's and the operator's job).
 */
public class FhirPatientDirectory implements PatientDirectory {

	/** Located Patients are remembered: every instance of a study asks for the same one. Bounded by clearing. */
	private static final int CACHE_LIMIT = 200_000;

	private final FhirStore store;
	private final PersonResolver persons;
	private final ConcurrentHashMap<PatientKey, String> located = new ConcurrentHashMap<>();
	/**
	 * PatientIDs no Patient held when last looked up (System.nanoTime), so that the other instances of a new patient's
	 * study do not search again until the sync has made the Patient. Forgetting one is harmless: a study indexed
	 * without its Patient gets it from the sync, which looks again under its lock before making one.
	 */
	private final ConcurrentHashMap<PatientKey, Long> missed = new ConcurrentHashMap<>();
	private static final long MISS_KEPT_NANOS = 10_000_000_000L;

	public FhirPatientDirectory(FhirStore store, PersonResolver persons) {
		this.store = store;
		this.persons = persons;
	}

	@Override
	public Optional<String> existing(PatientKey key) {
		String cached = located.get(key);
		if (cached != null) {
			return Optional.of(cached);
		}
		Long missedAt = missed.get(key);
		if (missedAt != null && System.nanoTime() - missedAt < MISS_KEPT_NANOS) {
			return Optional.empty();
		}
		Identifier identifier = identifier(key);
		// The person ledger answers in one indexed row read for the region's MRN systems; a FHIR search otherwise.
		// A miss here never makes a Patient: the sync looks again under its lock per PatientID before it makes one.
		Optional<String> found = persons.holders(identifier).map(ids -> ids.stream().findFirst())
				.orElseGet(() -> search(key).stream().findFirst());
		if (found.isPresent()) {
			remember(key, found.get());
		} else {
			putBounded(missed, key, System.nanoTime());
		}
		return found;
	}

	/**
	 * The Patients holding these PatientIDs now, from the person ledger or else in one search (not from what this
	 * directory remembers: a miss it remembers may have been made meanwhile); PatientIDs no Patient holds are absent. The first Patient found for a
	 * PatientID held by several, as {@link #existing} takes it.
	 */
	public Map<PatientKey, String> holdersNow(Collection<PatientKey> keys) {
		Map<PatientKey, String> holders = new HashMap<>();
		List<Identifier> searched = new ArrayList<>();
		for (PatientKey key : keys) {
			// The person ledger is written in the transaction that stores a Patient, so for the region's person systems
			// its key row is as current as a search, at an indexed row read instead of a FHIR search (which was a thirtieth
			// of the sync's time on one-image studies; bench/HISTORY.md, 2026-12-03 stop 38).
			Optional<Set<String>> inLedger = persons.holders(identifier(key));
			if (inLedger.isPresent()) {
				inLedger.get().stream().findFirst().ifPresent(id -> holders.put(key, id));
			} else {
				searched.add(identifier(key));
			}
		}
		if (searched.isEmpty()) {
			return holders;
		}
		for (Patient patient : store.patientsWithIdentifiers(searched)) {
			for (Identifier held : patient.getIdentifier()) {
				if (held.hasSystem() && held.hasValue()) {
					PatientKey key = new PatientKey(held.getSystem(), held.getValue());
					if (keys.contains(key)) {
						holders.putIfAbsent(key, patient.getIdElement().getIdPart());
					}
				}
			}
		}
		return holders;
	}

	/** Whether the region keys persons by this PatientID's system (see {@link PersonResolver#keysPersonsBy}). */
	public boolean keyedByRegion(PatientKey key) {
		return persons.keysPersonsBy(identifier(key));
	}

	private static Identifier identifier(PatientKey key) {
		return new Identifier().setSystem(key.system()).setValue(key.value());
	}

	/** The regional Patient's id for this identifier, created from the demographics when no Patient has it. */
	public String locate(PatientKey key, Demographics demographics) {
		String cached = located.get(key);
		if (cached != null) {
			return cached;
		}
		// A conditional create: the Patient that already holds the identifier is returned rather than made twice.
		String id = createOrFindWinner(key, demographics);
		remember(key, id);
		return id;
	}

	/** The Patient holding this identifier, as made or found by someone else (the sync's transaction). */
	public void remember(PatientKey key, String patientId) {
		putBounded(located, key, patientId);
		missed.remove(key);
	}

	private static <V> void putBounded(Map<PatientKey, V> map, PatientKey key, V value) {
		if (map.size() >= CACHE_LIMIT) {
			map.clear();
		}
		map.put(key, value);
	}

	@Override
	public Set<String> samePerson(PatientKey key) {
		Set<String> person = persons.byIdentifiers(List.of(identifier(key)));
		if (!person.isEmpty()) {
			return person;
		}
		// An identifier outside the region's person systems (an unknown issuer): only its own Patients.
		return new LinkedHashSet<>(search(key));
	}

	/** Forgets a located Patient (after a merge or delete, the next instance looks it up again). */
	public void forget(PatientKey key) {
		located.remove(key);
	}

	private List<String> search(PatientKey key) {
		return store.patientsWithIdentifiers(List.of(identifier(key)))
				.stream().map(p -> p.getIdElement().getIdPart()).toList();
	}

	/** Another association may create the same Patient at the same moment; the loser takes the winner's. */
	private String createOrFindWinner(PatientKey key, Demographics demographics) {
		try {
			return create(key, demographics);
		} catch (RuntimeException conflict) {
			List<String> winner = search(key);
			if (winner.isEmpty()) {
				throw conflict;
			}
			return winner.get(0);
		}
	}

	private String create(PatientKey key, Demographics demographics) {
		return store.createPatient(newPatient(key, demographics), ifNoneExist(key));
	}

	/** The condition under which a Patient for this identifier is made: no Patient holds it yet. */
	static String ifNoneExist(PatientKey key) {
		// The value's own comma, bar and backslash are escaped (FHIR token syntax), then the whole is URL-encoded.
		String value = key.value().replace("\\", "\\\\").replace(",", "\\,").replace("|", "\\|");
		return "identifier=" + UrlUtil.escapeUrlParam(key.system() + "|" + value);
	}

	/** A Patient with this one identifier and what the DICOM header says of the person. */
	static Patient newPatient(PatientKey key, Demographics demographics) {
		Patient patient = new Patient();
		patient.addIdentifier().setSystem(key.system()).setValue(key.value());
		HumanName name = name(demographics.dicomName());
		if (name != null) {
			patient.addName(name);
		}
		date(demographics.birthDate()).ifPresent(patient::setBirthDateElement);
		patient.setGender(switch (demographics.sex().trim().toUpperCase()) {
			case "M" -> AdministrativeGender.MALE;
			case "F" -> AdministrativeGender.FEMALE;
			case "O" -> AdministrativeGender.OTHER;
			default -> AdministrativeGender.UNKNOWN;
		});
		patient.getMeta().addTag("urn:onetrip:source", "dicom", "Created from a DICOM header by the gateway");
		return patient;
	}

	/** DICOM PN "Family^Given^Middle^Prefix^Suffix" (first component group) as a FHIR HumanName. */
	static HumanName name(String dicomName) {
		if (dicomName == null || dicomName.isBlank()) {
			return null;
		}
		String[] parts = dicomName.split("=")[0].split("\\^", -1);
		HumanName name = new HumanName().setUse(HumanName.NameUse.OFFICIAL);
		if (parts.length > 0 && !parts[0].isBlank()) name.setFamily(parts[0].trim());
		if (parts.length > 1 && !parts[1].isBlank()) name.addGiven(parts[1].trim());
		if (parts.length > 2 && !parts[2].isBlank()) name.addGiven(parts[2].trim());
		if (parts.length > 3 && !parts[3].isBlank()) name.addPrefix(parts[3].trim());
		if (parts.length > 4 && !parts[4].isBlank()) name.addSuffix(parts[4].trim());
		return name.hasFamily() || name.hasGiven() ? name : null;
	}

	static java.util.Optional<org.hl7.fhir.r4.model.DateType> date(String da) {
		try {
			LocalDate date = LocalDate.parse(da.trim(), DateTimeFormatter.BASIC_ISO_DATE);
			return java.util.Optional.of(new org.hl7.fhir.r4.model.DateType(date.toString()));
		} catch (DateTimeParseException | NullPointerException e) {
			return java.util.Optional.empty();
		}
	}
}
