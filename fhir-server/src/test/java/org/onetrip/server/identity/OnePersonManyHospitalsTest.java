package org.onetrip.server.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.onetrip.dicom.DimseListener;
import org.onetrip.server.CdsHookRequests;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.ServerTest;
import org.onetrip.server.TestTokens;
import org.onetrip.server.dicom.TestInstances;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * One person, many hospital records, as hospitals and PACS actually send them: each hospital keeps its own Patient,
 * the region links them, and every "who is this person" question (PIXm, CDS, C-FIND, $person) answers with all of them.
 */
class OnePersonManyHospitalsTest extends ServerTest {

	static final String CITIZEN = "urn:onetrip:citizen-id";
	static final String CARD = "urn:onetrip:health-card";
	static final String MRN_A = "urn:onetrip:mrn:hospital-a";
	static final String MRN_B = "urn:onetrip:mrn:hospital-b";
	static final ObjectMapper JSON = new ObjectMapper();

	@Autowired
	DimseListener listener;

	FhirHttp hospitalA;
	FhirHttp hospitalB;

	@BeforeEach
	void hospitals() {
		hospitalA = fhir.as(TestTokens.hospital("hospital-a", "user/*.cruds"));
		hospitalB = fhir.as(TestTokens.hospital("hospital-b", "user/*.cruds"));
	}

	private static Patient registration(String citizenId, String mrnSystem, String mrn) {
		Patient p = new Patient();
		if (citizenId != null) {
			p.addIdentifier().setSystem(CITIZEN).setValue(citizenId);
		}
		p.addIdentifier().setSystem(mrnSystem).setValue(mrn);
		p.addName().setFamily("Xu").addGiven("Jinju");
		return p;
	}

	private static String id(FhirHttp.Response created) {
		return created.as(Patient.class).getIdElement().getIdPart();
	}

	private FhirHttp.Response register(FhirHttp hospital, Patient patient, String citizenId) {
		return hospital.post("/Patient", hospital.json(patient), Map.of("If-None-Exist", "identifier=" + CITIZEN + "|" + citizenId));
	}

	/** Hospital B's PACS sends a CT chest taken five days ago, PatientID = B's MRN, as PACS do. */
	private String ctChestFromHospitalBsPacs(String mrnB) throws Exception {
		TestInstances.Study study = TestInstances.Study.ct(mrnB)
				.withDate(LocalDate.now().minusDays(5).format(DateTimeFormatter.BASIC_ISO_DATE));
		List<Path> files = TestInstances.study(study, 1, 1);
		List<String> command = new ArrayList<>(List.of("storescu", "-aet", "HOSP_B", "-aec", "ONETRIP", "127.0.0.1",
				Integer.toString(listener.port())));
		files.forEach(f -> command.add(f.toString()));
		Process storescu = new ProcessBuilder(command).redirectErrorStream(true).start();
		String output = new String(storescu.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(storescu.waitFor(60, TimeUnit.SECONDS)).isTrue();
		assertThat(storescu.exitValue()).as(output).isZero();
		TestInstances.awaitImagingStudy(fhir, study.studyUid(), 1);
		return study.studyUid();
	}

	/** Hospital A's doctor orders a CT chest for A's own Patient (no prefetch: OneTrip reads who the person is). */
	private JsonNode orderCtChestAtHospitalA(String patientAtA) throws Exception {
		String request = CdsHookRequests.orderSignCtChestAtHospitalA(patientAtA);
		FhirHttp.Response response = hospitalA.post("http://127.0.0.1:" + port + "/cds-services/onetrip-duplicate-exam-sign", request,
				Map.of("Content-Type", "application/json"));
		assertThat(response.status()).as(response.toString()).isEqualTo(200);
		return JSON.readTree(response.body()).get("cards");
	}

	private static boolean warns(JsonNode cards) {
		for (JsonNode card : cards) {
			if ("warning".equals(card.get("indicator").asText()) && card.get("summary").asText().contains("CT Chest")) {
				return true;
			}
		}
		return false;
	}

	private List<String> personOf(String patientId) {
		Parameters person = fhir.get("/Patient/" + patientId + "/$person").as(Parameters.class);
		return person.getParameter().stream().filter(p -> "record".equals(p.getName()))
				.map(p -> ((Reference) p.getPart().get(0).getValue()).getReference()).toList();
	}

	private FhirHttp.Response operator(String operation, String patient, String other, String reason) {
		Parameters in = new Parameters();
		in.addParameter().setName("patient").setValue(new Reference("Patient/" + patient));
		if (other != null) {
			in.addParameter().setName("other").setValue(new Reference("Patient/" + other));
		}
		in.addParameter().setName("reason").setValue(new StringType(reason));
		return fhir.post("/Patient/" + operation, in);
	}

	@Test
	void hospitalBsRecordIsKeptAndLinkedAndItsPacsStudyWarnsTheDoctorAtHospitalA() throws Exception {
		String citizenId = unique("9901");
		String mrnA = unique("A");
		String mrnB = unique("B");
		FhirHttp.Response atA = register(hospitalA, registration(citizenId, MRN_A, mrnA), citizenId);
		assertThat(atA.status()).isEqualTo(201);

		FhirHttp.Response atB = register(hospitalB, registration(citizenId, MRN_B, mrnB), citizenId);
		assertThat(atB.status()).as("B's conditional create finds B's own records only").isEqualTo(201);
		assertThat(id(atB)).isNotEqualTo(id(atA));
		assertThat(register(hospitalB, registration(citizenId, MRN_B, mrnB), citizenId).header("Location"))
				.as("registering again at B returns B's record").contains("/Patient/" + id(atB) + "/");

		Parameters pix = fhir.get("/Patient/$ihe-pix?sourceIdentifier=" + MRN_A + "|" + mrnA).as(Parameters.class);
		assertThat(pix.getParameter()).filteredOn(p -> "targetIdentifier".equals(p.getName()))
				.extracting(p -> ((org.hl7.fhir.r4.model.Identifier) p.getValue()).getValue()).contains(mrnB, citizenId);
		assertThat(pix.getParameter()).filteredOn(p -> "targetId".equals(p.getName()))
				.extracting(p -> ((Reference) p.getValue()).getReference())
				.containsExactlyInAnyOrder("Patient/" + id(atA), "Patient/" + id(atB));

		String studyUid = ctChestFromHospitalBsPacs(mrnB);
		ImagingStudy study = fhir.get("/ImagingStudy/" + studyUid).as(ImagingStudy.class);
		assertThat(study.getSubject().getReference()).as("the study lands on B's record").isEqualTo("Patient/" + id(atB));

		assertThat(fhir.get("/Patient/" + id(atA) + "/$prior-exams").body()).contains(studyUid);
		JsonNode cards = orderCtChestAtHospitalA(id(atA));
		assertThat(warns(cards)).as(cards.toString()).isTrue();
		assertThat(cards.toString()).contains(studyUid);
	}

	@Test
	void aHospitalsTransactionWithAConditionalRegistrationFindsItsOwnRecordNeverAnotherHospitals() {
		String citizenId = unique("9913");
		String atA = id(register(hospitalA, registration(citizenId, MRN_A, unique("A")), citizenId));
		org.hl7.fhir.r4.model.Bundle transaction = new org.hl7.fhir.r4.model.Bundle().setType(org.hl7.fhir.r4.model.Bundle.BundleType.TRANSACTION);
		transaction.addEntry().setFullUrl("urn:uuid:" + UUID.randomUUID()).setResource(registration(citizenId, MRN_B, unique("B")))
				.getRequest().setMethod(org.hl7.fhir.r4.model.Bundle.HTTPVerb.POST).setUrl("Patient")
				.setIfNoneExist("identifier=" + CITIZEN + "|" + citizenId);

		org.hl7.fhir.r4.model.Bundle first = hospitalB.post("/", transaction).bundle();
		org.hl7.fhir.r4.model.Bundle again = hospitalB.post("/", transaction).bundle();

		assertThat(first.getEntryFirstRep().getResponse().getStatus()).startsWith("201");
		String atB = new org.hl7.fhir.r4.model.IdType(first.getEntryFirstRep().getResponse().getLocation()).getIdPart();
		assertThat(atB).isNotEqualTo(atA);
		assertThat(again.getEntryFirstRep().getResponse().getStatus()).as("B's own record found again").startsWith("200");
		assertThat(again.getEntryFirstRep().getResponse().getLocation()).contains("Patient/" + atB);
		assertThat(personOf(atA)).containsExactlyInAnyOrder("Patient/" + atA, "Patient/" + atB);
	}

	@Test
	void aStudyArrivingBeforeTheRegistrationJoinsThePersonWhenTheRegistrationArrives() throws Exception {
		String citizenId = unique("9902");
		String mrnB = unique("B");
		String studyUid = ctChestFromHospitalBsPacs(mrnB);
		String fromDicom = fhir.get("/ImagingStudy/" + studyUid).as(ImagingStudy.class).getSubject().getReferenceElement().getIdPart();
		String atA = id(register(hospitalA, registration(citizenId, MRN_A, unique("A")), citizenId));
		assertThat(orderCtChestAtHospitalA(atA)).as("nothing links the PACS record to the person yet")
				.noneMatch(c -> "warning".equals(c.get("indicator").asText()));

		FhirHttp.Response atB = register(hospitalB, registration(citizenId, MRN_B, mrnB), citizenId);

		assertThat(atB.status()).as(atB.toString()).isEqualTo(201);
		assertThat(personOf(atA)).containsExactlyInAnyOrder("Patient/" + atA, "Patient/" + id(atB), "Patient/" + fromDicom);
		assertThat(warns(orderCtChestAtHospitalA(atA))).isTrue();
	}

	@Test
	void namesAndBirthDatesAloneMakeAPossibleMatchThatLinksOnlyWhenAnOperatorConfirmsIt() throws Exception {
		String phone = "138" + (10_000_000 + new java.util.Random().nextInt(89_999_999));
		String family = unique("Lin");
		Patient atA = registration(null, MRN_A, unique("A"));
		atA.getNameFirstRep().setFamily(family);
		atA.setBirthDateElement(new DateType("1961-03-04")).setGender(AdministrativeGender.FEMALE);
		atA.addTelecom().setSystem(ContactPoint.ContactPointSystem.PHONE).setValue(phone);
		String idA = id(hospitalA.post("/Patient", atA));
		Patient atB = registration(null, MRN_B, unique("B"));
		atB.getNameFirstRep().setFamily(family.toUpperCase());
		atB.setBirthDateElement(new DateType("1961-03-04")).setGender(AdministrativeGender.FEMALE);
		String idB = id(hospitalB.post("/Patient", atB));

		assertThat(personOf(idA)).containsExactly("Patient/" + idA);
		Parameters work = fhir.get("/Patient/$person-matches?status=possible&_count=1000").as(Parameters.class);
		assertThat(work.getParameter()).as("the operators' work list has the pair").anySatisfy(m -> assertThat(
				m.getPart().stream().filter(p -> p.getValue() instanceof Reference).map(p -> ((Reference) p.getValue()).getReference()).toList())
				.containsExactlyInAnyOrder("Patient/" + idA, "Patient/" + idB));

		FhirHttp.Response byHospital = hospitalA.post("/Patient/$person-link", operatorBody(idA, idB), Map.of("Content-Type", "application/fhir+json"));
		assertThat(byHospital.status()).isEqualTo(403);
		assertThat(personOf(idA)).containsExactly("Patient/" + idA);

		assertThat(operator("$person-link", idA, idB, "same phone at the desk, confirmed by caller").status()).isEqualTo(200);
		assertThat(personOf(idA)).containsExactlyInAnyOrder("Patient/" + idA, "Patient/" + idB);
		assertThat(fhir.get("/Patient/$person-matches?status=match&_count=1000").body()).contains(idA).contains(idB);
	}

	private String operatorBody(String patient, String other) {
		Parameters in = new Parameters();
		in.addParameter().setName("patient").setValue(new Reference("Patient/" + patient));
		in.addParameter().setName("other").setValue(new Reference("Patient/" + other));
		return fhir.json(in);
	}

	@Test
	void anUnlinkTakesEffectAtOnceAndTheSharedCitizenIdDoesNotLinkThemAgain() throws Exception {
		String citizenId = unique("9903");
		String mrnB = unique("B");
		String atA = id(register(hospitalA, registration(citizenId, MRN_A, unique("A")), citizenId));
		String atB = id(register(hospitalB, registration(citizenId, MRN_B, mrnB), citizenId));
		ctChestFromHospitalBsPacs(mrnB);
		assertThat(warns(orderCtChestAtHospitalA(atA))).isTrue();

		FhirHttp.Response unlinked = operator("$person-unlink", atB, null, "B registered the wrong person under this citizen ID");

		assertThat(unlinked.status()).as(unlinked.toString()).isEqualTo(200);
		assertThat(warns(orderCtChestAtHospitalA(atA))).as("the next CDS call no longer sees B's exams").isFalse();
		assertThat(personOf(atA)).containsExactly("Patient/" + atA);
		Patient again = hospitalB.get("/Patient/" + atB).as(Patient.class);
		again.addTelecom().setSystem(ContactPoint.ContactPointSystem.PHONE).setValue("13800000000");
		assertThat(hospitalB.put("/Patient/" + atB, again).status()).isEqualTo(200);
		assertThat(personOf(atA)).as("an operator's no-match holds against the shared identifier").containsExactly("Patient/" + atA);
		String history = fhir.get("/Patient/" + atB + "/$person").body();
		assertThat(history).contains("unlink").contains("B registered the wrong person");
		assertThat(fhir.get("/AuditEvent?entity=Patient/" + atB + "&_count=50").body()).contains("person-unlink");
	}

	@org.springframework.beans.factory.annotation.Autowired
	PersonLinker linker;

	@org.springframework.beans.factory.annotation.Autowired
	org.springframework.transaction.PlatformTransactionManager transactions;

	@Test
	void anUpdateOfTheRecordWhileAnOperatorUnlinksItDoesNotUndoTheUnlink() throws Exception {
		String citizenId = unique("9906");
		String atA = id(register(hospitalA, registration(citizenId, MRN_A, unique("A")), citizenId));
		String atB = id(register(hospitalB, registration(citizenId, MRN_B, unique("B")), citizenId));
		assertThat(personOf(atA)).containsExactlyInAnyOrder("Patient/" + atA, "Patient/" + atB);
		java.util.concurrent.CountDownLatch unlinked = new java.util.concurrent.CountDownLatch(1);

		// The operator's unlink, its transaction still open while hospital B updates the record's phone number.
		java.util.concurrent.CompletableFuture<Void> operator = java.util.concurrent.CompletableFuture.runAsync(() ->
				new org.springframework.transaction.support.TransactionTemplate(transactions).executeWithoutResult(tx -> {
					linker.operatorUnlink(atB, null, "B registered the wrong person under this citizen ID");
					unlinked.countDown();
					try {
						Thread.sleep(1000);
					} catch (InterruptedException e) {
						Thread.currentThread().interrupt();
					}
				}));
		assertThat(unlinked.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
		Patient again = hospitalB.get("/Patient/" + atB).as(Patient.class);
		again.addTelecom().setSystem(ContactPoint.ContactPointSystem.PHONE).setValue("13900000000");
		assertThat(hospitalB.put("/Patient/" + atB, again).status()).isEqualTo(200);
		operator.get(30, java.util.concurrent.TimeUnit.SECONDS);

		assertThat(personOf(atA)).as("the unlink stands").containsExactly("Patient/" + atA);
		assertThat(personOf(atB)).containsExactly("Patient/" + atB);
	}

	@Test
	void twoCitizenIdsOnOneRecordAreRefusedAndNothingIsStored() {
		String family = unique("Twice");
		Patient p = registration(unique("9904"), MRN_A, unique("A"));
		p.addIdentifier().setSystem(CITIZEN).setValue(unique("9905"));
		p.getNameFirstRep().setFamily(family);

		FhirHttp.Response refused = hospitalA.post("/Patient", p);

		assertThat(refused.status()).isEqualTo(422);
		assertThat(refused.outcome().getIssueFirstRep().getDiagnostics()).contains("two different citizen IDs").doesNotContain("HAPI-");
		assertThat(fhir.get("/Patient?family=" + family).bundle().getEntry()).isEmpty();
	}

	@Test
	void aHealthCardBoundToAnotherPersonIsRefused() {
		String card = unique("HC");
		Patient first = registration(unique("9906"), MRN_A, unique("A"));
		first.addIdentifier().setSystem(CARD).setValue(card);
		assertThat(hospitalA.post("/Patient", first).status()).isEqualTo(201);
		Patient someoneElse = registration(unique("9907"), MRN_B, unique("B"));
		someoneElse.addIdentifier().setSystem(CARD).setValue(card);

		FhirHttp.Response refused = hospitalB.post("/Patient", someoneElse);

		assertThat(refused.status()).isEqualTo(409);
		assertThat(refused.outcome().getIssueFirstRep().getDiagnostics()).contains("Health card " + card + " is bound to another person")
				.doesNotContain("HAPI-");
		assertThat(fhir.get("/Patient?identifier=" + CARD + "|" + card).bundle().getEntry()).hasSize(1);
	}

	@Test
	void aSecondRecordOfOneCitizenIdAtTheSameHospitalIsRefusedWithTheRecordToUse() {
		String citizenId = unique("9908");
		String first = id(hospitalA.post("/Patient", registration(citizenId, MRN_A, unique("A"))));

		FhirHttp.Response second = hospitalA.post("/Patient", registration(citizenId, MRN_A, unique("A")));

		assertThat(second.status()).isEqualTo(409);
		assertThat(second.outcome().getIssueFirstRep().getDiagnostics()).contains("Patient/" + first).doesNotContain("HAPI-");
	}

	@Test
	void anOperatorCannotJoinTwoPersonsWithDifferentCitizenIds() {
		String atA = id(hospitalA.post("/Patient", registration(unique("9909"), MRN_A, unique("A"))));
		String atB = id(hospitalB.post("/Patient", registration(unique("9910"), MRN_B, unique("B"))));

		FhirHttp.Response refused = operator("$person-link", atA, atB, "looks alike");

		assertThat(refused.status()).isEqualTo(409);
		assertThat(refused.outcome().getIssueFirstRep().getDiagnostics()).contains("different citizen IDs");
		assertThat(personOf(atA)).containsExactly("Patient/" + atA);
	}

	@Test
	void pdqmMatchOnOneHospitalsMrnAnswersEveryLinkedRecord() {
		String citizenId = unique("9912");
		String mrnB = unique("B");
		String atA = id(register(hospitalA, registration(citizenId, MRN_A, unique("A")), citizenId));
		String atB = id(register(hospitalB, registration(citizenId, MRN_B, mrnB), citizenId));
		Patient wanted = new Patient();
		wanted.addIdentifier().setSystem(MRN_B).setValue(mrnB);
		Parameters in = new Parameters();
		in.addParameter().setName("resource").setResource(wanted);
		in.addParameter().setName("onlyCertainMatches").setValue(new org.hl7.fhir.r4.model.BooleanType(true));

		org.hl7.fhir.r4.model.Bundle matches = fhir.post("/Patient/$match", in).bundle();

		assertThat(matches.getEntry()).extracting(e -> e.getResource().getIdElement().getIdPart()).containsExactlyInAnyOrder(atA, atB);
	}

	@Test
	void cFindByAnyHospitalsPatientIdFindsTheWholePersonsStudies() throws Exception {
		String citizenId = unique("9911");
		String mrnA = unique("A");
		String mrnB = unique("B");
		register(hospitalA, registration(citizenId, MRN_A, mrnA), citizenId);
		register(hospitalB, registration(citizenId, MRN_B, mrnB), citizenId);
		String studyUid = ctChestFromHospitalBsPacs(mrnB);

		String qido = hospitalA.get("http://127.0.0.1:" + port + "/dicomweb/studies?PatientID=" + mrnA, "application/dicom+json").body();

		assertThat(qido).contains(studyUid).contains(mrnA);
	}
}
