package org.onetrip.server.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import ca.uhn.fhir.util.HapiExtensions;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.SearchParameter;
import org.springframework.jdbc.core.JdbcTemplate;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.OneTripInstance;
import org.onetrip.server.TestTokens;

/**
 * A database from before the person ledger, as that version left it: one Patient per citizen ID carrying several
 * hospitals' MRNs, records linked by an operator's Patient.link, the old region-wide unique rule (a HAPI combo-unique
 * SearchParameter), and no ledger rows. (Until H2 was retired this was a fixture written by commit 7907cb6 on H2; the
 * same state is now made on PostgreSQL: the Patients written, the old rule put back, the ledger emptied.) This
 * version starts on it, removes the old rule, relinks every Patient in the background, and from then on hospitals
 * keep their own records.
 */
class DatabaseFromBeforeThePersonLedgerTest {

	@Test
	void theOldDatabaseIsRelinkedAtStartAndHospitalBCanNowRegisterAPersonHospitalAKnew() throws Exception {
		Path dataDir = Files.createTempDirectory(Path.of("target"), "before-ledger-").toAbsolutePath();
		Map<String, String> settings = Map.of("onetrip.data-dir", dataDir.toString());
		try (OneTripInstance before = OneTripInstance.start(settings)) {
			writeWhatTheOldVersionHeld(before);
		}

		try (OneTripInstance server = OneTripInstance.start(settings)) {
			FhirHttp fhir = server.fhir();
			Parameters done = awaitRelink(fhir);
			assertThat(value(done, "total")).isEqualTo("8"); // four Patients, two passes
			assertThat(value(done, "conflicts")).isEqualTo("0");
			assertThat(fhir.get("/SearchParameter/onetrip-person-identifier-unique").status())
					.as("the old unique rule is gone").isEqualTo(410);

			assertThat(person(fhir, "old-2")).as("the operator's Patient.link became a link of the ledger")
					.containsExactlyInAnyOrder("Patient/old-2", "Patient/old-3");
			assertThat(person(fhir, "old-1")).containsExactly("Patient/old-1");

			FhirHttp hospitalB = fhir.as(TestTokens.hospital("hospital-b", "user/*.cruds"));
			Patient atB = new Patient();
			atB.addIdentifier().setSystem("urn:onetrip:citizen-id").setValue("330100195001010044");
			atB.addIdentifier().setSystem("urn:onetrip:mrn:hospital-b").setValue("NEW-B4");
			FhirHttp.Response registered = hospitalB.post("/Patient", hospitalB.json(atB),
					Map.of("If-None-Exist", "identifier=urn:onetrip:citizen-id|330100195001010044"));

			assertThat(registered.status()).as("the old unique rule no longer refuses it: " + registered).isEqualTo(201);
			String idAtB = registered.as(Patient.class).getIdElement().getIdPart();
			assertThat(person(fhir, "old-4")).containsExactlyInAnyOrder("Patient/old-4", "Patient/" + idAtB);
		}
	}

	/** The writes of the old version's fixture script, its unique rule, and a ledger that does not exist yet. */
	private static void writeWhatTheOldVersionHeld(OneTripInstance server) {
		FhirHttp fhir = server.fhir();
		put(fhir, "old-1", """
				{"resourceType":"Patient","id":"old-1","identifier":[
				{"system":"urn:onetrip:citizen-id","value":"330100195001010011"},{"system":"urn:onetrip:health-card","value":"HC-OLD-1"},
				{"system":"urn:onetrip:mrn:hospital-a","value":"OLD-A1"},{"system":"urn:onetrip:mrn:hospital-b","value":"OLD-B1"}],
				"name":[{"family":"Qian","given":["Old"]}]}""");
		put(fhir, "old-2", """
				{"resourceType":"Patient","id":"old-2","identifier":[{"system":"urn:onetrip:mrn:hospital-a","value":"OLD-A2"}],
				"name":[{"family":"Sun","given":["Linked"]}],"birthDate":"1962-02-02"}""");
		put(fhir, "old-3", """
				{"resourceType":"Patient","id":"old-3","identifier":[{"system":"urn:onetrip:mrn:clinic-c","value":"OLD-C3"}],
				"name":[{"family":"Sun","given":["Linked"]}],"birthDate":"1962-02-02",
				"link":[{"other":{"reference":"Patient/old-2"},"type":"seealso"}]}""");
		put(fhir, "old-4", """
				{"resourceType":"Patient","id":"old-4","identifier":[
				{"system":"urn:onetrip:citizen-id","value":"330100195001010044"},{"system":"urn:onetrip:mrn:hospital-a","value":"OLD-A4"}],
				"managingOrganization":{"reference":"Organization/hospital-a"},"name":[{"family":"Zhao","given":["Waiting"]}]}""");
		SearchParameter unique = new SearchParameter();
		unique.setId(PersonIdentifierRule.RETIRED_UNIQUE_PARAM_ID);
		unique.setUrl("urn:onetrip:fhir:SearchParameter:Patient-person-identifier-unique");
		unique.setName("PatientPersonIdentifierUnique");
		unique.setStatus(Enumerations.PublicationStatus.ACTIVE);
		unique.setCode("person-identifier-unique");
		unique.addBase("Patient");
		unique.setType(Enumerations.SearchParamType.COMPOSITE);
		unique.setExpression("Patient");
		unique.addComponent().setDefinition(PersonIdentifierRule.SEARCH_PARAM_URL).setExpression("Patient");
		unique.addExtension(HapiExtensions.EXT_SP_UNIQUE, new BooleanType(true));
		FhirHttp.Response stored = fhir.put("/SearchParameter/" + unique.getIdPart(), unique);
		assertThat(stored.status()).as(stored.toString()).isIn(200, 201);
		JdbcTemplate jdbc = new JdbcTemplate(server.bean(DataSource.class));
		for (String table : List.of("OT_PERSON_KEY", "OT_PERSON_RECORD", "OT_PERSON_MATCH", "OT_PERSON_LINK_LOG",
				"OT_PERSON_KEY_LOCK")) {
			jdbc.update("DELETE FROM " + table);
		}
	}

	private static void put(FhirHttp fhir, String id, String json) {
		FhirHttp.Response response = fhir.put("/Patient/" + id, json, Map.of());
		assertThat(response.status()).as(response.toString()).isIn(200, 201);
	}

	private static Parameters awaitRelink(FhirHttp fhir) throws InterruptedException {
		Instant deadline = Instant.now().plusSeconds(60);
		while (Instant.now().isBefore(deadline)) {
			Parameters status = fhir.get("/$person-relink-status").as(Parameters.class);
			if ("done".equals(value(status, "state"))) {
				return status;
			}
			assertThat(value(status, "state")).isNotEqualTo("failed");
			Thread.sleep(200);
		}
		throw new AssertionError("the relink did not finish in 60 s");
	}

	private static String value(Parameters parameters, String name) {
		return parameters.getParameter().stream().filter(p -> name.equals(p.getName())).findFirst()
				.map(p -> p.getValue().primitiveValue()).orElse(null);
	}

	private static List<String> person(FhirHttp fhir, String patientId) {
		return fhir.get("/Patient/" + patientId + "/$person").as(Parameters.class).getParameter().stream()
				.filter(p -> "record".equals(p.getName())).map(p -> ((Reference) p.getPart().get(0).getValue()).getReference()).toList();
	}
}
