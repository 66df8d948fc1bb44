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
import org.onetrip.server.identity.PersonResolver;
import org.onetrip.server.security.Ownership;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The subscriptions that match writes (status active or error: a failing one keeps collecting what its receiver will
 * get when it recovers), by the resource type they are about. Read from the store every {@link #REFRESH_SECONDS} seconds and
 * at once after a Subscription is written here, so another instance's new subscription matches within that time.
 */
public class ActiveSubscriptions implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(ActiveSubscriptions.class);
	static final int REFRESH_SECONDS = 2;

	/**
	 * @param hospital the owning hospital (whose systems' reach applies), null for the region's
	 * @param patient  for a patient app's own subscription the Patient whose token made it (only that person's
	 *                 records are delivered), else null
	 * @param topic    for a topic-based subscription its topic, and {@code criteria} its filters (all must match), with
	 *                 a patient filter widened to every record of the person; null for a classic one (criteria: one search)
	 */
	public record Active(String id, String resourceType, List<String> criteria, String hospital, Topic topic, String patient) {}

	private final DaoRegistry daos;
	private final PersonResolver persons;
	private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
		Thread thread = new Thread(r, "onetrip-subscriptions");
		thread.setDaemon(true);
		return thread;
	});
	private volatile Map<String, List<Active>> byType = Map.of();

	public ActiveSubscriptions(DaoRegistry daos, PersonResolver persons) {
		this.daos = daos;
		this.persons = persons;
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
				String id = subscription.getIdElement().getIdPart();
				String hospital = Ownership.tagged(subscription).orElse(null);
				String patient = Ownership.subscriberPatient(subscription).orElse(null);
				String criteria = subscription.getCriteria();
				Active one;
				if (Backport.isTopicBased(subscription)) {
					Topic topic = Topic.byUrl(criteria).orElse(null);
					if (topic == null) {
						continue; // refused when written; only a topic withdrawn since could be unknown
					}
					one = new Active(id, topic.resourceType(), Backport.filters(subscription).stream().map(this::wholePerson).toList(),
							hospital, topic, patient);
				} else {
					String type = criteria.contains("?") ? criteria.substring(0, criteria.indexOf('?')) : criteria;
					one = new Active(id, type, List.of(criteria), hospital, null, patient);
				}
				next.computeIfAbsent(one.resourceType(), t -> new ArrayList<>()).add(one);
			}
			byType = Map.copyOf(next);
		} catch (RuntimeException e) {
			log.warn("Subscriptions not read again ({}); the last ones read still match", e.getMessage());
		}
	}

	/**
	 * A filter on patient= or subject= Patient/X means the person, not one hospital's record of them: X's linked
	 * records are added (ImagingStudy?patient=Patient/A also matches the study that landed on B's record of A's person).
	 */
	String wholePerson(String filter) {
		int query = filter.indexOf('?');
		if (query < 0) {
			return filter;
		}
		List<String> params = new ArrayList<>();
		for (String param : filter.substring(query + 1).split("&")) {
			int equals = param.indexOf('=');
			String name = equals < 0 ? param : param.substring(0, equals);
			if (equals > 0 && ("patient".equals(name) || "subject".equals(name) || "subject:Patient".equals(name))) {
				java.util.LinkedHashSet<String> records = new java.util.LinkedHashSet<>();
				for (String value : param.substring(equals + 1).split(",")) {
					String patientId = value.startsWith("Patient/") ? value.substring("Patient/".length()) : value;
					records.add("Patient/" + patientId);
					if (!patientId.contains("/")) {
						persons.byPatientId(patientId).forEach(r -> records.add("Patient/" + r));
					}
				}
				params.add(name + "=" + String.join(",", records));
			} else {
				params.add(param);
			}
		}
		return filter.substring(0, query + 1) + String.join("&", params);
	}

	@Override
	public void close() {
		refresher.shutdownNow();
	}
}
