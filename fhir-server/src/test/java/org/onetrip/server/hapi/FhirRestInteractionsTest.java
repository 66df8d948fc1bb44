package org.onetrip.server.hapi;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.searchparam.extractor.ISearchParamExtractor;
import java.util.Map;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.FhirHttp.Response;
import org.onetrip.server.ServerTest;

/** The FHIR R4 REST interactions a hospital system relies on, over HTTP, in JSON and XML. */
class FhirRestInteractionsTest extends ServerTest {

	@org.springframework.beans.factory.annotation.Autowired
	ISearchParamExtractor searchParamExtractor;

	@org.springframework.beans.factory.annotation.Autowired
	ca.uhn.fhir.context.FhirContext fhirContext;

	@Test
	void theCapabilityStatementListsEveryResourceTypeTheRegionUses() {
		CapabilityStatement cs = fhir.get("/metadata").as(CapabilityStatement.class);
		var types = cs.getRestFirstRep().getResource().stream().map(r -> r.getType()).toList();
		assertThat(cs.getFhirVersion().toCode()).isEqualTo("4.0.1");
		assertThat(types).contains("Patient", "Practitioner", "PractitionerRole", "Organization", "Location",
				"HealthcareService", "Schedule", "Slot", "Appointment", "ServiceRequest", "DiagnosticReport",
				"ImagingStudy", "Observation", "Encounter", "Endpoint", "CodeSystem", "ValueSet", "ConceptMap",
				"AuditEvent", "Subscription", "ChargeItem", "Account", "Invoice", "CarePlan", "Task");
	}

	@Test
	void eachRequestIsAnsweredWithItsOwnRequestIdForTheLogs() {
		String first = fhir.get("/metadata").header("X-Request-ID");
		String second = fhir.get("/metadata").header("X-Request-ID");
		assertThat(first).matches("[A-Za-z0-9]{16}");
		assertThat(second).matches("[A-Za-z0-9]{16}").isNotEqualTo(first);
	}

	@org.springframework.beans.factory.annotation.Autowired
	org.springframework.jdbc.core.JdbcTemplate jdbc;

	/**
	 * A stored version keeps the source the sender named, not the id of the request that wrote it: HAPI sets that id
	 * after handing the row to Hibernate, which then writes every version row a second time (HapiJpaConfiguration).
	 */
	@Test
	void aVersionKeepsTheSendersSourceButNotTheRequestId() {
		Patient named = new Patient();
		named.getMeta().setSource("urn:onetrip:test:his-a");
		named.addName().setFamily("Source");
		String namedId = fhir.post("/Patient", named).as(Patient.class).getIdElement().getIdPart();
		String plainId = fhir.post("/Patient", new Patient().addName(new org.hl7.fhir.r4.model.HumanName().setFamily("Plain")))
				.as(Patient.class).getIdElement().getIdPart();

		assertThat(fhir.get("/Patient/" + namedId).as(Patient.class).getMeta().getSource()).isEqualTo("urn:onetrip:test:his-a");
		assertThat(fhir.get("/Patient/" + plainId).as(Patient.class).getMeta().hasSource()).isFalse();
		for (String id : java.util.List.of(namedId, plainId)) {
			assertThat(jdbc.queryForList("SELECT v.REQUEST_ID FROM HFJ_RES_VER v JOIN HFJ_RESOURCE r ON r.RES_ID = v.RES_ID "
					+ "WHERE r.RES_TYPE = 'Patient' AND r.FHIR_ID = ?", String.class, id)).as("Patient/" + id).containsOnlyNulls();
		}
	}

	@Test
	void createReadVreadUpdateHistoryAndDeleteAPatient() {
		Patient patient = new Patient();
		patient.addName().setFamily("Lin").addGiven("Mei");
		Response created = fhir.post("/Patient", patient);
		assertThat(created.status()).isEqualTo(201);
		String location = created.header("Location");
		String id = created.as(Patient.class).getIdElement().getIdPart();
		assertThat(location).contains("/Patient/" + id + "/_history/1");

		Patient read = fhir.get("/Patient/" + id).as(Patient.class);
		read.setGender(Enumerations.AdministrativeGender.FEMALE);
		Response updated = fhir.put("/Patient/" + id, read);
		assertThat(updated.status()).isEqualTo(200);
		assertThat(updated.as(Patient.class).getMeta().getVersionId()).isEqualTo("2");

		assertThat(fhir.get("/Patient/" + id + "/_history/1").as(Patient.class).hasGender()).isFalse();
		assertThat(fhir.get("/Patient/" + id + "/_history").bundle().getEntry()).hasSize(2);

		Response deleted = fhir.delete("/Patient/" + id);
		assertThat(deleted.status()).as(deleted.toString()).isEqualTo(200);
		assertThat(fhir.get("/Patient/" + id).status()).isEqualTo(410);
	}

	@Test
	void aRepeatedSearchSeesWhatWasCommittedAMomentBefore() {
		String family = unique("Fresh");
		String search = "/Patient?family=" + family;
		assertThat(fhir.get(search).bundle().getEntry()).isEmpty();
		Patient patient = new Patient();
		patient.addName().setFamily(family);
		assertThat(fhir.post("/Patient", patient).status()).isEqualTo(201);

		assertThat(fhir.get(search).bundle().getEntry()).as("the same search, a moment later, no cache-control header").hasSize(1);
	}

	@Test
	void xmlIsAcceptedAndReturned() {
		String xml = "<Patient xmlns=\"http://hl7.org/fhir\"><name><family value=\"Xml\"/></name></Patient>";
		Response created = fhir.post("/Patient", xml, Map.of("Content-Type", FhirHttp.FHIR_XML, "Accept", FhirHttp.FHIR_XML));
		assertThat(created.status()).isEqualTo(201);
		assertThat(created.body()).startsWith("<Patient");
		String id = created.as(Patient.class).getIdElement().getIdPart();
		Response read = fhir.get("/Patient/" + id, FhirHttp.FHIR_XML);
		assertThat(read.body()).contains("<family value=\"Xml\"/>");
	}

	@Test
	void jsonPatchChangesOneElement() {
		Patient patient = new Patient();
		patient.addName().setFamily("Before");
		String id = fhir.post("/Patient", patient).as(Patient.class).getIdElement().getIdPart();

		Response patched = fhir.patch("/Patient/" + id,
				"[{\"op\":\"replace\",\"path\":\"/name/0/family\",\"value\":\"After\"}]", "application/json-patch+json");
		assertThat(patched.status()).isEqualTo(200);
		assertThat(fhir.get("/Patient/" + id).as(Patient.class).getNameFirstRep().getFamily()).isEqualTo("After");
	}

	@Test
	void clientAssignedIdsOfAnyShapeAreAccepted() {
		for (String id : new String[] {"1", "12345", "A-7", "hosp.b.99"}) {
			String body = "{\"resourceType\":\"Organization\",\"id\":\"" + id + "\",\"name\":\"Org " + id + "\"}";
			Response put = fhir.put("/Organization/" + id, body, Map.of());
			assertThat(put.status()).as("PUT Organization/%s: %s", id, put).isIn(200, 201);
			assertThat(fhir.get("/Organization/" + id).status()).isEqualTo(200);
		}
	}

	@Test
	void conditionalUpdateCreatesOnceThenUpdatesTheSameResource() {
		String mrn = unique("cu");
		String url = "/Patient?identifier=urn:onetrip:mrn:hospital-a|" + mrn;
		Patient p = new Patient();
		p.addIdentifier().setSystem("urn:onetrip:mrn:hospital-a").setValue(mrn);
		p.addName().setFamily("First");
		Response first = fhir.put(url, p);
		assertThat(first.status()).isEqualTo(201);
		p.getNameFirstRep().setFamily("Second");
		Response second = fhir.put(url, p);
		assertThat(second.status()).isEqualTo(200);
		assertThat(second.as(Patient.class).getIdElement().getIdPart())
				.isEqualTo(first.as(Patient.class).getIdElement().getIdPart());
	}

	@Test
	void aTransactionWithInternalReferencesIsStoredWhole() {
		Bundle tx = new Bundle().setType(Bundle.BundleType.TRANSACTION);
		Patient patient = new Patient();
		patient.addName().setFamily("Tx");
		tx.addEntry().setFullUrl("urn:uuid:0c4f7f2e-1f0e-4c43-9b46-5f1a1a000001").setResource(patient)
				.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Patient");
		DiagnosticReport report = new DiagnosticReport();
		report.setStatus(DiagnosticReport.DiagnosticReportStatus.FINAL);
		report.getCode().setText("CT Chest");
		report.setSubject(new Reference("urn:uuid:0c4f7f2e-1f0e-4c43-9b46-5f1a1a000001"));
		tx.addEntry().setResource(report).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("DiagnosticReport");

		Response response = fhir.post("/", tx);
		assertThat(response.status()).as(response.toString()).isEqualTo(200);
		Bundle result = response.bundle();
		assertThat(result.getEntry()).allSatisfy(e -> assertThat(e.getResponse().getStatus()).startsWith("201"));
		String patientId = result.getEntry().get(0).getResponse().getLocation().split("/")[1];

		Bundle search = fhir.get("/DiagnosticReport?subject=Patient/" + patientId + "&_include=DiagnosticReport:subject")
				.bundle();
		assertThat(search.getEntry()).extracting(e -> e.getResource().fhirType())
				.containsExactlyInAnyOrder("DiagnosticReport", "Patient");
	}

	/**
	 * A transaction's resources are indexed once, at HAPI's second save (TransactionIndexedOnce): every kind of search
	 * parameter finds them, and an update afterwards drops their old index rows, which it does only when the resource
	 * row's index flags were set.
	 */
	@Test
	void aTransactionsResourcesAreFoundByEveryKindOfParameterAndLoseTheirOldIndexWhenUpdated() {
		String patientUrn = "urn:uuid:" + java.util.UUID.randomUUID();
		String encounterUrn = "urn:uuid:" + java.util.UUID.randomUUID();
		String mrn = unique("tx-mrn");
		String firstCode = unique("tx-code");
		Bundle tx = new Bundle().setType(Bundle.BundleType.TRANSACTION);
		Patient patient = new Patient();
		patient.addIdentifier().setSystem("urn:onetrip:mrn:hospital-a").setValue(mrn);
		tx.addEntry().setFullUrl(patientUrn).setResource(patient).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Patient");
		org.hl7.fhir.r4.model.Encounter encounter = new org.hl7.fhir.r4.model.Encounter()
				.setStatus(org.hl7.fhir.r4.model.Encounter.EncounterStatus.FINISHED)
				.setClass_(new org.hl7.fhir.r4.model.Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", null))
				.setSubject(new Reference(patientUrn));
		tx.addEntry().setFullUrl(encounterUrn).setResource(encounter).getRequest().setMethod(Bundle.HTTPVerb.POST)
				.setUrl("Encounter");
		Observation observation = new Observation().setStatus(Observation.ObservationStatus.FINAL);
		observation.getCode().addCoding().setSystem("http://loinc.org").setCode(firstCode);
		observation.setSubject(new Reference(patientUrn)).setEncounter(new Reference(encounterUrn))
				.addPerformer(new Reference("Organization/hospital-a"));
		observation.setEffective(new org.hl7.fhir.r4.model.DateTimeType("2026-11-30"));
		observation.setValue(new org.hl7.fhir.r4.model.Quantity().setValue(72).setUnit("kg")
				.setSystem("http://unitsofmeasure.org").setCode("kg"));
		tx.addEntry().setResource(observation).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Observation");
		String npi = unique("tx-npi");
		Practitioner practitioner = new Practitioner();
		practitioner.addIdentifier().setSystem("http://hl7.org/fhir/sid/us-npi").setValue(npi);
		tx.addEntry().setResource(practitioner).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Practitioner")
				.setIfNoneExist("identifier=http://hl7.org/fhir/sid/us-npi|" + npi);

		Response stored = fhir.post("/", tx);
		assertThat(stored.status()).as(stored.toString()).isEqualTo(200);
		java.util.List<String> ids = stored.bundle().getEntry().stream()
				.map(e -> e.getResponse().getLocation().split("/")[1]).toList();
		String patientId = ids.get(0);
		String encounterId = ids.get(1);
		String observationId = ids.get(2);

		// What is stored is the second save's text, references rewritten, also in the version history.
		for (String read : new String[] {"/Observation/" + observationId, "/Observation/" + observationId + "/_history/1"}) {
			Observation asStored = fhir.get(read).as(Observation.class);
			assertThat(asStored.getSubject().getReference()).as(read).isEqualTo("Patient/" + patientId);
			assertThat(asStored.getEncounter().getReference()).as(read).isEqualTo("Encounter/" + encounterId);
			assertThat(asStored.getCode().getCodingFirstRep().getCode()).as(read).isEqualTo(firstCode);
			assertThat(asStored.getValueQuantity().getValue().intValue()).as(read).isEqualTo(72);
		}
		assertThat(fhir.get("/Patient/" + patientId).as(Patient.class).getIdentifierFirstRep().getValue()).isEqualTo(mrn);
		// The committed hash is the stored text's: the same Observation sent back is no change, and no new version.
		Observation unchanged = fhir.get("/Observation/" + observationId).as(Observation.class);
		Response noChange = fhir.put("/Observation/" + observationId, unchanged);
		assertThat(noChange.status()).isEqualTo(200);
		assertThat(noChange.as(Observation.class).getMeta().getVersionId()).isEqualTo("1");

		for (String search : new String[] {
				"/Observation?code=http://loinc.org|" + firstCode,
				"/Observation?subject=Patient/" + patientId + "&date=2026-11-30",
				"/Observation?encounter=Encounter/" + encounterId,
				"/Observation?performer=Organization/hospital-a&_id=" + observationId,
				"/Observation?value-quantity=72|http://unitsofmeasure.org|kg&subject=Patient/" + patientId}) {
			assertThat(fhir.get(search).bundle().getEntry()).as(search)
					.extracting(e -> e.getResource().getIdElement().getIdPart()).containsExactly(observationId);
		}
		assertThat(fhir.get("/Encounter?subject=Patient/" + patientId + "&class=AMB").bundle().getEntry()).hasSize(1);
		assertThat(fhir.get("/Patient?identifier=urn:onetrip:mrn:hospital-a|" + mrn).bundle().getEntry()).hasSize(1);
		assertThat(fhir.get("/Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|" + npi).bundle().getEntry())
				.extracting(e -> e.getResource().getIdElement().getIdPart()).containsExactly(ids.get(3));

		// The Patient's text holds no placeholder, so the second save does not change it: its index flags must be set all the same.
		String newMrn = unique("tx-mrn");
		Patient renumbered = fhir.get("/Patient/" + patientId).as(Patient.class);
		renumbered.getIdentifierFirstRep().setValue(newMrn);
		assertThat(fhir.put("/Patient/" + patientId, renumbered).status()).isEqualTo(200);
		assertThat(fhir.get("/Patient?identifier=urn:onetrip:mrn:hospital-a|" + mrn).bundle().getEntry()).isEmpty();
		assertThat(fhir.get("/Patient?identifier=urn:onetrip:mrn:hospital-a|" + newMrn).bundle().getEntry()).hasSize(1);

		String secondCode = unique("tx-code");
		Observation update = fhir.get("/Observation/" + observationId).as(Observation.class);
		update.getCode().getCodingFirstRep().setCode(secondCode);
		assertThat(fhir.put("/Observation/" + observationId, update).status()).isEqualTo(200);
		assertThat(fhir.get("/Observation?code=http://loinc.org|" + firstCode).bundle().getEntry()).isEmpty();
		assertThat(fhir.get("/Observation?code=http://loinc.org|" + secondCode).bundle().getEntry()).hasSize(1);
	}

	/** A placeholder reference to an entry the Bundle does not hold fails the whole transaction. */
	@Test
	void aTransactionReferringToAnEntryItDoesNotHoldIsRefusedWhole() {
		String mrn = unique("tx-missing");
		Bundle tx = new Bundle().setType(Bundle.BundleType.TRANSACTION);
		Patient patient = new Patient();
		patient.addIdentifier().setSystem("urn:onetrip:mrn:hospital-a").setValue(mrn);
		tx.addEntry().setFullUrl("urn:uuid:" + java.util.UUID.randomUUID()).setResource(patient).getRequest()
				.setMethod(Bundle.HTTPVerb.POST).setUrl("Patient");
		Observation observation = new Observation().setStatus(Observation.ObservationStatus.FINAL);
		observation.getCode().setText("weight");
		String missing = "urn:uuid:" + java.util.UUID.randomUUID();
		observation.setSubject(new Reference(missing));
		tx.addEntry().setResource(observation).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Observation");

		Response refused = fhir.post("/", tx);
		assertThat(refused.status()).as(refused.toString()).isBetween(400, 499);
		assertThat(refused.body()).contains("OperationOutcome").contains(missing);
		assertThat(fhir.get("/Patient?identifier=urn:onetrip:mrn:hospital-a|" + mrn).bundle().getEntry()).isEmpty();
	}

	@Test
	void aBatchReportsEachEntryOnItsOwn() {
		Bundle batch = new Bundle().setType(Bundle.BundleType.BATCH);
		Patient ok = new Patient();
		ok.addName().setFamily("BatchOk");
		batch.addEntry().setResource(ok).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Patient");
		batch.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl("Patient/does-not-exist-" + unique("x"));

		Bundle result = fhir.post("/", batch).bundle();
		assertThat(result.getEntry().get(0).getResponse().getStatus()).startsWith("201");
		assertThat(result.getEntry().get(1).getResponse().getStatus()).startsWith("404");
	}

	/** The targets of a single write's references are found ahead of HAPI's indexing (ReferenceTargetPrefetch). */
	@Test
	void referencesToStoredResourcesAreLinkedAndToDeletedOrMissingOnesRefused() {
		String living = fhir.post("/Patient", new Patient()).as(Patient.class).getIdElement().getIdPart();
		String gone = fhir.post("/Patient", new Patient()).as(Patient.class).getIdElement().getIdPart();
		assertThat(fhir.delete("/Patient/" + gone).status()).isEqualTo(200);

		Observation linked = new Observation().setStatus(Observation.ObservationStatus.FINAL);
		linked.getCode().setText("weight");
		linked.setSubject(new Reference("Patient/" + living)).addPerformer(new Reference("Organization/hospital-a"));
		String observation = fhir.post("/Observation", linked).as(Observation.class).getIdElement().getIdPart();
		assertThat(fhir.get("/Observation?subject=Patient/" + living).bundle().getEntry())
				.extracting(e -> e.getResource().getIdElement().getIdPart()).containsExactly(observation);
		assertThat(fhir.get("/Observation?performer=Organization/hospital-a&_id=" + observation).bundle().getEntry()).hasSize(1);

		for (String target : new String[] {"Patient/" + gone, "Patient/" + unique("never")}) {
			Observation dangling = new Observation().setStatus(Observation.ObservationStatus.FINAL);
			dangling.getCode().setText("weight");
			dangling.setSubject(new Reference(target)).addPerformer(new Reference("Organization/hospital-a"));
			Response refused = fhir.post("/Observation", dangling);
			assertThat(refused.status()).as(target).isIn(400, 404, 409, 410, 422);
			assertThat(refused.body()).contains("OperationOutcome").contains(target);
		}
	}

	/** Explicitly contained resources are stored and returned with their local references. */
	@Test
	void aContainedResourceIsStoredAndReturnedWithItsLocalReference() {
		String patient = fhir.post("/Patient", new Patient()).as(Patient.class).getIdElement().getIdPart();
		String body = """
				{"resourceType": "Observation", "status": "final", "code": {"text": "weight"},
				 "contained": [{"resourceType": "Practitioner", "id": "visiting", "name": [{"family": "Visiting"}]}],
				 "subject": {"reference": "Patient/%s"}, "performer": [{"reference": "#visiting"}]}
				""".formatted(patient);
		Response created = fhir.post("/Observation", body, Map.of("Content-Type", FhirHttp.FHIR_JSON));
		assertThat(created.status()).as(created.body()).isEqualTo(201);

		Observation read = fhir.get("/Observation/" + created.as(Observation.class).getIdElement().getIdPart())
				.as(Observation.class);
		assertThat(read.getContained()).hasSize(1);
		assertThat(((Practitioner) read.getContained().get(0)).getNameFirstRep().getFamily()).isEqualTo("Visiting");
		assertThat(read.getPerformerFirstRep().getReference()).isEqualTo("#visiting");
		// The write is audited under its patient, not under the contained Practitioner taken for one.
		assertThat(awaitAudit("entity=Observation/" + read.getIdElement().getIdPart()).getEntity())
				.extracting(entity -> entity.getWhat().getReference())
				.contains("Patient/" + patient).doesNotContain("Patient/#visiting");
	}

	@Test
	void revincludeAndPagingWalkAPatientsObservations() {
		Patient patient = new Patient();
		patient.addName().setFamily("Paged");
		String id = fhir.post("/Patient", patient).as(Patient.class).getIdElement().getIdPart();
		for (int i = 0; i < 7; i++) {
			Observation obs = new Observation();
			obs.setStatus(Observation.ObservationStatus.FINAL);
			obs.getCode().setText("heart rate " + i);
			obs.setSubject(new Reference("Patient/" + id));
			assertThat(fhir.post("/Observation", obs).status()).isEqualTo(201);
		}

		Bundle withObs = fhir.get("/Patient?_id=" + id + "&_revinclude=Observation:subject").bundle();
		assertThat(withObs.getEntry()).hasSize(8);

		Bundle page = fhir.get("/Observation?subject=Patient/" + id + "&_count=3").bundle();
		int seen = page.getEntry().size();
		int pages = 1;
		while (page.getLink("next") != null) {
			page = fhir.get(page.getLink("next").getUrl()).bundle();
			seen += page.getEntry().size();
			pages++;
		}
		assertThat(seen).isEqualTo(7);
		assertThat(pages).isEqualTo(3);
	}

	@Test
	void aPatientsReportsComeNewestFirstWithSortByDate() {
		Patient patient = new Patient();
		patient.addName().setFamily("Sorted");
		String id = fhir.post("/Patient", patient).as(Patient.class).getIdElement().getIdPart();
		for (String date : new String[] {"2024-03-01", "2026-01-15", "2025-07-30"}) {
			DiagnosticReport report = new DiagnosticReport();
			report.setStatus(DiagnosticReport.DiagnosticReportStatus.FINAL);
			report.getCode().setText("XR Chest " + date);
			report.setSubject(new Reference("Patient/" + id));
			report.setEffective(new org.hl7.fhir.r4.model.DateTimeType(date));
			assertThat(fhir.post("/DiagnosticReport", report).status()).isEqualTo(201);
		}
		Bundle newestFirst = fhir.get("/DiagnosticReport?patient=" + id + "&_sort=-date").bundle();
		assertThat(newestFirst.getEntry()).extracting(e -> ((DiagnosticReport) e.getResource()).getCode().getText())
				.containsExactly("XR Chest 2026-01-15", "XR Chest 2025-07-30", "XR Chest 2024-03-01");
	}

	/**
	 * Search parameters are extracted by {@link WalkedSearchParamPaths} (a reference narrowed to Patient, a choice narrowed
	 * by both forms of "as" and a child of a narrowed choice, each found by a search over HTTP), and HAPI's storage
	 * finds references with {@link WalkingFhirContext}'s terser.
	 */
	@Test
	void searchParametersAreExtractedWithTheWalkedPaths() {
		assertThat(searchParamExtractor).isInstanceOf(WalkedSearchParamPaths.class);
		assertThat(fhirContext).isInstanceOf(WalkingFhirContext.class);
		assertThat(fhirContext.newTerser()).isInstanceOf(WalkingFhirContext.DirectWalks.class);
		String patient = fhir.post("/Patient", new Patient()).as(Patient.class).getIdElement().getIdPart();
		Observation finding = new Observation().setStatus(Observation.ObservationStatus.FINAL);
		finding.getCode().setText("Smoking status");
		finding.setSubject(new Reference("Patient/" + patient));
		finding.setValue(new org.hl7.fhir.r4.model.CodeableConcept().setText("Never smoked " + patient));
		String findingId = fhir.post("/Observation", finding).as(Observation.class).getIdElement().getIdPart();
		org.hl7.fhir.r4.model.Condition condition = new org.hl7.fhir.r4.model.Condition();
		condition.getCode().setText("Asthma");
		condition.setSubject(new Reference("Patient/" + patient));
		condition.setOnset(new org.hl7.fhir.r4.model.Age().setValue(12).setSystem("http://unitsofmeasure.org").setCode("a"));
		String conditionId = fhir.post("/Condition", condition).as(org.hl7.fhir.r4.model.Condition.class)
				.getIdElement().getIdPart();

		assertThat(ids(fhir.get("/Observation?patient=" + patient).bundle())).containsExactly(findingId);
		assertThat(ids(fhir.get("/Observation?value-string=Never%20smoked%20" + patient).bundle())).containsExactly(findingId);
		assertThat(ids(fhir.get("/Condition?patient=" + patient + "&onset-age=12").bundle())).containsExactly(conditionId);
		assertThat(ids(fhir.get("/Condition?patient=" + patient + "&onset-age=13").bundle())).isEmpty();
	}

	private static java.util.List<String> ids(Bundle bundle) {
		return bundle.getEntry().stream().map(e -> e.getResource().getIdElement().getIdPart()).toList();
	}

	/**
	 * Composite searches (a code and its value together) are answered from their components' index rows; HAPI's own
	 * extraction of the composites, which only a full-text indexer reads, is skipped (CompositesNotExtracted).
	 */
	@Test
	void compositeSearchesFindAnObservationByItsCodeAndValueTogether() {
		String patient = fhir.post("/Patient", new Patient()).as(Patient.class).getIdElement().getIdPart();
		Observation weight = new Observation().setStatus(Observation.ObservationStatus.FINAL);
		weight.getCode().addCoding().setSystem("http://loinc.org").setCode("29463-7");
		weight.setSubject(new Reference("Patient/" + patient)).addPerformer(new Reference("Organization/hospital-a"));
		weight.setValue(new org.hl7.fhir.r4.model.Quantity().setValue(72).setSystem("http://unitsofmeasure.org").setCode("kg"));
		String weightId = fhir.post("/Observation", weight).as(Observation.class).getIdElement().getIdPart();
		Observation pressure = new Observation().setStatus(Observation.ObservationStatus.FINAL);
		pressure.getCode().addCoding().setSystem("http://loinc.org").setCode("85354-9");
		pressure.setSubject(new Reference("Patient/" + patient)).addPerformer(new Reference("Organization/hospital-a"));
		pressure.addComponent().setValue(new org.hl7.fhir.r4.model.Quantity().setValue(150)
				.setSystem("http://unitsofmeasure.org").setCode("mm[Hg]")).getCode().addCoding().setSystem("http://loinc.org").setCode("8480-6");
		String pressureId = fhir.post("/Observation", pressure).as(Observation.class).getIdElement().getIdPart();

		Map<String, String> found = Map.of(
				"code-value-quantity=http://loinc.org|29463-7$gt70", weightId,
				"component-code-value-quantity=http://loinc.org|8480-6$gt140", pressureId);
		found.forEach((search, id) -> assertThat(fhir.get("/Observation?subject=Patient/" + patient + "&" + search).bundle().getEntry())
				.as(search).extracting(e -> e.getResource().getIdElement().getIdPart()).containsExactly(id));
		// The composites themselves are not extracted: only a full-text indexer, off here, would read them.
		assertThat(searchParamExtractor.extractSearchParamComposites(pressure, ISearchParamExtractor.ALL_PARAMS)).isEmpty();
		assertThat(searchParamExtractor.extractSearchParamTokens(pressure, ISearchParamExtractor.ALL_PARAMS)).isNotEmpty();
		for (String none : new String[] {"code-value-quantity=http://loinc.org|29463-7$gt80",
				"code-value-quantity=http://loinc.org|8480-6$gt70", "component-code-value-quantity=http://loinc.org|8480-6$gt160"}) {
			assertThat(fhir.get("/Observation?subject=Patient/" + patient + "&" + none).bundle().getEntry()).as(none).isEmpty();
		}
	}
}
