package org.onetrip.server.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.onetrip.server.identity.PersonLinkRule.Join;
import org.onetrip.server.identity.PersonLinkRule.Linked;
import org.onetrip.server.identity.PersonLinkRule.Refuse;
import org.onetrip.server.identity.PersonRecord.Demographics;

/** Who is the same person, decided without a server: records in, a join or a refusal out. */
class PersonLinkRuleTest {

	static final Demographics XU = new Demographics("xu", "jinju", "1990-01-01", "female", "13800000001");

	static PersonRecord record(String id, String hospital, Set<String> citizen, Set<String> cards, Set<String> mrns) {
		return new PersonRecord(id, hospital, false, citizen, cards, mrns, XU);
	}

	static PersonLinkRule.Decision decide(PersonRecord incoming, List<Linked> sharing, Map<String, Set<String>> citizenOfPerson) {
		return PersonLinkRule.decide(incoming, sharing, citizenOfPerson, Map.of(), Set.of());
	}

	@Test
	void aCitizenIdSharedWithAnotherHospitalsRecordJoinsItsPerson() {
		PersonRecord atA = record("a", "hospital-a", Set.of("9901"), Set.of(), Set.of("mrn-a|A1"));
		PersonRecord atB = record("b", "hospital-b", Set.of("9901"), Set.of(), Set.of("mrn-b|B1"));

		var decision = decide(atB, List.of(new Linked(atA, "person-1")), Map.of("person-1", Set.of("9901")));

		assertThat(decision).isEqualTo(new Join(Set.of("person-1"), "citizen-id"));
	}

	@Test
	void aHealthCardAloneJoinsAPersonWithoutACitizenId() {
		PersonRecord atA = record("a", "hospital-a", Set.of(), Set.of("HC1"), Set.of());
		PersonRecord atB = record("b", "hospital-b", Set.of(), Set.of("HC1"), Set.of());

		assertThat(decide(atB, List.of(new Linked(atA, "p")), Map.of())).isEqualTo(new Join(Set.of("p"), "health-card"));
	}

	@Test
	void theSameHospitalsSecondRecordOfACitizenIdIsRefusedNamingTheFirst() {
		PersonRecord first = record("a1", "hospital-a", Set.of("9901"), Set.of(), Set.of());
		PersonRecord second = record("a2", "hospital-a", Set.of("9901"), Set.of(), Set.of());

		var decision = decide(second, List.of(new Linked(first, "p")), Map.of("p", Set.of("9901")));

		assertThat(decision).isInstanceOfSatisfying(Refuse.class, r -> {
			assertThat(r.status()).isEqualTo(409);
			assertThat(r.message()).contains("Patient/a1").contains("9901");
		});
	}

	@Test
	void anMrnSharedWithARecordMadeFromDicomJoinsButTwoHisRecordsOfOneMrnConflict() {
		PersonRecord fromPacs = new PersonRecord("d", "hospital-b", true, Set.of(), Set.of(), Set.of("mrn-b|B1"), Demographics.NONE);
		PersonRecord registration = record("b", "hospital-b", Set.of("9901"), Set.of(), Set.of("mrn-b|B1"));
		PersonRecord otherHis = record("b2", "hospital-b", Set.of(), Set.of(), Set.of("mrn-b|B1"));

		assertThat(decide(registration, List.of(new Linked(fromPacs, "pd")), Map.of())).isEqualTo(new Join(Set.of("pd"), "mrn"));
		assertThat(decide(otherHis, List.of(new Linked(registration, "pb")), Map.of("pb", Set.of("9901"))))
				.isInstanceOfSatisfying(Refuse.class, r -> assertThat(r.message()).contains("MRN mrn-b|B1 already names Patient/b"));
		PersonRecord secondFromPacs = new PersonRecord("d2", "hospital-b", true, Set.of(), Set.of(), Set.of("mrn-b|B1"), Demographics.NONE);
		assertThat(decide(secondFromPacs, List.of(new Linked(fromPacs, "pd")), Map.of()))
				.as("two associations racing on one new PatientID: the loser takes the winner's record").isInstanceOf(Refuse.class);
	}

	@Test
	void aHealthCardOfAPersonWithAnotherCitizenIdIsRefused() {
		PersonRecord holder = record("a", "hospital-a", Set.of("1111"), Set.of("HC1"), Set.of());
		PersonRecord claimant = record("b", "hospital-b", Set.of("2222"), Set.of("HC1"), Set.of());

		assertThat(decide(claimant, List.of(new Linked(holder, "p")), Map.of("p", Set.of("1111"))))
				.isInstanceOfSatisfying(Refuse.class, r -> assertThat(r.message()).contains("Health card HC1 is bound to another person"));
	}

	@Test
	void twoCitizenIdsOnOneRecordAreRefusedAs422() {
		PersonRecord both = record("a", "hospital-a", Set.of("1111", "2222"), Set.of(), Set.of());

		assertThat(decide(both, List.of(), Map.of())).isInstanceOfSatisfying(Refuse.class, r -> assertThat(r.status()).isEqualTo(422));
	}

	@Test
	void aRecordBridgingTwoPersonsWithDifferentCitizenIdsIsRefused() {
		PersonRecord cardHolder = record("a", "hospital-a", Set.of(), Set.of("HC1"), Set.of());
		PersonRecord pacs = new PersonRecord("d", "hospital-b", true, Set.of(), Set.of(), Set.of("mrn-b|B1"), Demographics.NONE);
		PersonRecord bridge = record("b", "hospital-b", Set.of(), Set.of("HC1"), Set.of("mrn-b|B1"));

		var decision = decide(bridge, List.of(new Linked(cardHolder, "p1"), new Linked(pacs, "p2")),
				Map.of("p1", Set.of("1111"), "p2", Set.of("2222")));

		assertThat(decision).isInstanceOfSatisfying(Refuse.class, r -> assertThat(r.message()).contains("different citizen IDs"));
	}

	@Test
	void anOperatorsNoMatchKeepsASharedCitizenIdFromLinkingAgain() {
		PersonRecord atA = record("a", "hospital-a", Set.of("9901"), Set.of(), Set.of());
		PersonRecord atB = record("b", "hospital-b", Set.of("9901"), Set.of(), Set.of());

		var decision = PersonLinkRule.decide(atB, List.of(new Linked(atA, "p")), Map.of("p", Set.of("9901")),
				Map.of("p", Set.of("a")), Set.of("a"));

		assertThat(decision).isEqualTo(new Join(Set.of(), ""));
	}

	@Test
	void sameBirthDateAndFullNameIsOnlyAPossibleMatch() {
		PersonRecord atA = new PersonRecord("a", "hospital-a", false, Set.of(), Set.of(), Set.of(), XU);
		PersonRecord atB = new PersonRecord("b", "hospital-b", false, Set.of(), Set.of(), Set.of(),
				new Demographics("xu", "jinju", "1990-01-01", "female", null));

		assertThat(PersonLinkRule.possibleMatch(atB, atA)).hasValueSatisfying(p -> {
			assertThat(p.patientId()).isEqualTo("a");
			assertThat(p.evidence()).isEqualTo("birth-date+family+given+gender");
			assertThat(p.score()).isEqualTo(0.8);
		});
		assertThat(decide(atB, List.of(), Map.of())).as("no strong key: nothing joins").isEqualTo(new Join(Set.of(), ""));
	}

	@Test
	void aDifferentBirthDateSexOrCitizenIdRulesOutAPossibleMatch() {
		PersonRecord atA = new PersonRecord("a", "hospital-a", false, Set.of("1111"), Set.of(), Set.of(), XU);
		Demographics otherDay = new Demographics("xu", "jinju", "1990-01-02", "female", "13800000001");
		Demographics otherSex = new Demographics("xu", "jinju", "1990-01-01", "male", "13800000001");

		assertThat(PersonLinkRule.possibleMatch(new PersonRecord("b", "h", false, Set.of(), Set.of(), Set.of(), otherDay), atA)).isEmpty();
		assertThat(PersonLinkRule.possibleMatch(new PersonRecord("b", "h", false, Set.of(), Set.of(), Set.of(), otherSex), atA)).isEmpty();
		assertThat(PersonLinkRule.possibleMatch(new PersonRecord("b", "h", false, Set.of("2222"), Set.of(), Set.of(), XU), atA)).isEmpty();
	}

	@Test
	void operatorsCannotJoinDifferentCitizenIdsButMayJoinARecordWithoutOne() {
		assertThat(PersonLinkRule.refuseJoining(Set.of("1111"), Set.of("2222"))).isPresent();
		assertThat(PersonLinkRule.refuseJoining(Set.of("1111"), Set.of())).isEmpty();
		assertThat(PersonLinkRule.refuseJoining(Set.of("1111"), Set.of("1111"))).isEmpty();
	}
}
