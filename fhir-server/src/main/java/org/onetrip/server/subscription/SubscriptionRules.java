package org.onetrip.server.subscription;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.searchparam.matcher.InMemoryMatchResult;
import ca.uhn.fhir.jpa.searchparam.matcher.InMemoryResourceMatcher;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Subscription;

/**
 * What a Subscription must be before it is stored (422 with the reason, nothing stored otherwise): a criteria that
 * names a resource type and can be matched against each write as it happens (or a {@link Topic} OneTrip publishes, with
 * such filters and a payload content), a rest-hook channel to an http(s)
 * endpoint (not an address inside the operator's network when the operator forbade it), a payload OneTrip can send,
 * headers of the form "Name: value". A client's "requested" (or a failing subscription it rewrites) becomes "active";
 * "off" stays off. Only OneTrip's delivery sets "error".
 */
@Interceptor
public class SubscriptionRules {

	static final Set<String> PAYLOADS = Set.of("application/fhir+json", "application/json", "application/fhir+xml", "application/xml");

	private final FhirContext fhirContext;
	private final InMemoryResourceMatcher matcher;
	private final boolean forbidInternalEndpoints;

	public SubscriptionRules(FhirContext fhirContext, InMemoryResourceMatcher matcher, boolean forbidInternalEndpoints) {
		this.fhirContext = fhirContext;
		this.matcher = matcher;
		this.forbidInternalEndpoints = forbidInternalEndpoints;
	}

	@Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
	public void creating(IBaseResource resource, RequestDetails request) {
		if (resource instanceof Subscription subscription) {
			check(subscription, request);
		}
	}

	@Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
	public void updating(IBaseResource previous, IBaseResource resource, RequestDetails request) {
		if (resource instanceof Subscription subscription) {
			check(subscription, request);
		}
	}

	private void check(Subscription subscription, RequestDetails request) {
		String criteria = subscription.getCriteria();
		if (criteria == null || criteria.isBlank()) {
			throw refused("Subscription.criteria is required: a search such as DiagnosticReport?status=final, or the URL of a topic ("
					+ topics() + ")");
		}
		if (Backport.isTopicBased(subscription)) {
			checkTopic(subscription, criteria);
		} else {
			String type = criteria.contains("?") ? criteria.substring(0, criteria.indexOf('?')) : criteria;
			if (!fhirContext.getResourceTypes().contains(type)) {
				throw refused("Subscription.criteria '" + criteria + "' does not start with a resource type");
			}
			checkMatchable("Subscription.criteria", criteria);
		}
		Subscription.SubscriptionChannelComponent channel = subscription.getChannel();
		if (channel.getType() != Subscription.SubscriptionChannelType.RESTHOOK) {
			throw refused("OneTrip delivers rest-hook subscriptions; channel.type is "
					+ (channel.getType() == null ? "missing" : channel.getType().toCode()));
		}
		checkEndpoint(channel.getEndpoint());
		if (channel.hasPayload() && !PAYLOADS.contains(channel.getPayload())) {
			throw refused("channel.payload '" + channel.getPayload() + "' is not one OneTrip sends: " + String.join(", ", PAYLOADS)
					+ ", or none (a notification without a body)");
		}
		for (StringType header : channel.getHeader()) {
			if (header.getValue() == null || !header.getValue().matches("[A-Za-z0-9-]+:\\s*\\S.*")) {
				throw refused("channel.header '" + header.getValue() + "' is not of the form 'Name: value'");
			}
		}
		boolean oneTripsOwn = request == null || request instanceof SystemRequestDetails;
		if (!oneTripsOwn && subscription.getStatus() != Subscription.SubscriptionStatus.OFF) {
			subscription.setStatus(Subscription.SubscriptionStatus.ACTIVE);
			subscription.setError(null);
		}
	}

	/** A topic OneTrip publishes, filters on its resource that can be matched as each write happens, a payload content. */
	private void checkTopic(Subscription subscription, String url) {
		Topic topic = Topic.byUrl(url).orElseThrow(() -> refused("Subscription.criteria names the topic '" + url
				+ "', which OneTrip does not publish; it publishes " + topics()));
		for (String filter : Backport.filters(subscription)) {
			if (filter == null || !filter.startsWith(topic.resourceType() + "?")) {
				throw refused("The filter criteria '" + filter + "' must be a search on the topic's resource, " + topic.resourceType()
						+ "?...");
			}
			checkMatchable("The filter criteria", filter);
		}
		String content = Backport.payloadContent(subscription);
		if (!Backport.PAYLOAD_CONTENTS.contains(content)) {
			throw refused("The payload content '" + content + "' is none of " + String.join(", ", Backport.PAYLOAD_CONTENTS));
		}
		if (!subscription.getChannel().hasPayload()) {
			throw refused("channel.payload (the notification's MIME type, e.g. application/fhir+json) is required for a topic");
		}
	}

	private void checkMatchable(String what, String search) {
		InMemoryMatchResult matchable;
		try {
			matchable = matcher.canBeEvaluatedInMemory(search);
		} catch (RuntimeException e) {
			throw refused(what + " '" + search + "' does not parse: " + e.getMessage());
		}
		if (!matchable.supported()) {
			throw refused(what + " '" + search + "' cannot be matched as each resource is written: " + matchable.getUnsupportedReason());
		}
	}

	private static String topics() {
		return java.util.Arrays.stream(Topic.values()).map(Topic::url).collect(java.util.stream.Collectors.joining(", "));
	}

	private void checkEndpoint(String endpoint) {
		URI uri;
		try {
			uri = endpoint == null ? null : new URI(endpoint);
		} catch (java.net.URISyntaxException e) {
			throw refused("channel.endpoint '" + endpoint + "' is not a URL: " + e.getMessage());
		}
		if (uri == null || uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
			throw refused("channel.endpoint '" + endpoint + "' must be an http:// or https:// URL");
		}
		if (forbidInternalEndpoints) {
			try {
				for (InetAddress address : InetAddress.getAllByName(uri.getHost())) {
					if (address.isLoopbackAddress() || address.isSiteLocalAddress() || address.isLinkLocalAddress()
							|| address.isAnyLocalAddress()) {
						throw refused("channel.endpoint '" + endpoint + "' is inside this server's network (" + address.getHostAddress()
								+ "), which the operator forbade (onetrip.subscriptions.forbid-internal-endpoints)");
					}
				}
			} catch (UnknownHostException e) {
				throw refused("channel.endpoint '" + endpoint + "': the host " + uri.getHost() + " is not known");
			}
		}
	}

	private static UnprocessableEntityException refused(String reason) {
		return new UnprocessableEntityException(reason);
	}
}
