package org.onetrip.server.subscription;

import java.util.List;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Subscription;

/** The R4 Subscriptions Backport's extensions on a Subscription, read in one place. */
final class Backport {

	static final String SUBSCRIPTION_PROFILE = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription";
	static final String STATUS_PROFILE =
			"http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4";
	static final String FILTER_CRITERIA = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-filter-criteria";
	static final String PAYLOAD_CONTENT = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content";
	static final List<String> PAYLOAD_CONTENTS = List.of("empty", "id-only", "full-resource");

	private Backport() {}

	/** A topic-based subscription names a topic's canonical URL where a classic one has a search. */
	static boolean isTopicBased(Subscription subscription) {
		String criteria = subscription.getCriteria();
		return criteria != null && (criteria.startsWith("http://") || criteria.startsWith("https://") || criteria.startsWith("urn:"));
	}

	static List<String> filters(Subscription subscription) {
		return subscription.getCriteriaElement().getExtensionsByUrl(FILTER_CRITERIA).stream()
				.map(e -> e.getValue() == null ? null : e.getValue().primitiveValue()).toList();
	}

	/** full-resource, id-only or empty; the IG's default is empty. */
	static String payloadContent(Subscription subscription) {
		Extension content = subscription.getChannel().getPayloadElement().getExtensionByUrl(PAYLOAD_CONTENT);
		return content == null || content.getValue() == null ? "empty" : content.getValue().primitiveValue();
	}
}
