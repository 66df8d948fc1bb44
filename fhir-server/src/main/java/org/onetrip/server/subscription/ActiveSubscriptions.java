package org.onetrip.server.subscription;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.hl7.fhir.r4.model.Subscription;
import org.onetrip.server.security.Ownership;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The subscriptions that match writes (status active or error: a failing one keeps collecting what its receiver will
 * get when it recovers), by criteria resource type. Read from the store every {@link #REFRESH_SECONDS} seconds and
 * at once after a Subscription is written here, so another instance's new subscription matches within that time.
 */
public class ActiveSubscriptions implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(ActiveSubscriptions.class);
	static final int REFRESH_SECONDS = 2;

	/** @param hospital the owning hospital (whose systems' reach applies), null for the region's */
	public record Active(String id, String resourceType, String criteria, String hospital) {}

	private final DaoRegistry daos;
	private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
		Thread thread = new Thread(r, "onetrip-subscriptions");
		thread.setDaemon(true);
		return thread;
	});
	private volatile Map<String, List<Active>> byType = Map.of();

	public ActiveSubscriptions(DaoRegistry daos) {
		this.daos = daos;
		refresher.scheduleWithFixedDelay(this::refresh, 0, REFRESH_SECONDS, TimeUnit.SECONDS);
	}

	public List<Active> of(String resourceType) {
		return byType.getOrDefault(resourceType, List.of());
	}

	public boolean isEmpty() {
		return byType.isEmpty();
	}

	/** After a Subscription write committed here: read them again now rather than at the next refresh. */
	void changed() {
		refresher.execute(this::refresh);
	}

	void refresh() {
		try {
			TokenOrListParam matching = new TokenOrListParam().add(null, "active").add(null, "error");
			List<Subscription> found = daos.getResourceDao(Subscription.class)
					.searchForResources(SearchParameterMap.newSynchronous().add(Subscription.SP_STATUS, matching), new SystemRequestDetails());
			Map<String, List<Active>> next = new HashMap<>();
			for (Subscription subscription : found) {
				String criteria = subscription.getCriteria();
				String type = criteria.contains("?") ? criteria.substring(0, criteria.indexOf('?')) : criteria;
				next.computeIfAbsent(type, t -> new ArrayList<>()).add(new Active(subscription.getIdElement().getIdPart(), type, criteria,
						Ownership.tagged(subscription).orElse(null)));
			}
			byType = Map.copyOf(next);
		} catch (RuntimeException e) {
			log.warn("Subscriptions not read again ({}); the last ones read still match", e.getMessage());
		}
	}

	@Override
	public void close() {
		refresher.shutdownNow();
	}
}
