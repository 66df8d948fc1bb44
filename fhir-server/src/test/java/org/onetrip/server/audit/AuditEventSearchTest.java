package org.onetrip.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.ServerTest;
import org.onetrip.server.TestTokens;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The audit trail as an auditor and the console search it: by patient, record, hospital, kind and outcome, within
 * times, newest first, a page at a time; and as a patient sees it: only what happened to their own records.
 */
class AuditEventSearchTest extends ServerTest {

	@Autowired
	AuditTrail trail;

	private static final String MORNING = "2026-11-20T10:00:0";

	private AuditRecord read(int second, String patient, String hospital) {
		return new AuditRecord(Instant.parse(MORNING + second + "Z"), "rest", "R", "read", "dr-" + second, hospital, "127.0.0.1",
				"GET Patient/x", List.of(patient), List.of(patient), 200, null, true);
	}

	@Test
	void aPatientsTrailIsFoundByPatientEntityAndTimeNewestFirstAPageAtATime() {
		String patient = "Patient/" + unique("audited");
		String someoneElse = "Patient/" + unique("other");
		for (int second = 0; second < 5; second++) {
			trail.record(read(second, patient, "hospital-a"));
		}
		trail.record(read(2, someoneElse, "hospital-a"));

		Bundle first = fhir.get("/AuditEvent?patient=" + patient + "&_sort=-date&_count=2").bundle();
		assertThat(first.getTotal()).isEqualTo(5);
		assertThat(recorded(first)).containsExactly(MORNING + "4Z", MORNING + "3Z");
		String next = first.getLink(Bundle.LINK_NEXT).getUrl();
		Bundle second = fhir.get(next.substring(next.indexOf("/AuditEvent"))).bundle();
		assertThat(recorded(second)).as("the next page, from " + next).containsExactly(MORNING + "2Z", MORNING + "1Z");

		assertThat(recorded(fhir.get("/AuditEvent?entity=" + patient + "&date=ge" + MORNING + "1Z&date=lt" + MORNING + "3Z").bundle()))
				.as("within times, oldest first when no order is asked").containsExactly(MORNING + "1Z", MORNING + "2Z");
		assertThat(fhir.get("/AuditEvent?entity=" + patient.substring("Patient/".length())).bundle().getTotal())
				.as("an id without its type").isEqualTo(5);
		assertThat(fhir.get("/AuditEvent?entity=" + patient + "," + someoneElse).bundle().getTotal()).as("either").isEqualTo(6);
		assertThat(fhir.get("/AuditEvent?entity=" + patient + "&entity=" + someoneElse).bundle().getTotal()).as("both").isZero();

		AuditEvent event = (AuditEvent) first.getEntryFirstRep().getResource();
		AuditEvent again = fhir.get("/AuditEvent/" + event.getIdElement().getIdPart()).as(AuditEvent.class);
		assertThat(again.getAgentFirstRep().getWho().getDisplay()).isEqualTo("hospital-a/dr-4");
		assertThat(again.getEntity()).anyMatch(entity -> patient.equals(entity.getWhat().getReference()));
		assertThat(again.getMeta().getLastUpdated().toInstant()).isEqualTo(Instant.parse(MORNING + "4Z"));
	}

	@Test
	void kindsOutcomesAndHospitalsAreTokensAndReferencesAsFhirDefinesThem() {
		String study = "Patient/" + unique("imaged");
		trail.record(new AuditRecord(Instant.parse(MORNING + "5Z"), "dicom-association", "C", "C-STORE", "PACS_B", "hospital-b",
				"127.0.0.1", null, List.of(study), List.of(study), 0, null, false));
		trail.record(new AuditRecord(Instant.parse(MORNING + "6Z"), "rest", "C", "create", "dr-x", "hospital-a", "127.0.0.1", null,
				List.of(study), List.of(study), 403, "not yours", false));

		assertThat(total("entity=" + study + "&type=http://dicom.nema.org/resources/ontology/DCM|110122")).isEqualTo(1);
		assertThat(total("entity=" + study + "&type=110122")).as("a code in any system").isEqualTo(1);
		assertThat(total("entity=" + study + "&type=urn:other|110122")).as("another system's code").isZero();
		assertThat(total("entity=" + study + "&subtype=urn:onetrip:audit-subtype|C-STORE")).isEqualTo(1);
		assertThat(total("entity=" + study + "&agent=Organization/hospital-b")).isEqualTo(1);
		assertThat(total("entity=" + study + "&action=C&outcome=4")).as("the refusal").isEqualTo(1);
		assertThat(total("entity=" + study + "&outcome=http://hl7.org/fhir/audit-event-outcome|0")).isEqualTo(1);
		assertThat(total("entity=" + study + "&outcome=urn:other|0")).isZero();
		assertThat(total("entity=" + study + "&action=R,C")).isEqualTo(2);
	}

	@Test
	void aSearchTheTrailCannotAnswerIsRefusedWithAnOperationOutcome() {
		for (String query : List.of("site=x", "entity.name=x", "_sort=type", "date=sa2026-11-20", "agent=hospital-a")) {
			FhirHttp.Response refused = fhir.get("/AuditEvent?" + query);
			assertThat(refused.status()).as(query).isEqualTo(400);
			assertThat(refused.outcome().getIssueFirstRep().getDiagnostics()).as(query).isNotBlank();
		}
		assertThat(fhir.get("/AuditEvent/not-a-number").status()).isEqualTo(404);
		assertThat(fhir.get("/AuditEvent/999999999999").status()).isEqualTo(404);
		FhirHttp.Response rewritten = fhir.put("/AuditEvent/1", new AuditEvent().setId("1"));
		assertThat(rewritten.status()).as(rewritten.toString()).isEqualTo(403);
		assertThat(fhir.delete("/AuditEvent/1").status()).isEqualTo(403);
	}

	@Test
	void aPatientSeesOnlyWhatHappenedToTheirOwnRecords() {
		Patient me = new Patient();
		me.addName().setFamily(unique("Curious"));
		String myId = fhir.post("/Patient", me).as(Patient.class).getIdElement().getIdPart();
		Patient stranger = new Patient();
		stranger.addName().setFamily(unique("Stranger"));
		String theirId = fhir.post("/Patient", stranger).as(Patient.class).getIdElement().getIdPart();
		trail.record(read(7, "Patient/" + myId, "hospital-b"));
		trail.record(read(7, "Patient/" + theirId, "hospital-b"));

		FhirHttp asMe = fhir.as(TestTokens.patient(myId, "patient/*.rs"));
		Bundle mine = asMe.get("/AuditEvent?date=eq" + MORNING + "7Z&_count=500").bundle();
		assertThat(mine.getEntry()).isNotEmpty().allSatisfy(entry -> assertThat(((AuditEvent) entry.getResource()).getEntity())
				.anyMatch(entity -> ("Patient/" + myId).equals(entity.getWhat().getReference())));
		String theirs = fhir.get("/AuditEvent?entity=Patient/" + theirId).bundle().getEntryFirstRep().getResource().getIdElement()
				.getIdPart();
		assertThat(asMe.get("/AuditEvent/" + theirs).status()).as("another person's").isEqualTo(403);
	}

	private int total(String query) {
		return fhir.get("/AuditEvent?" + query).bundle().getTotal();
	}

	private static List<String> recorded(Bundle bundle) {
		return bundle.getEntry().stream().map(entry -> ((AuditEvent) entry.getResource()).getRecorded().toInstant().toString()).toList();
	}
}
