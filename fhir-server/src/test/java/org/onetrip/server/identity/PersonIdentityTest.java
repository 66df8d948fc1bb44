package org.onetrip.server.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.onetrip.server.FhirHttp.Response;
import org.onetrip.server.RegistrationRace;
import org.onetrip.server.ServerTest;

/**
 * Identifiers and one keeper's records: every identifier carries its issuer; one keeper (here the region itself, with a
 * region token) keeps one record per citizen ID. Records of several hospitals are {@link OnePersonManyHospitalsTest}.
 */
class PersonIdentityTest extends ServerTest {

	static final String CITIZEN = "urn:onetrip:citizen-id";
	static final String CARD = "urn:onetrip:health-card";
	static final String MRN_A = "urn:onetrip:mrn:hospital-a";
	static final String MRN_B = "urn:onetrip:mrn:hospital-b";

	private static Patient person(String citizenId, String family) {
		Patient p = new Patient();
		p.addIdentifier().setSystem(CITIZEN).setValue(citizenId);
		p.addName().setFamily(family);
		return p;
	}

	@Test
	void aPatientIsFoundByCitizenIdHealthCardOrAnyHospitalsMrn() {
		String citizenId = unique("3301");
		Patient p = person(citizenId, "Found");
		p.addIdentifier().setSystem(CARD).setValue(unique("HC"));
		p.addIdentifier().setSystem(MRN_A).setValue(unique("A"));
		p.addIdentifier().setSystem(MRN_B).setValue(unique("B"));
		String id = fhir.post("/Patient", p).as(Patient.class).getIdElement().getIdPart();

		for (var identifier : p.getIdentifier()) {
			var found = fhir.get("/Patient?identifier=" + identifier.getSystem() + "|" + identifier.getValue()).bundle();
			assertThat(found.getEntry()).as(identifier.getSystem()).singleElement()
					.satisfies(e -> assertThat(e.getResource().getIdElement().getIdPart()).isEqualTo(id));
		}
	}

	@Test
	void theSameMrnValueAtTwoHospitalsIsTwoDifferentPeople() {
		String mrn = unique("123");
		Patient atA = new Patient();
		atA.addIdentifier().setSystem(MRN_A).setValue(mrn);
		Patient atB = new Patient();
		atB.addIdentifier().setSystem(MRN_B).setValue(mrn);
		assertThat(fhir.post("/Patient", atA).status()).isEqualTo(201);
		assertThat(fhir.post("/Patient", atB).status()).isEqualTo(201);
		assertThat(fhir.get("/Patient?identifier=" + mrn).bundle().getEntry()).hasSize(2);
	}

	@Test
	void aSecondRecordOfOneCitizenIdByTheSameKeeperIsRefusedWith409() {
		String citizenId = unique("3302");
		assertThat(fhir.post("/Patient", person(citizenId, "First")).status()).isEqualTo(201);
		Response second = fhir.post("/Patient", person(citizenId, "Second"));
		assertThat(second.status()).isEqualTo(409);
		assertThat(second.outcome().getIssueFirstRep().getDiagnostics()).contains("already keeps").contains(citizenId)
				.doesNotContain("HAPI-");
		assertThat(fhir.get("/Patient?identifier=" + CITIZEN + "|" + citizenId).bundle().getEntry()).hasSize(1);
	}

	@Test
	void aConditionalCreateOnTheCitizenIdReturnsTheExistingPatient() {
		String citizenId = unique("3303");
		Map<String, String> ifNoneExist = Map.of("If-None-Exist", "identifier=" + CITIZEN + "|" + citizenId);
		Response first = fhir.post("/Patient", fhir.json(person(citizenId, "Once")), ifNoneExist);
		Response again = fhir.post("/Patient", fhir.json(person(citizenId, "Twice")), ifNoneExist);
		assertThat(first.status()).isEqualTo(201);
		assertThat(again.status()).isEqualTo(200);
		assertThat(again.header("Location")).isEqualTo(first.header("Location"));
	}

	@Test
	void oneKeeperRegisteringThePersonFromManyDesksAtOnceGetsOneRecord() throws Exception {
		String citizenId = unique("3304");
		List<Integer> statuses = RegistrationRace.run(List.of(fhir), citizenId, 8, true);

		assertThat(fhir.get("/Patient?identifier=" + CITIZEN + "|" + citizenId).bundle().getEntry()).hasSize(1);
		assertThat(statuses).as("every caller is told where the one Patient is").allMatch(s -> s == 200 || s == 201);
		assertThat(statuses).filteredOn(s -> s == 201).hasSize(1);
	}

	@Test
	void plainCreatesRacingOnOneCitizenIdLetExactlyOneWin() throws Exception {
		String citizenId = unique("3305");
		List<Integer> statuses = RegistrationRace.run(List.of(fhir), citizenId, 6, false);

		assertThat(statuses).filteredOn(s -> s == 201).hasSize(1);
		assertThat(statuses).filteredOn(s -> s != 201).allMatch(s -> s == 409);
		assertThat(fhir.get("/Patient?identifier=" + CITIZEN + "|" + citizenId).bundle().getEntry()).hasSize(1);
	}
}
