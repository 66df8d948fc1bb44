package org.onetrip.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import javax.sql.DataSource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.ServerTest;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The database's disk fills up under a serving OneTrip: every write is answered 503 with an OperationOutcome that says
 * so and Retry-After, nothing of it is stored, reads go on (searches, which HAPI keeps in the database for paging,
 * get the same 503); once there is space again OneTrip writes with no restart,
 * and the AuditEvent of the refused write, which waited meanwhile, is written too.
 * <p>
 * PostgreSQL fails every insert into the resource tables, HAPI's search table and the audit outbox as a full disk makes
 * it fail ({@link FullDisk}).
 */
class DiskFullTest extends ServerTest {

	@Autowired
	DataSource dataSource;

	@Test
	void whileTheDatabasesDiskIsFullWritesGet503AndNothingIsStoredAndOnceThereIsSpaceWritesGoOn() throws Exception {
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		String family = unique("DiskFull");
		String before = fhir.post("/Patient", patient(family)).as(Patient.class).getIdElement().getIdPart();
		String refusedId = unique("disk-full");

		try (FullDisk full = FullDisk.under(jdbc, "HFJ_RESOURCE", "HFJ_RES_VER", "HFJ_SEARCH", "OT_AUDIT_EVENT")) {
			FhirHttp.Response create = fhir.post("/Patient", patient(family));
			assertThat(create.status()).as(create.toString()).isEqualTo(503);
			assertThat(create.header("Retry-After")).isEqualTo(DatabaseUnavailable.RETRY_AFTER_SECONDS_WHEN_DISK_FULL);
			OperationOutcome.OperationOutcomeIssueComponent issue = create.outcome().getIssueFirstRep();
			assertThat(issue.getSeverity()).isEqualTo(OperationOutcome.IssueSeverity.ERROR);
			assertThat(issue.getDiagnostics()).contains("no space left on its disk", "nothing of this request was stored");

			Patient named = patient(family);
			named.setId(refusedId);
			assertThat(fhir.put("/Patient/" + refusedId, named).status()).as("an update-as-create").isEqualTo(503);
			Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
			transaction.addEntry().setResource(patient(family)).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Patient");
			transaction.addEntry().setResource(patient(family)).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Patient");
			assertThat(fhir.post("/", transaction).status()).as("a transaction").isEqualTo(503);

			assertThat(fhir.get("/Patient/" + before).status()).as("reads go on").isEqualTo(200);
			// A search keeps its results in the database for paging: it cannot while the disk is full, and says so.
			FhirHttp.Response search = fhir.getFresh("/Patient?family=" + family);
			assertThat(search.status()).as(search.toString()).isEqualTo(503);
			assertThat(search.outcome().getIssueFirstRep().getDiagnostics()).contains("no space left on its disk");
		}

		assertThat(fhir.getFresh("/Patient?family=" + family).bundle().getEntry()).as("nothing of the refused writes")
				.hasSize(1);
		assertThat(fhir.get("/Patient/" + refusedId).status()).isEqualTo(404);
		assertThat(fhir.post("/Patient", patient(family)).status()).as("writes go on, no restart").isEqualTo(201);
		AuditEvent refused = awaitRefusal("Patient/" + refusedId);
		assertThat(refused.getOutcomeDesc()).startsWith("503");
	}

	/** The refused write's AuditEvent, written once the outbox could take it (the resource never was: an identifier). */
	private AuditEvent awaitRefusal(String reference) throws InterruptedException {
		long deadline = System.currentTimeMillis() + 30_000;
		while (System.currentTimeMillis() < deadline) {
			for (Bundle.BundleEntryComponent entry : fhir.getFresh("/AuditEvent?outcome=8&_sort=-date&_count=50").bundle().getEntry()) {
				AuditEvent event = (AuditEvent) entry.getResource();
				if (event.getEntity().stream().anyMatch(e -> reference.equals(e.getWhat().getIdentifier().getValue())
						|| reference.equals(e.getWhat().getReference()))) {
					return event;
				}
			}
			Thread.sleep(250);
		}
		throw new AssertionError("no AuditEvent of the refused write of " + reference);
	}

	private static Patient patient(String family) {
		Patient patient = new Patient();
		patient.addName().setFamily(family);
		return patient;
	}
}
