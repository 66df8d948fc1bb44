package org.onetrip.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.json.JsonMapper;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.Test;
import org.onetrip.server.ServerTest;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What an older OneTrip left: rows of its audit outbox (records waiting to become AuditEvents) become AuditEvents here,
 * each exactly once, and the AuditEvents it stored through HAPI are found by the same searches as the new ones.
 */
class AuditOutboxTest extends ServerTest {

	@Autowired
	DataSource dataSource;

	@Autowired
	AuditTrail trail;

	@Autowired
	ca.uhn.fhir.jpa.api.dao.DaoRegistry daoRegistry;

	@Test
	void auditEventsHapiStoredBeforeAreFoundOnceEachAfterTheUpgrade() {
		org.hl7.fhir.r4.model.Patient patient = new org.hl7.fhir.r4.model.Patient();
		patient.addName().setFamily(unique("LongAudited"));
		String patientId = fhir.post("/Patient", patient).as(org.hl7.fhir.r4.model.Patient.class).getIdElement().getIdPart();
		AuditEvent old = new AuditEvent();
		old.setType(new org.hl7.fhir.r4.model.Coding("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", "RESTful Operation"));
		old.addSubtype(new org.hl7.fhir.r4.model.Coding(AuditEventStore.SUBTYPE_SYSTEM, "read", null));
		old.setAction(AuditEvent.AuditEventAction.R).setOutcome(AuditEvent.AuditEventOutcome._0).setOutcomeDesc("200 from before");
		old.setRecorded(java.util.Date.from(Instant.parse("2026-11-01T08:00:00Z")));
		old.addAgent().setRequestor(false).setWho(new org.hl7.fhir.r4.model.Reference("Organization/hospital-b"));
		old.getSource().setObserver(new org.hl7.fhir.r4.model.Reference().setDisplay("OneTrip"));
		old.addEntity().setWhat(new org.hl7.fhir.r4.model.Reference("Patient/" + patientId));
		daoRegistry.getResourceDao(AuditEvent.class).create(old, new ca.uhn.fhir.rest.api.server.SystemRequestDetails());

		trail.adoptHapiAuditEvents();
		trail.adoptHapiAuditEvents();

		Bundle found = fhir.get("/AuditEvent?patient=Patient/" + patientId + "&agent=Organization/hospital-b&date=2026-11-01").bundle();
		assertThat(found.getTotal()).as("copied once, however often the copy runs").isEqualTo(1);
		assertThat(((AuditEvent) found.getEntryFirstRep().getResource()).getOutcomeDesc()).isEqualTo("200 from before");
	}

	@Test
	void rowsLeftInTheOutboxByAnotherProcessBecomeAuditEventsOnceEach() throws Exception {
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		String subject = unique("left-behind");
		var json = JsonMapper.builder().findAndAddModules().build();
		for (int i = 0; i < 3; i++) {
			AuditRecord record = new AuditRecord(Instant.parse("2026-12-01T23:59:0" + i + "Z"), "rest", "C", "create", subject,
					"hospital-a", "127.0.0.1", null, List.of("Appointment/never-stored-" + i), List.of(), 409,
					"Appointment not booked: slot s1 is full", false);
			jdbc.update("INSERT INTO OT_AUDIT_OUTBOX (RECORD) VALUES (?)", json.writeValueAsString(record));
		}

		List<AuditEvent> events = awaitEvents(subject, 3);
		assertThat(events).extracting(e -> e.getEntityFirstRep().getWhat().getIdentifier().getValue())
				.as("a refused create names a resource that never came to be: kept as an identifier")
				.containsExactlyInAnyOrder("Appointment/never-stored-0", "Appointment/never-stored-1", "Appointment/never-stored-2");
		assertThat(events).allSatisfy(e -> assertThat(e.getOutcomeDesc()).startsWith("409 Appointment not booked"));
		Thread.sleep(1500);
		assertThat(awaitEvents(subject, 3)).as("each row written once").hasSize(3);
		assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM OT_AUDIT_OUTBOX WHERE RECORD LIKE ?", Integer.class, "%" + subject + "%"))
				.as("and gone from the outbox").isZero();
	}

	@Test
	void anUnreadableRowGoesToTheLogAndDoesNotStopTheRowsAfterIt() throws Exception {
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		String subject = unique("after-garbage");
		jdbc.update("INSERT INTO OT_AUDIT_OUTBOX (RECORD) VALUES (?)", "{\"when\": \"not a time\", " + subject);
		AuditRecord record = new AuditRecord(Instant.parse("2026-12-01T23:59:02Z"), "rest", "R", "read", subject,
				"hospital-a", "127.0.0.1", null, List.of(), List.of(), 200, null, false);
		jdbc.update("INSERT INTO OT_AUDIT_OUTBOX (RECORD) VALUES (?)", JsonMapper.builder().findAndAddModules().build()
				.writeValueAsString(record));

		assertThat(awaitEvents(subject, 1)).hasSize(1);
		assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM OT_AUDIT_OUTBOX WHERE RECORD LIKE ?", Integer.class, "%" + subject + "%"))
				.as("the unreadable row is gone too (logged whole)").isZero();
	}

	private List<AuditEvent> awaitEvents(String subject, int wanted) throws InterruptedException {
		long deadline = System.currentTimeMillis() + 15_000;
		List<AuditEvent> found = List.of();
		while (System.currentTimeMillis() < deadline) {
			// Recorded in the seconds the rows name; this test's rows are the ones whose caller is its subject.
			Bundle bundle = fhir.getFresh("/AuditEvent?date=ge2026-12-01T23:59:00Z&date=le2026-12-01T23:59:03Z&_count=100").bundle();
			found = bundle.getEntry().stream().map(e -> (AuditEvent) e.getResource())
					.filter(e -> e.getAgentFirstRep().getWho().getDisplay().endsWith("/" + subject)).toList();
			if (found.size() >= wanted) {
				return found;
			}
			Thread.sleep(200);
		}
		return found;
	}
}
