package org.onetrip.server.identity;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The one place that decides who is the same person. Strong evidence links at once: a citizen ID or a health card
 * shared by records of different hospitals, or a hospital's MRN shared with a record the DICOM gateway made from an
 * image header. Weaker evidence (name, birth date, sex, phone) only makes a possible match for an operator.
 * Records are refused when they would make the region contradict itself: two citizen IDs on one record, a second
 * record of the same hospital for one citizen ID or card, a card or MRN that belongs to a person with another
 * citizen ID. Plain Java: the ledger reads the facts, this decides, the linker applies.
 */
public final class PersonLinkRule {

	private PersonLinkRule() {}

	/** An existing record and the person it belongs to now. */
	public record Linked(PersonRecord record, String personId) {}

	public sealed interface Decision permits Join, Refuse {}

	/** Join these persons (none: the record is a person of its own so far); {@code evidence} says why. */
	public record Join(Set<String> persons, String evidence) implements Decision {}

	/** @param status 409 (conflicts with stored records) or 422 (contradicts itself) */
	public record Refuse(int status, String message) implements Decision {}

	/** A possible match for an operator to confirm or reject. */
	public record Possible(String patientId, double score, String evidence) {}

	/**
	 * @param incoming the record being written
	 * @param sharing other records sharing any of its strong keys, with their persons
	 * @param citizenIdsOfPerson every citizen ID on the records of each of those persons
	 * @param membersOfPerson the records of each of those persons
	 * @param notThisPerson records an operator said are not the incoming record's person
	 */
	public static Decision decide(PersonRecord incoming, List<Linked> sharing, Map<String, Set<String>> citizenIdsOfPerson,
			Map<String, Set<String>> membersOfPerson, Set<String> notThisPerson) {
		if (incoming.citizenIds().size() > 1) {
			return new Refuse(422, "Patient carries two different citizen IDs (" + String.join(", ", new TreeSet<>(incoming.citizenIds()))
					+ "): a person has one; correct the record before storing it");
		}
		Optional<String> citizenId = incoming.citizenIds().stream().findFirst();
		Set<String> persons = new LinkedHashSet<>();
		Set<String> evidence = new TreeSet<>();
		for (Linked other : sharing) {
			PersonRecord them = other.record();
			Set<String> sharedCitizen = intersection(incoming.citizenIds(), them.citizenIds());
			Set<String> sharedCards = intersection(incoming.healthCards(), them.healthCards());
			Set<String> sharedMrns = intersection(incoming.mrns(), them.mrns());
			boolean sameKeeper = incoming.hospital().equals(them.hospital());
			if (sameKeeper && !sharedCitizen.isEmpty()) {
				return new Refuse(409, keeper(incoming) + " already keeps Patient/" + them.patientId() + " for citizen ID "
						+ sharedCitizen.iterator().next() + ": update that record, or register with If-None-Exist to get it back");
			}
			if (sameKeeper && !sharedCards.isEmpty()) {
				return new Refuse(409, keeper(incoming) + " already keeps Patient/" + them.patientId() + " for health card "
						+ sharedCards.iterator().next() + ": update that record instead of creating another");
			}
			// An MRN names one record of its hospital; the only second one is the record a PACS study made before the
			// hospital's registration arrived (exactly one of the two from DICOM).
			if (!sharedMrns.isEmpty() && incoming.fromDicom() == them.fromDicom()) {
				return new Refuse(409, "MRN " + sharedMrns.iterator().next() + " already names Patient/" + them.patientId()
						+ ": a hospital's MRN names one record; update that record instead of creating another");
			}
			if (membersOfPerson.getOrDefault(other.personId(), Set.of(them.patientId())).stream().anyMatch(notThisPerson::contains)) {
				continue; // an operator said these are different people: the shared key does not join them again
			}
			Set<String> theirCitizenIds = citizenIdsOfPerson.getOrDefault(other.personId(), them.citizenIds());
			if (citizenId.isPresent() && !theirCitizenIds.isEmpty() && !theirCitizenIds.contains(citizenId.get())) {
				if (!sharedCards.isEmpty()) {
					return new Refuse(409, "Health card " + sharedCards.iterator().next() + " is bound to another person (Patient/"
							+ them.patientId() + ", another citizen ID): check the card number or the citizen ID");
				}
				return new Refuse(409, "MRN " + sharedMrns.iterator().next() + " names Patient/" + them.patientId()
						+ ", whose person has another citizen ID: check the MRN or the citizen ID");
			}
			persons.add(other.personId());
			if (!sharedCitizen.isEmpty()) evidence.add("citizen-id");
			if (!sharedCards.isEmpty()) evidence.add("health-card");
			if (!sharedMrns.isEmpty()) evidence.add("mrn");
		}
		Set<String> joinedCitizenIds = new TreeSet<>(incoming.citizenIds());
		persons.forEach(p -> joinedCitizenIds.addAll(citizenIdsOfPerson.getOrDefault(p, Set.of())));
		if (joinedCitizenIds.size() > 1) {
			return new Refuse(409, "This record would join persons with different citizen IDs (" + String.join(", ", joinedCitizenIds)
					+ "): its identifiers belong to more than one person");
		}
		return new Join(persons, String.join("+", evidence));
	}

	/** Whether an operator may join two persons: never when they carry different citizen IDs. */
	public static Optional<Refuse> refuseJoining(Set<String> citizenIdsOfOne, Set<String> citizenIdsOfOther) {
		Set<String> all = new TreeSet<>(citizenIdsOfOne);
		all.addAll(citizenIdsOfOther);
		if (!citizenIdsOfOne.isEmpty() && !citizenIdsOfOther.isEmpty() && all.size() > 1) {
			return Optional.of(new Refuse(409, "These records belong to persons with different citizen IDs (" + String.join(", ", all)
					+ "): they cannot be one person; correct the citizen ID on the wrong record first"));
		}
		return Optional.empty();
	}

	/**
	 * Weak evidence between two records of different persons: the same birth date and either the same full name or the
	 * same phone number; a different sex or a different citizen ID rules it out. Never a link, only a question.
	 */
	public static Optional<Possible> possibleMatch(PersonRecord incoming, PersonRecord candidate) {
		PersonRecord.Demographics a = incoming.demographics();
		PersonRecord.Demographics b = candidate.demographics();
		if (a.birthDate() == null || !a.birthDate().equals(b.birthDate())) {
			return Optional.empty();
		}
		if (a.gender() != null && b.gender() != null && !a.gender().equals(b.gender())) {
			return Optional.empty();
		}
		if (!incoming.citizenIds().isEmpty() && !candidate.citizenIds().isEmpty()
				&& intersection(incoming.citizenIds(), candidate.citizenIds()).isEmpty()) {
			return Optional.empty();
		}
		boolean family = same(a.family(), b.family());
		boolean given = same(a.given(), b.given());
		boolean phone = same(a.phone(), b.phone());
		if (!(family && given) && !phone) {
			return Optional.empty();
		}
		List<String> why = new ArrayList<>(List.of("birth-date"));
		double score = 0.3;
		if (family) { score += 0.25; why.add("family"); }
		if (given) { score += 0.2; why.add("given"); }
		if (phone) { score += 0.2; why.add("phone"); }
		if (a.gender() != null && a.gender().equals(b.gender())) { score += 0.05; why.add("gender"); }
		return Optional.of(new Possible(candidate.patientId(), Math.round(score * 100) / 100.0, String.join("+", why)));
	}

	private static boolean same(String a, String b) {
		return a != null && a.equals(b);
	}

	private static Set<String> intersection(Set<String> a, Set<String> b) {
		Set<String> both = new TreeSet<>(a);
		both.retainAll(b);
		return both;
	}

	private static String keeper(PersonRecord record) {
		return PersonRecord.REGION.equals(record.hospital()) ? "The region" : "Hospital " + record.hospital();
	}
}
