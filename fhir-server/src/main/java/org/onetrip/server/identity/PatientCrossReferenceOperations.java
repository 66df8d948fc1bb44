package org.onetrip.server.identity;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.StringParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.UriType;
import org.onetrip.server.identity.PersonResolver;
import org.onetrip.terminology.region.Region;

/**
 * IHE PIXm and PDQm over the region's persons.
 * <ul>
 * <li>{@code Patient/$ihe-pix?sourceIdentifier=system|value[&targetSystem=...]} (ITI-83): the person behind one
 * hospital's identifier, as their identifiers and Patients everywhere else;</li>
 * <li>{@code Patient/$match} (ITI-119): Patients like the given one, each with a score and a match grade.</li>
 * </ul>
 * Who is one person is {@link PersonResolver}'s to say (the person ledger); $match scores candidates and answers each
 * one's linked records with it.
 */
public class PatientCrossReferenceOperations {

	static final String MATCH_GRADE = "http://hl7.org/fhir/StructureDefinition/match-grade";
	private static final int MAX_CANDIDATES = 200;

	private final PersonResolver persons;
	private final Region region;
	private final DaoRegistry daoRegistry;

	public PatientCrossReferenceOperations(PersonResolver persons, Region region, DaoRegistry daoRegistry) {
		this.persons = persons;
		this.region = region;
		this.daoRegistry = daoRegistry;
	}

	@Operation(name = "$ihe-pix", type = Patient.class, idempotent = true)
	public Parameters crossReference(
			@OperationParam(name = "sourceIdentifier", min = 1, max = 1) TokenParam sourceIdentifier,
			@OperationParam(name = "targetSystem") List<UriType> targetSystems,
			RequestDetails request) {
		if (sourceIdentifier == null || sourceIdentifier.getSystem() == null || sourceIdentifier.getSystem().isBlank()
				|| sourceIdentifier.getValue() == null || sourceIdentifier.getValue().isBlank()) {
			throw new InvalidRequestException("$ihe-pix needs sourceIdentifier=<system>|<value>");
		}
		Set<String> known = Set.copyOf(region.personIdentifierSystems());
		if (!known.contains(sourceIdentifier.getSystem())) {
			throw new InvalidRequestException("sourceIdentifier Assigning Authority not found: " + sourceIdentifier.getSystem()
					+ " is not an identifier system of the region");
		}
		List<String> targets = targetSystems == null ? List.of() : targetSystems.stream().map(UriType::getValue).toList();
		for (String target : targets) {
			if (!known.contains(target)) {
				throw new ForbiddenOperationException("targetSystem not found: " + target + " is not an identifier system of the region");
			}
		}
		Set<String> person = persons.byIdentifiers(List.of(new Identifier().setSystem(sourceIdentifier.getSystem())
				.setValue(sourceIdentifier.getValue())));
		if (person.isEmpty()) {
			throw new ResourceNotFoundException("sourceIdentifier Patient Identifier not found: " + sourceIdentifier.getSystem()
					+ "|" + sourceIdentifier.getValue());
		}
		Parameters out = new Parameters();
		Set<String> seen = new java.util.HashSet<>();
		for (String patientId : person) {
			Patient patient = persons.readPatient(patientId).orElse(null);
			if (patient == null) {
				continue;
			}
			for (Identifier identifier : patient.getIdentifier()) {
				boolean wanted = targets.isEmpty() ? known.contains(identifier.getSystem()) : targets.contains(identifier.getSystem());
				boolean source = sourceIdentifier.getSystem().equals(identifier.getSystem())
						&& sourceIdentifier.getValue().equals(identifier.getValue());
				if (wanted && !source && seen.add(identifier.getSystem() + "|" + identifier.getValue())) {
					out.addParameter().setName("targetIdentifier").setValue(new Identifier().setSystem(identifier.getSystem())
							.setValue(identifier.getValue()).setUse(identifier.getUse()));
				}
			}
			out.addParameter().setName("targetId").setValue(new Reference("Patient/" + patientId));
		}
		return out;
	}

	/**
	 * @param onlyCertainMatches only matches graded certain
	 * @param count at most this many (default 10)
	 */
	@Operation(name = "$match", type = Patient.class, idempotent = true)
	public Bundle match(@OperationParam(name = "resource", min = 1, max = 1) Patient wanted,
			@OperationParam(name = "onlyCertainMatches", max = 1) BooleanType onlyCertainMatches,
			@OperationParam(name = "count", max = 1) IntegerType count, RequestDetails request) {
		if (wanted == null) {
			throw new InvalidRequestException("$match needs 'resource': the Patient to match");
		}
		boolean certainOnly = onlyCertainMatches != null && Boolean.TRUE.equals(onlyCertainMatches.getValue());
		int limit = count == null || count.getValue() == null ? 10 : Math.max(1, Math.min(100, count.getValue()));
		if (!wanted.hasIdentifier() && !(wanted.hasName() && (wanted.hasBirthDate() || wanted.hasGender()))) {
			throw new InvalidRequestException("$match needs an identifier, or a name with a birth date or gender, to match on");
		}
		Map<String, Patient> candidates = new LinkedHashMap<>();
		IFhirResourceDao<Patient> patients = daoRegistry.getResourceDao(Patient.class);
		for (Identifier identifier : wanted.getIdentifier()) {
			if (identifier.hasSystem() && identifier.hasValue()) {
				collect(candidates, patients, SearchParameterMap.newSynchronous(Patient.SP_IDENTIFIER,
						new TokenParam(identifier.getSystem(), identifier.getValue())), request);
			}
		}
		String family = wanted.getNameFirstRep().getFamily();
		if (family != null && !family.isBlank()) {
			SearchParameterMap byName = SearchParameterMap.newSynchronous(Patient.SP_FAMILY, new StringParam(family).setExact(false));
			if (wanted.hasBirthDate()) {
				byName.add(Patient.SP_BIRTHDATE, new DateParam(new org.hl7.fhir.r4.model.DateType(wanted.getBirthDate()).getValueAsString()));
			}
			collect(candidates, patients, byName, request);
		}
		List<Scored> scored = new ArrayList<>();
		for (Patient candidate : candidates.values()) {
			Scored match = score(wanted, candidate);
			if (match.score() > 0 && (!certainOnly || "certain".equals(match.grade()))) {
				scored.add(match);
			}
		}
		withLinkedRecords(scored);
		scored.sort(Comparator.comparingDouble(Scored::score).reversed());
		Bundle out = new Bundle().setType(Bundle.BundleType.SEARCHSET);
		for (Scored match : scored.subList(0, Math.min(limit, scored.size()))) {
			Bundle.BundleEntryComponent entry = out.addEntry().setFullUrl("Patient/" + match.patient().getIdElement().getIdPart())
					.setResource(match.patient());
			entry.getSearch().setMode(Bundle.SearchEntryMode.MATCH).setScore(match.score())
					.addExtension(MATCH_GRADE, new CodeType(match.grade()));
		}
		out.setTotal(out.getEntry().size());
		return out;
	}

	/**
	 * The region's persons: every record linked to a match is the same person whatever its own demographics say, so it
	 * is answered too, with the score and grade of the record it is linked to.
	 */
	private void withLinkedRecords(List<Scored> scored) {
		Map<String, Scored> byId = new LinkedHashMap<>();
		scored.forEach(m -> byId.put(m.patient().getIdElement().getIdPart(), m));
		for (Scored match : List.copyOf(scored)) {
			for (String linked : persons.byPatientId(match.patient().getIdElement().getIdPart())) {
				if (!byId.containsKey(linked)) {
					persons.readPatient(linked).ifPresent(p -> {
						Scored same = new Scored(p, match.score(), match.grade());
						byId.put(linked, same);
						scored.add(same);
					});
				}
			}
		}
	}

	private static void collect(Map<String, Patient> into, IFhirResourceDao<Patient> dao, SearchParameterMap search, RequestDetails request) {
		search.setCount(MAX_CANDIDATES);
		dao.searchForResources(search, request).stream().limit(MAX_CANDIDATES).map(Patient.class::cast)
				.forEach(p -> into.putIfAbsent(p.getIdElement().getIdPart(), p));
	}

	record Scored(Patient patient, double score, String grade) {}

	/**
	 * A shared person identifier (citizen ID, health card, a hospital's MRN) is certain; otherwise the demographics
	 * decide: family + given + birth date + gender probable, fewer of them possible. A birth date or gender that
	 * differs rules a candidate out.
	 */
	Scored score(Patient wanted, Patient candidate) {
		Set<String> personSystems = Set.copyOf(region.personIdentifierSystems());
		for (Identifier a : wanted.getIdentifier()) {
			for (Identifier b : candidate.getIdentifier()) {
				if (a.hasSystem() && personSystems.contains(a.getSystem()) && a.getSystem().equals(b.getSystem())
						&& a.getValue() != null && a.getValue().equals(b.getValue())) {
					return new Scored(candidate, 1.0, "certain");
				}
			}
		}
		if (wanted.hasBirthDate() && candidate.hasBirthDate() && !sameDay(wanted, candidate)) {
			return new Scored(candidate, 0, "certainly-not");
		}
		if (wanted.hasGender() && candidate.hasGender() && wanted.getGender() != candidate.getGender()) {
			return new Scored(candidate, 0, "certainly-not");
		}
		double score = 0;
		if (same(wanted.getNameFirstRep().getFamily(), candidate.getNameFirstRep().getFamily())) score += 0.35;
		if (same(wanted.getNameFirstRep().getGivenAsSingleString(), candidate.getNameFirstRep().getGivenAsSingleString())) score += 0.25;
		if (wanted.hasBirthDate() && candidate.hasBirthDate()) score += 0.25;
		if (wanted.hasGender() && candidate.hasGender()) score += 0.05;
		score = Math.round(score * 100) / 100.0;
		return new Scored(candidate, score, score >= 0.85 ? "probable" : "possible");
	}

	private static boolean sameDay(Patient a, Patient b) {
		return new org.hl7.fhir.r4.model.DateType(a.getBirthDate()).getValueAsString()
				.equals(new org.hl7.fhir.r4.model.DateType(b.getBirthDate()).getValueAsString());
	}

	private static boolean same(String a, String b) {
		return a != null && b != null && !a.isBlank() && a.trim().toLowerCase(Locale.ROOT).equals(b.trim().toLowerCase(Locale.ROOT));
	}
}
