package org.onetrip.server.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.ServerTest;

/** PIXm: one hospital's identifier to the person's identifiers elsewhere. PDQm: who looks like this patient. */
class PatientCrossReferenceTest extends ServerTest {

	static final String CITIZEN = "urn:onetrip:citizen-id";
	static final String CARD = "urn:onetrip:health-card";
	static final String MRN_A = "urn:onetrip:mrn:hospital-a";
	static final String MRN_B = "urn:onetrip:mrn:hospital-b";

	@Test
	void hospitalAsMrnLeadsToThePersonsIdentifiersAndPatientsAtEveryHospital() {
		String mrnA = unique("A");
		String mrnB = unique("B");
		String citizen = unique("3301");
		Patient atA = new Patient();
		atA.addIdentifier().setSystem(CITIZEN).setValue(citizen);
		atA.addIdentifier().setSystem(MRN_A).setValue(mrnA);
		atA.addName().setFamily("Pix");
		String idA = fhir.post("/Patient", atA).as(Patient.class).getIdElement().getIdPart();
		Patient atB = new Patient();
		atB.addIdentifier().setSystem(MRN_B).setValue(mrnB);
		atB.addName().setFamily("Pix");
		atB.addLink().setOther(new Reference("Patient/" + idA)).setType(Patient.LinkType.SEEALSO); // an operator's link
		String idB = fhir.post("/Patient", atB).as(Patient.class).getIdElement().getIdPart();

		FhirHttp.Response all = fhir.get("/Patient/$ihe-pix?sourceIdentifier=" + MRN_A + "|" + mrnA);
		assertThat(all.status()).as(all.toString()).isEqualTo(200);
		Parameters answer = all.as(Parameters.class);
		List<String> identifiers = answer.getParameter().stream().filter(p -> p.getName().equals("targetIdentifier"))
				.map(p -> ((Identifier) p.getValue()).getSystem() + "|" + ((Identifier) p.getValue()).getValue()).toList();
		assertThat(identifiers).containsExactlyInAnyOrder(CITIZEN + "|" + citizen, MRN_B + "|" + mrnB);
		List<String> patients = answer.getParameter().stream().filter(p -> p.getName().equals("targetId"))
				.map(p -> ((Reference) p.getValue()).getReference()).toList();
		assertThat(patients).containsExactlyInAnyOrder("Patient/" + idA, "Patient/" + idB);

		Parameters onlyB = fhir.get("/Patient/$ihe-pix?sourceIdentifier=" + MRN_A + "|" + mrnA + "&targetSystem=" + MRN_B)
				.as(Parameters.class);
		assertThat(onlyB.getParameter().stream().filter(p -> p.getName().equals("targetIdentifier")))
				.extracting(p -> ((Identifier) p.getValue()).getValue()).containsExactly(mrnB);
	}

	@Test
	void onlyTheRegionsOperatorsLinkAndUnlinkPersonsAndBothAreAudited() throws Exception {
		String mrnA = unique("LA");
		String mrnB = unique("LB");
		String idA = fhir.post("/Patient", new Patient().addIdentifier(new Identifier().setSystem(MRN_A).setValue(mrnA)))
				.as(Patient.class).getIdElement().getIdPart();
		FhirHttp hospitalB = fhir.as(org.onetrip.server.TestTokens.hospital("hospital-b", "user/*.cruds"));
		Patient atB = hospitalB.post("/Patient", new Patient().addIdentifier(new Identifier().setSystem(MRN_B).setValue(mrnB)))
				.as(Patient.class);
		String idB = atB.getIdElement().getIdPart();

		atB.addLink().setOther(new Reference("Patient/" + idA)).setType(Patient.LinkType.SEEALSO);
		FhirHttp.Response byHospital = hospitalB.put("/Patient/" + idB, atB);
		assertThat(byHospital.status()).as("a hospital cannot declare its patient someone else's").isEqualTo(403);
		assertThat(byHospital.body()).contains("identity operators");

		assertThat(fhir.put("/Patient/" + idB, atB).status()).as("the region's operator links").isEqualTo(200);
		assertThat(fhir.get("/Patient/$ihe-pix?sourceIdentifier=" + MRN_A + "|" + mrnA).body()).contains(mrnB);

		Patient unlinked = fhir.get("/Patient/" + idB).as(Patient.class);
		unlinked.getLink().clear();
		assertThat(fhir.put("/Patient/" + idB, unlinked).status()).as("and unlinks").isEqualTo(200);
		assertThat(fhir.get("/Patient/$ihe-pix?sourceIdentifier=" + MRN_A + "|" + mrnA).body()).doesNotContain(mrnB);
		long deadline = System.currentTimeMillis() + 15_000;
		int audits = 0;
		while (audits < 2 && System.currentTimeMillis() < deadline) {
			audits = fhir.getFresh("/AuditEvent?entity=Patient/" + idB + "&action=U&outcome=0").bundle().getEntry().size();
			Thread.sleep(200);
		}
		assertThat(audits).as("link and unlink audited").isGreaterThanOrEqualTo(2);
	}

	@Test
	void pixAnswersUnknownsTheWayPixmSays() {
		assertThat(fhir.get("/Patient/$ihe-pix?sourceIdentifier=urn:example:nowhere|1").status()).as("unknown domain").isEqualTo(400);
		assertThat(fhir.get("/Patient/$ihe-pix?sourceIdentifier=" + MRN_A + "|" + unique("none")).status()).as("unknown patient").isEqualTo(404);
		assertThat(fhir.get("/Patient/$ihe-pix?sourceIdentifier=" + MRN_A + "|x&targetSystem=urn:example:nowhere").status())
				.as("unknown target domain").isEqualTo(403);
		assertThat(fhir.get("/Patient/$ihe-pix").status()).isEqualTo(400);
	}

	@Test
	void equalMrnValuesAtTwoHospitalsAreNeverCrossReferenced() {
		String value = unique("SAME");
		Patient a = new Patient().addIdentifier(new Identifier().setSystem(MRN_A).setValue(value));
		Patient b = new Patient().addIdentifier(new Identifier().setSystem(MRN_B).setValue(value));
		fhir.post("/Patient", a);
		fhir.post("/Patient", b);
		Parameters answer = fhir.get("/Patient/$ihe-pix?sourceIdentifier=" + MRN_A + "|" + value).as(Parameters.class);
		assertThat(answer.getParameter().stream().filter(p -> p.getName().equals("targetIdentifier"))).isEmpty();
		assertThat(answer.getParameter().stream().filter(p -> p.getName().equals("targetId"))).hasSize(1);
	}

	@Test
	void matchGradesCandidatesByIdentifierAndDemographics() {
		String family = unique("Match");
		Date born = new org.hl7.fhir.r4.model.DateType("1960-03-14").getValue();
		String citizen = unique("3302");
		Patient known = new Patient();
		known.addIdentifier().setSystem(CITIZEN).setValue(citizen);
		known.addName().setFamily(family).addGiven("Mei");
		known.setBirthDate(born).setGender(Enumerations.AdministrativeGender.FEMALE);
		String knownId = fhir.post("/Patient", known).as(Patient.class).getIdElement().getIdPart();
		Patient otherBirthday = new Patient();
		otherBirthday.addName().setFamily(family).addGiven("Mei");
		otherBirthday.setBirthDate(new org.hl7.fhir.r4.model.DateType("1961-03-14").getValue());
		fhir.post("/Patient", otherBirthday);

		Patient byIdentifier = new Patient().addIdentifier(new Identifier().setSystem(CITIZEN).setValue(citizen));
		Bundle certain = match(byIdentifier, true);
		assertThat(certain.getEntry()).hasSize(1);
		assertThat(certain.getEntryFirstRep().getSearch().getScore().doubleValue()).isEqualTo(1.0);
		assertThat(certain.getEntryFirstRep().getSearch().getExtensionByUrl(PatientCrossReferenceOperations.MATCH_GRADE)
				.getValue().primitiveValue()).isEqualTo("certain");

		Patient byDemographics = new Patient();
		byDemographics.addName().setFamily(family).addGiven("Mei");
		byDemographics.setBirthDate(born).setGender(Enumerations.AdministrativeGender.FEMALE);
		Bundle probable = match(byDemographics, false);
		assertThat(probable.getEntry()).extracting(e -> e.getResource().getIdElement().getIdPart()).containsExactly(knownId);
		assertThat(probable.getEntryFirstRep().getSearch().getExtensionByUrl(PatientCrossReferenceOperations.MATCH_GRADE)
				.getValue().primitiveValue()).isEqualTo("probable");
		assertThat(match(byDemographics, true).getEntry()).as("no certain match on demographics alone").isEmpty();

		FhirHttp.Response nothingToMatch = fhir.post("/Patient/$match", parameters(new Patient().setActive(true), false));
		assertThat(nothingToMatch.status()).isEqualTo(400);
	}

	@Test
	void aPatientsAppCannotLookUpOtherPeople() {
		String mrn = unique("A");
		String family = unique("Other");
		Patient other = new Patient();
		other.addIdentifier().setSystem(MRN_A).setValue(mrn);
		other.addIdentifier().setSystem(CITIZEN).setValue(unique("3303"));
		other.addName().setFamily(family).addGiven("Lan");
		String otherId = fhir.post("/Patient", other).as(Patient.class).getIdElement().getIdPart();
		String meId = fhir.post("/Patient", new Patient().addName(new org.hl7.fhir.r4.model.HumanName().setFamily(unique("Me"))))
				.as(Patient.class).getIdElement().getIdPart();
		FhirHttp me = fhir.as(org.onetrip.server.TestTokens.patient(meId, "patient/*.rs"));

		FhirHttp.Response pix = me.get("/Patient/$ihe-pix?sourceIdentifier=" + MRN_A + "|" + mrn);
		assertThat(pix.status()).isEqualTo(403);
		assertThat(pix.body()).doesNotContain(otherId).contains("other people's records");
		Patient lookingLike = new Patient();
		lookingLike.addName().setFamily(family).addGiven("Lan");
		assertThat(me.post("/Patient/$match", parameters(lookingLike, false)).status()).isEqualTo(403);
		assertThat(me.get("/Patient/$person-matches").status()).isEqualTo(403);

		assertThat(me.get("/Patient/" + meId + "/$person").status()).as("their own person").isEqualTo(200);
		assertThat(me.get("/Patient/" + otherId + "/$person").status()).isEqualTo(403);
		assertThat(fhir.get("/Patient/$ihe-pix?sourceIdentifier=" + MRN_A + "|" + mrn).status()).as("a hospital system's")
				.isEqualTo(200);
	}

	private Bundle match(Patient patient, boolean onlyCertain) {
		FhirHttp.Response response = fhir.post("/Patient/$match", parameters(patient, onlyCertain));
		assertThat(response.status()).as(response.toString()).isEqualTo(200);
		return response.bundle();
	}

	private static Parameters parameters(Patient patient, boolean onlyCertain) {
		Parameters parameters = new Parameters();
		parameters.addParameter().setName("resource").setResource(patient);
		parameters.addParameter().setName("onlyCertainMatches").setValue(new BooleanType(onlyCertain));
		return parameters;
	}
}
