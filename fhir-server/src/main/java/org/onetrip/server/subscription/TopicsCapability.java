package org.onetrip.server.subscription;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.CapabilityStatement;

/**
 * The CapabilityStatement names the topics OneTrip publishes (the R4 Backport's subscriptiontopic-canonical extension
 * on the Subscription resource) and the Backport profile it supports, so a client finds them without reading the code.
 */
@Interceptor
public class TopicsCapability {

	static final String TOPIC_CANONICAL =
			"http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/capabilitystatement-subscriptiontopic-canonical";

	@Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
	public void describeTopics(IBaseConformance statement) {
		if (!(statement instanceof CapabilityStatement capabilities) || capabilities.getRest().isEmpty()) {
			return;
		}
		capabilities.getRestFirstRep().getResource().stream().filter(r -> "Subscription".equals(r.getType())).findFirst()
				.ifPresent(subscription -> {
					subscription.getExtension().removeIf(e -> TOPIC_CANONICAL.equals(e.getUrl()));
					for (Topic topic : Topic.values()) {
						subscription.addExtension(TOPIC_CANONICAL, new CanonicalType(topic.url()));
					}
					if (subscription.getSupportedProfile().stream().noneMatch(p -> Backport.SUBSCRIPTION_PROFILE.equals(p.getValue()))) {
						subscription.addSupportedProfile(Backport.SUBSCRIPTION_PROFILE);
					}
				});
	}
}
