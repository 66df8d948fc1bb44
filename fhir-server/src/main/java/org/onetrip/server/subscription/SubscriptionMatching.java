package org.onetrip.server.subscription;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.searchparam.matcher.SearchParamMatcher;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.onetrip.server.export.HospitalReach;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Every created, updated or deleted resource, in its own database transaction, against the active subscriptions of
 * its type (a classic one's criteria; a topic-based one's event and filters): a match the subscriber may receive
 * (a hospital's systems: {@link HospitalReach}; a patient's app: its person's records) becomes a delivery row in the same
 * transaction, so an event exists exactly when its write committed, survives a crash, and is delivered by whichever
 * instance takes it ({@link SubscriptionDeliveries}). A write with no subscription of its type costs one map lookup.
 */
@Interceptor
public class SubscriptionMatching {

	private static final Logger log = LoggerFactory.getLogger(SubscriptionMatching.class);

	private final ActiveSubscriptions subscriptions;
	private final SearchParamMatcher matcher;
	private final HospitalReach reach;
	private final SubscriptionDeliveries deliveries;
	private final ca.uhn.fhir.context.FhirContext fhirContext;

	public SubscriptionMatching(ActiveSubscriptions subscriptions, SearchParamMatcher matcher, HospitalReach reach,
			SubscriptionDeliveries deliveries, ca.uhn.fhir.context.FhirContext fhirContext) {
		this.fhirContext = fhirContext;
		this.subscriptions = subscriptions;
		this.matcher = matcher;
		this.reach = reach;
		this.deliveries = deliveries;
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
	public void created(IBaseResource resource, RequestDetails request) {
		written(null, resource, SubscriptionDeliveries.Action.CREATE, request);
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
	public void updated(IBaseResource previous, IBaseResource resource, RequestDetails request) {
		written(previous, resource, SubscriptionDeliveries.Action.UPDATE, request);
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
	public void deleted(IBaseResource resource, RequestDetails request) {
		written(resource, resource, SubscriptionDeliveries.Action.DELETE, request);
	}

	/** @param before the version this write replaced (null for a create; for a delete the deleted resource itself) */
	private void written(IBaseResource before, IBaseResource resource, SubscriptionDeliveries.Action action, RequestDetails request) {
		if ("Subscription".equals(resource.fhirType())) {
			afterCommit(subscriptions::changed);
		}
		boolean queued = false;
		String json = null; // encoded once, when the first subscription matches
		for (ActiveSubscriptions.Active subscription : subscriptions.of(resource.fhirType())) {
			if (!reach.reaches(subscription.hospital(), resource)
					|| subscription.patient() != null && !reach.reachesPerson(subscription.patient(), resource)) {
				continue;
			}
			boolean matched;
			try {
				if (subscription.topic() != null && (action == SubscriptionDeliveries.Action.DELETE
						|| !subscription.topic().isEvent(before, resource))) {
					continue;
				}
				RequestDetails matching = request == null ? new SystemRequestDetails() : request;
				matched = subscription.criteria().stream().allMatch(search -> matcher.match(search, resource, matching).matched());
			} catch (RuntimeException e) {
				log.warn("Subscription/{} criteria {} not matched against {}: {}", subscription.id(), subscription.criteria(),
						resource.getIdElement().toUnqualifiedVersionless(), e.getMessage());
				continue;
			}
			if (matched) {
				if (json == null && action != SubscriptionDeliveries.Action.DELETE) {
					json = fhirContext.newJsonParser().encodeResourceToString(resource);
				}
				deliveries.queue(subscription.id(), resource, action, json);
				queued = true;
			}
		}
		if (queued) {
			afterCommit(deliveries::wake);
		}
	}

	private static void afterCommit(Runnable action) {
		if (TransactionSynchronizationManager.isSynchronizationActive()) {
			TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
				@Override
				public void afterCommit() {
					action.run();
				}
			});
		} else {
			action.run();
		}
	}
}
