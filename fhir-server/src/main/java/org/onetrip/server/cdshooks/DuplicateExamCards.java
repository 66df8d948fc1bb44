package org.onetrip.server.cdshooks;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.onetrip.server.priorexam.DuplicateExamCheck;
import org.onetrip.server.priorexam.DuplicateExamCheck.OrderCheck;
import org.onetrip.server.priorexam.FindingText;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.terminology.exam.ExamTerminology;
import org.onetrip.terminology.exam.PriorExam;

/** Turns a check into CDS Hooks 2.0 cards (plain maps, serialised by Jackson). */
public class DuplicateExamCards {

	public static final String OVERRIDE_REASON_SYSTEM = "urn:onetrip:cds:override-reason";

	/** Why a doctor may keep an order despite a prior exam: offered on every duplicate card. */
	public static final Map<String, String> OVERRIDE_REASONS = orderedMap(
			"emergency", "Emergency",
			"changed-clinical-picture", "Clinical picture has changed",
			"prior-result-insufficient", "Prior result insufficient (quality, protocol or missing report)",
			"patient-request", "Patient request");

	private static final Map<String, Object> SOURCE = Map.of(
			"label", "OneTrip regional exam sharing",
			"topic", Map.of("system", "urn:onetrip:cds:topic", "code", "duplicate-exam", "display", "Duplicate examination"));

	/** A card and, for a reminder, what the ledger keeps of it. */
	public record IssuedCard(Map<String, Object> card, OrderCheck check) {
		public String uuid() {
			return (String) card.get("uuid");
		}
	}

	private final FindingText text;

	public DuplicateExamCards(ExamTerminology terminology, RegionDirectory directory) {
		this.text = new FindingText(terminology, directory, ZoneId.systemDefault());
	}

	/** @param fhirBase the public base of OneTrip's FHIR API, for links to the prior report and study */
	public List<IssuedCard> cards(List<OrderCheck> checks, String fhirBase, Instant now) {
		List<IssuedCard> cards = new ArrayList<>();
		for (OrderCheck check : checks) {
			switch (check.outcome()) {
				case DUPLICATE, INFORMATIONAL -> cards.add(new IssuedCard(reminder(check, fhirBase, now), check));
				// A code the region cannot type is not silently skipped: the doctor learns no check was made.
				case UNMAPPED -> cards.add(new IssuedCard(info(check, now), check));
				case NONE, UNKNOWN_CODE -> { }
			}
		}
		return cards;
	}

	private Map<String, Object> reminder(OrderCheck check, String fhirBase, Instant now) {
		boolean blocking = check.outcome() == DuplicateExamCheck.Outcome.DUPLICATE;
		Map<String, Object> card = new LinkedHashMap<>();
		card.put("uuid", UUID.randomUUID().toString());
		card.put("summary", text.summary(check, now));
		String detail = text.detail(check, now);
		if (detail != null) {
			card.put("detail", detail);
		}
		card.put("indicator", blocking ? "warning" : "info");
		card.put("source", SOURCE);
		String orderId = check.order().getIdElement().getIdPart();
		if (blocking && orderId != null) {
			card.put("suggestions", List.of(Map.of(
					"label", "Remove the " + check.finding().ordered().display() + " order and use the prior result",
					"uuid", UUID.randomUUID().toString(),
					"isRecommended", true,
					"actions", List.of(Map.of(
							"type", "delete",
							"description", "Remove the duplicate " + check.finding().ordered().display() + " order",
							"resourceId", List.of("ServiceRequest/" + orderId))))));
			card.put("selectionBehavior", "at-most-one");
		}
		if (blocking) {
			card.put("overrideReasons", OVERRIDE_REASONS.entrySet().stream()
					.map(e -> Map.of("system", OVERRIDE_REASON_SYSTEM, "code", e.getKey(), "display", e.getValue()))
					.toList());
		}
		card.put("links", links(check.finding().repeats().get(0), fhirBase));
		return card;
	}

	private Map<String, Object> info(OrderCheck check, Instant now) {
		Map<String, Object> card = new LinkedHashMap<>();
		card.put("uuid", UUID.randomUUID().toString());
		card.put("summary", text.summary(check, now));
		card.put("detail", "The regional duplicate-exam check needs every hospital exam code mapped to the regional "
				+ "catalogue. Ask the regional terminology team to add this code to the hospital's code map "
				+ "(ConceptMap or config/exams/code-maps).");
		card.put("indicator", "info");
		card.put("source", SOURCE);
		return card;
	}

	private static List<Map<String, Object>> links(PriorExam prior, String fhirBase) {
		List<Map<String, Object>> links = new ArrayList<>();
		if (prior.reportRef() != null) {
			links.add(Map.of("label", "Prior report", "url", fhirBase + "/" + prior.reportRef(), "type", "absolute"));
		}
		if (prior.imagesUrl() != null) {
			links.add(Map.of("label", "Prior images (DICOMweb)", "url", prior.imagesUrl(), "type", "absolute"));
		}
		if (prior.imagingStudyRef() != null) {
			links.add(Map.of("label", "Prior imaging study", "url", fhirBase + "/" + prior.imagingStudyRef(), "type", "absolute"));
		}
		if (links.isEmpty()) {
			links.add(Map.of("label", "Prior exam record", "url", fhirBase + "/" + prior.source(), "type", "absolute"));
		}
		return links;
	}

	private static Map<String, String> orderedMap(String... keysAndValues) {
		Map<String, String> map = new LinkedHashMap<>();
		for (int i = 0; i < keysAndValues.length; i += 2) {
			map.put(keysAndValues[i], keysAndValues[i + 1]);
		}
		return java.util.Collections.unmodifiableMap(map);
	}
}
