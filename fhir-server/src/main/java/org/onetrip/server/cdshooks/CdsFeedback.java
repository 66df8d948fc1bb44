package org.onetrip.server.cdshooks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Reference;
import org.onetrip.server.audit.AuditTrail;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * CDS Hooks 2.0 feedback: what the doctor did with each card (accepted the suggestion, or overrode
 * it with a reason). Recorded in the {@link ReminderLedger} and as a FHIR AuditEvent, all entries of
 * one request or none.
 */
public class CdsFeedback {

	public static final String AUDIT_TYPE_SYSTEM = "urn:onetrip:audit-event-type";
	public static final String AUDIT_TYPE_CODE = "duplicate-exam-feedback";

	/** Feedback for a card this server never issued. */
	public static class UnknownCard extends RuntimeException {
		public UnknownCard(String message) {
			super(message);
		}
	}

	private record Answer(ReminderLedger.Reminder reminder, String outcome, String reason, String comment, Instant at) {}

	private final ReminderLedger ledger;
	private final AuditTrail audit;
	private final TransactionTemplate transaction;
	private final ObjectMapper json;

	public CdsFeedback(ReminderLedger ledger, AuditTrail audit, TransactionTemplate transaction, ObjectMapper json) {
		this.ledger = ledger;
		this.audit = audit;
		this.transaction = transaction;
		this.json = json;
	}

	public void record(String serviceId, String body) {
		List<Answer> answers = parse(serviceId, body);
		transaction.executeWithoutResult(status -> {
			for (Answer a : answers) {
				if (ledger.outcome(a.reminder(), a.outcome(), a.reason(), a.comment(), a.at())) {
					audit.recordEvent(audit(a));
				}
			}
		});
	}

	private List<Answer> parse(String serviceId, String body) {
		JsonNode root;
		try {
			root = json.readTree(body == null ? "" : body);
		} catch (JsonProcessingException e) {
			throw new CdsHookRequest.BadHookRequest("the feedback body is not JSON: " + e.getOriginalMessage());
		}
		JsonNode entries = root == null ? null : root.get("feedback");
		if (entries == null || !entries.isArray() || entries.isEmpty()) {
			throw new CdsHookRequest.BadHookRequest("'feedback' must be a non-empty array");
		}
		List<Answer> answers = new ArrayList<>();
		for (JsonNode entry : entries) {
			String card = entry.path("card").asText("");
			if (card.isBlank()) {
				throw new CdsHookRequest.BadHookRequest("every feedback entry needs 'card' (the card's uuid)");
			}
			ReminderLedger.Reminder reminder = ledger.find(card)
					.filter(r -> r.serviceId().equals(serviceId))
					.orElseThrow(() -> new UnknownCard("no card " + card + " was issued by " + serviceId));
			String outcome = entry.path("outcome").asText("");
			if (!outcome.equals("accepted") && !outcome.equals("overridden")) {
				throw new CdsHookRequest.BadHookRequest("feedback 'outcome' must be 'accepted' or 'overridden', was '" + outcome + "'");
			}
			String reason = null;
			String comment = null;
			if (outcome.equals("overridden")) {
				JsonNode overrideReason = entry.path("overrideReason");
				reason = overrideReason.path("reason").path("code").asText(null);
				if (reason != null && !DuplicateExamCards.OVERRIDE_REASONS.containsKey(reason)) {
					throw new CdsHookRequest.BadHookRequest("override reason '" + reason + "' is not one the card offered: "
							+ DuplicateExamCards.OVERRIDE_REASONS.keySet());
				}
				comment = overrideReason.path("userComment").asText(null);
			}
			Instant at;
			try {
				at = entry.hasNonNull("outcomeTimestamp") ? Instant.parse(entry.get("outcomeTimestamp").asText()) : Instant.now();
			} catch (DateTimeParseException e) {
				throw new CdsHookRequest.BadHookRequest("'outcomeTimestamp' must be an ISO-8601 instant, was '"
						+ entry.get("outcomeTimestamp").asText() + "'");
			}
			answers.add(new Answer(reminder, outcome, reason, comment, at));
		}
		return answers;
	}

	private static AuditEvent audit(Answer a) {
		AuditEvent event = new AuditEvent();
		event.setType(new Coding(AUDIT_TYPE_SYSTEM, AUDIT_TYPE_CODE, "Duplicate-exam reminder answered"));
		event.addSubtype(new Coding(AUDIT_TYPE_SYSTEM, a.outcome(), a.outcome().equals("accepted") ? "Accepted" : "Overridden"));
		event.setAction(AuditEvent.AuditEventAction.E);
		event.setRecorded(Date.from(a.at()));
		event.setOutcome(AuditEvent.AuditEventOutcome._0);
		if (a.reason() != null) {
			event.setOutcomeDesc("overridden: " + a.reason() + (a.comment() != null ? " (" + a.comment() + ")" : ""));
		}
		var agent = event.addAgent().setRequestor(true);
		if (a.reminder().userId() != null) {
			agent.setWho(new Reference(a.reminder().userId()));
		} else {
			agent.setWho(new Reference().setDisplay("unknown CDS client user"));
		}
		if (a.reminder().hospitalKey() != null) {
			event.getSource().setSite(a.reminder().hospitalKey());
		}
		event.getSource().setObserver(new Reference().setDisplay("OneTrip CDS service " + a.reminder().serviceId()));
		if (a.reminder().patientId() != null) {
			event.addEntity().setWhat(new Reference("Patient/" + a.reminder().patientId()))
					.setType(new Coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person"));
		}
		// The prior exam by name only: it may since have been corrected or deleted, the audit record must still store.
		event.addEntity().setWhat(new Reference().setDisplay(a.reminder().priorSource())).setDescription("prior exam");
		event.addEntity().setName("card " + a.reminder().cardUuid())
				.setDescription("exam " + a.reminder().examCode() + ", issued " + a.reminder().issuedAt());
		return event;
	}
}
