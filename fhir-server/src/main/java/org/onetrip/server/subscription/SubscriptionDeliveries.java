package org.onetrip.server.subscription;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Sends what {@link SubscriptionMatching} queued (table OT_SUBSCRIPTION_DELIVERY) to the subscribers' rest-hook
 * endpoints. A topic-based subscription (R4 Backport) gets a notification Bundle POSTed ({@link #notification}). A
 * classic one is sent as HAPI FHIR's rest-hook does: without a payload a POST to the endpoint with no body; with one a
 * PUT of the resource, as it was in that write, to {@code [endpoint]/[type]/[id]} (a DELETE there for a delete). Each
 * request carries the subscription's headers, {@code X-OneTrip-Subscription}, {@code X-OneTrip-Event} (the event's
 * number within its subscription, as in the Backport's notification: a receiver drops repeats by it, since delivery
 * is at least once) and {@code X-OneTrip-Delivery} (the queue row).
 * <p>
 * Any instance on the database may take any event: a claim leases rows for {@link #LEASE} ({@code FOR UPDATE SKIP
 * LOCKED}), so each is sent by one instance, and rows of an instance that died are taken again once their lease ends.
 * Events of one subscription go one at a time, in order; different subscriptions in parallel, so a receiver that
 * hangs holds one sender for at most {@link #REQUEST_TIMEOUT} and never the others. A failed send is tried again after
 * 1, 2, 4 ... seconds (at most {@link #MAX_BACK_OFF}), for ever; after {@link #FAILURES_BEFORE_ERROR} failures in a
 * row the Subscription shows status "error" with the reason, and "active" again after the next success.
 */
public class SubscriptionDeliveries implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(SubscriptionDeliveries.class);

	public enum Action { CREATE, UPDATE, DELETE }

	static final Duration LEASE = Duration.ofSeconds(30);
	static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
	static final Duration MAX_BACK_OFF = Duration.ofMinutes(5);
	static final int FAILURES_BEFORE_ERROR = 3;
	/**
	 * Events of one subscription sent per claim. A failure ends the batch, and so does half the lease having passed
	 * (the rest are released), so a batch never outlives its lease.
	 */
	private static final int PER_SUBSCRIPTION = 100;
	/** As many as one subscription's batch: a busy subscription's events are leased once, not leased and released. */
	private static final int CLAIM = PER_SUBSCRIPTION;
	private static final long IDLE_POLL_MS = 250;
	/** pg_advisory_xact_lock key of the claims ("OTSUBS" in ASCII). */
	private static final long CLAIM_LOCK = 0x4F5453554253L;

	private record Event(long id, String subscriptionId, String resourceType, String resourceId, String version, Action action,
			int attempts, Instant queuedAt, Long eventNumber, String body) {}

	private final JdbcTemplate jdbc;
	private final TransactionTemplate claims;
	private final DaoRegistry daos;
	private final FhirContext fhirContext;
	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
			.followRedirects(HttpClient.Redirect.NEVER).build();
	private final ExecutorService senders;
	private final Set<String> sending = ConcurrentHashMap.newKeySet();
	private final Semaphore wake = new Semaphore(0);
	private final Thread dispatcher;
	private final Counter delivered;
	private final Counter failed;
	private final Timer latency;
	private volatile boolean running = true;
	/** This server's FHIR base, for the fullUrl of resources in a notification Bundle. */
	private volatile String fhirBase = "http://localhost/fhir";

	public SubscriptionDeliveries(JdbcTemplate jdbc, PlatformTransactionManager transactions, DaoRegistry daos, FhirContext fhirContext,
			MeterRegistry meters, int senderThreads) {
		this.jdbc = jdbc;
		this.claims = new TransactionTemplate(transactions);
		this.claims.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
		this.daos = daos;
		this.fhirContext = fhirContext;
		jdbc.execute("CREATE TABLE IF NOT EXISTS OT_SUBSCRIPTION_DELIVERY (ID BIGSERIAL PRIMARY KEY, "
				+ "SUBSCRIPTION_ID VARCHAR(128) NOT NULL, RESOURCE_TYPE VARCHAR(64) NOT NULL, RESOURCE_ID VARCHAR(128) NOT NULL, "
				+ "VERSION VARCHAR(32), ACTION VARCHAR(8) NOT NULL, QUEUED_AT TIMESTAMP WITH TIME ZONE NOT NULL, "
				+ "NEXT_ATTEMPT_AT TIMESTAMP WITH TIME ZONE NOT NULL, ATTEMPTS INT NOT NULL, LEASED_UNTIL TIMESTAMP WITH TIME ZONE, "
				+ "LAST_ERROR VARCHAR(1000))");
		jdbc.execute("CREATE INDEX IF NOT EXISTS OT_SUBSCRIPTION_DELIVERY_DUE ON OT_SUBSCRIPTION_DELIVERY (NEXT_ATTEMPT_AT)");
		jdbc.execute("CREATE INDEX IF NOT EXISTS OT_SUBSCRIPTION_DELIVERY_OF ON OT_SUBSCRIPTION_DELIVERY (SUBSCRIPTION_ID, ID)");
		// A subscription's events are numbered as they are first sent, one sender at a time: 1, 2, 3 ... without gaps.
		jdbc.execute("ALTER TABLE OT_SUBSCRIPTION_DELIVERY ADD COLUMN IF NOT EXISTS EVENT_NUMBER BIGINT");
		// The resource as the write left it (JSON), kept with the event: sending it needs no read of the store.
		jdbc.execute("ALTER TABLE OT_SUBSCRIPTION_DELIVERY ADD COLUMN IF NOT EXISTS BODY TEXT");
		jdbc.execute("CREATE TABLE IF NOT EXISTS OT_SUBSCRIPTION_EVENTS (SUBSCRIPTION_ID VARCHAR(128) NOT NULL PRIMARY KEY, "
				+ "EVENTS BIGINT NOT NULL)");
		this.delivered = Counter.builder("onetrip.subscription.deliveries").tag("outcome", "delivered")
				.description("Subscription notifications sent, by outcome").register(meters);
		this.failed = Counter.builder("onetrip.subscription.deliveries").tag("outcome", "failed").register(meters);
		this.latency = Timer.builder("onetrip.subscription.delivery.latency")
				.description("From the write's commit (its event queued) to the receiver's 2xx").publishPercentiles(0.5, 0.99).register(meters);
		Gauge.builder("onetrip.subscription.queued", () -> count("SELECT COUNT(*) FROM OT_SUBSCRIPTION_DELIVERY"))
				.description("Notifications waiting to be sent (new, or to be tried again)").register(meters);
		Gauge.builder("onetrip.subscription.failing", () -> count("SELECT COUNT(DISTINCT SUBSCRIPTION_ID) FROM OT_SUBSCRIPTION_DELIVERY WHERE ATTEMPTS > 0"))
				.description("Subscriptions whose receiver refused or did not answer the last try").register(meters);
		this.senders = Executors.newFixedThreadPool(senderThreads, r -> {
			Thread thread = new Thread(r, "onetrip-subscription-sender");
			thread.setDaemon(true);
			return thread;
		});
		this.dispatcher = new Thread(this::dispatchLoop, "onetrip-subscription-dispatch");
		this.dispatcher.setDaemon(true);
		this.dispatcher.start();
	}

	/** In the write's transaction: the event exists if and only if the write commits. */
	void queue(String subscriptionId, IBaseResource resource, Action action, String json) {
		IdType id = (IdType) resource.getIdElement();
		jdbc.update("INSERT INTO OT_SUBSCRIPTION_DELIVERY (SUBSCRIPTION_ID, RESOURCE_TYPE, RESOURCE_ID, VERSION, ACTION, QUEUED_AT, "
				+ "NEXT_ATTEMPT_AT, ATTEMPTS, BODY) VALUES (?, ?, ?, ?, ?, now(), now(), 0, ?)", subscriptionId, resource.fhirType(),
				id.getIdPart(), id.getVersionIdPart(), action.name(), json);
	}

	/** After a commit that queued events: send them now rather than at the next poll. */
	void wake() {
		wake.release();
	}

	private void dispatchLoop() {
		while (running) {
			try {
				Map<String, List<Event>> due = claim();
				due.forEach((subscription, events) -> {
					sending.add(subscription);
					senders.execute(() -> {
						try {
							send(subscription, events);
						} finally {
							sending.remove(subscription);
							wake.release();
						}
					});
				});
				if (due.isEmpty()) {
					wake.tryAcquire(IDLE_POLL_MS, TimeUnit.MILLISECONDS);
					wake.drainPermits();
				}
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				return;
			} catch (RuntimeException e) {
				if (running) {
					log.warn("Subscription deliveries not claimed ({}); trying again in a second", e.getMessage());
					sleepQuietly(1000);
				}
			}
		}
	}

	/**
	 * Leases due events of subscriptions no instance is sending (no leased row), at most a few per subscription. Claims
	 * of all instances are taken one at a time (a transaction-scoped advisory lock), so two instances never send events
	 * of one subscription at once, which keeps them in order.
	 */
	private Map<String, List<Event>> claim() {
		List<Event> claimed = claims.execute(tx -> {
			jdbc.queryForList("SELECT pg_advisory_xact_lock(?)", CLAIM_LOCK);
			// Due, not leased, no other instance sending this subscription, and no earlier event of it waiting to be tried
			// again (a later event never overtakes one that is backing off).
			List<Event> leased = jdbc.query("UPDATE OT_SUBSCRIPTION_DELIVERY SET LEASED_UNTIL = ? WHERE ID IN (SELECT d.ID FROM "
					+ "OT_SUBSCRIPTION_DELIVERY d WHERE d.NEXT_ATTEMPT_AT <= now() AND (d.LEASED_UNTIL IS NULL OR d.LEASED_UNTIL < now()) "
					+ "AND d.SUBSCRIPTION_ID NOT IN (SELECT SUBSCRIPTION_ID FROM OT_SUBSCRIPTION_DELIVERY WHERE LEASED_UNTIL >= now()) "
					+ "AND NOT EXISTS (SELECT 1 FROM OT_SUBSCRIPTION_DELIVERY e WHERE e.SUBSCRIPTION_ID = d.SUBSCRIPTION_ID "
					+ "AND e.ID < d.ID AND e.NEXT_ATTEMPT_AT > now()) "
					+ "ORDER BY d.ID LIMIT " + CLAIM + " FOR UPDATE OF d SKIP LOCKED) "
					+ "RETURNING ID, SUBSCRIPTION_ID, RESOURCE_TYPE, RESOURCE_ID, VERSION, ACTION, ATTEMPTS, QUEUED_AT, EVENT_NUMBER, BODY",
					(rs, i) -> new Event(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
							Action.valueOf(rs.getString(6)), rs.getInt(7), rs.getTimestamp(8).toInstant(), (Long) rs.getObject(9),
							rs.getString(10)),
					Timestamp.from(Instant.now().plus(LEASE)));
			return numbered(leased);
		});
		Map<String, List<Event>> bySubscription = new LinkedHashMap<>();
		List<Long> later = new ArrayList<>();
		claimed.stream().sorted(java.util.Comparator.comparingLong(Event::id)).forEach(event -> {
			List<Event> events = bySubscription.computeIfAbsent(event.subscriptionId(), s -> new ArrayList<>());
			if (events.size() < PER_SUBSCRIPTION && !sending.contains(event.subscriptionId())) {
				events.add(event);
			} else {
				later.add(event.id());
			}
		});
		bySubscription.values().removeIf(List::isEmpty);
		release(later);
		return bySubscription;
	}

	/**
	 * Gives the claimed events that have none their numbers within their subscription, in queue order, in the claim's
	 * transaction: one counter update per subscription, one update of the rows. A subscription's events are claimed in
	 * queue order and sent in that order, so the numbers go 1, 2, 3 ... in the order receivers get them.
	 */
	private List<Event> numbered(List<Event> leased) {
		Map<String, List<Event>> unnumbered = new LinkedHashMap<>();
		leased.stream().filter(e -> e.eventNumber() == null).sorted(java.util.Comparator.comparingLong(Event::id))
				.forEach(e -> unnumbered.computeIfAbsent(e.subscriptionId(), k -> new ArrayList<>()).add(e));
		if (unnumbered.isEmpty()) {
			return leased;
		}
		Map<Long, Long> numbers = new java.util.HashMap<>();
		unnumbered.forEach((subscription, events) -> {
			Long last = jdbc.queryForObject("INSERT INTO OT_SUBSCRIPTION_EVENTS (SUBSCRIPTION_ID, EVENTS) VALUES (?, ?) ON CONFLICT "
					+ "(SUBSCRIPTION_ID) DO UPDATE SET EVENTS = OT_SUBSCRIPTION_EVENTS.EVENTS + EXCLUDED.EVENTS RETURNING EVENTS",
					Long.class, subscription, (long) events.size());
			for (int i = 0; i < events.size(); i++) {
				numbers.put(events.get(i).id(), last - events.size() + 1 + i);
			}
		});
		jdbc.batchUpdate("UPDATE OT_SUBSCRIPTION_DELIVERY SET EVENT_NUMBER = ? WHERE ID = ?",
				numbers.entrySet().stream().map(n -> new Object[] {n.getValue(), n.getKey()}).toList());
		return leased.stream().map(e -> e.eventNumber() != null ? e : new Event(e.id(), e.subscriptionId(), e.resourceType(),
				e.resourceId(), e.version(), e.action(), e.attempts(), e.queuedAt(), numbers.get(e.id()), e.body())).toList();
	}

	private void release(List<Long> ids) {
		if (!ids.isEmpty()) {
			jdbc.update("UPDATE OT_SUBSCRIPTION_DELIVERY SET LEASED_UNTIL = NULL WHERE ID IN ("
					+ String.join(", ", java.util.Collections.nCopies(ids.size(), "?")) + ")", ids.toArray());
		}
	}

	/** One subscription's events, in order; the first failure puts this and the rest off together. */
	private void send(String subscriptionId, List<Event> events) {
		Subscription subscription;
		try {
			subscription = daos.getResourceDao(Subscription.class).read(new IdType("Subscription", subscriptionId), new SystemRequestDetails());
		} catch (ResourceNotFoundException | ResourceGoneException e) {
			forget(events, "the subscription was deleted");
			return;
		} catch (RuntimeException e) {
			putOff(events, events.get(0).attempts(), "the subscription could not be read: " + e.getMessage(), null);
			return;
		}
		if (subscription.getStatus() == Subscription.SubscriptionStatus.OFF) {
			forget(events, "the subscription is off");
			return;
		}
		long started = System.nanoTime();
		List<Long> sent = new ArrayList<>();
		try {
			for (int i = 0; i < events.size(); i++) {
				if (System.nanoTime() - started > LEASE.toNanos() / 2) {
					release(events.subList(i, events.size()).stream().map(Event::id).toList());
					return;
				}
				Event event = events.get(i);
				String problem;
				try {
					problem = sendOne(subscription, event);
				} catch (RuntimeException e) {
					problem = e.getClass().getSimpleName() + ": " + e.getMessage();
				}
				if (problem != null) {
					failed.increment();
					putOff(events.subList(i, events.size()), event.attempts() + 1, problem, subscription);
					return;
				}
				sent.add(event.id());
				delivered.increment();
				latency.record(Duration.between(event.queuedAt(), Instant.now()));
			}
		} finally {
			// One statement (one commit) for the batch: were the process to die before it, these are sent again (a receiver
			// drops repeats by X-OneTrip-Event), never lost.
			forgetSent(sent);
		}
		if (subscription.getStatus() == Subscription.SubscriptionStatus.ERROR) {
			setStatus(subscription, Subscription.SubscriptionStatus.ACTIVE, null);
		}
	}

	private void forgetSent(List<Long> ids) {
		if (!ids.isEmpty()) {
			jdbc.update("DELETE FROM OT_SUBSCRIPTION_DELIVERY WHERE ID IN ("
					+ String.join(", ", java.util.Collections.nCopies(ids.size(), "?")) + ")", ids.toArray());
		}
	}

	/** Null when the receiver answered 2xx, else what went wrong. */
	private String sendOne(Subscription subscription, Event event) {
		String endpoint = subscription.getChannel().getEndpoint();
		String payload = subscription.getChannel().getPayload();
		long eventNumber = event.eventNumber();
		HttpRequest.Builder request;
		if (Backport.isTopicBased(subscription)) {
			boolean xml = payload.contains("xml");
			Bundle notification = notification(subscription, event, eventNumber);
			String body = (xml ? fhirContext.newXmlParser() : fhirContext.newJsonParser()).encodeResourceToString(notification);
			request = HttpRequest.newBuilder(URI.create(endpoint)).POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", payload);
		} else if (payload == null || payload.isBlank()) {
			request = HttpRequest.newBuilder(URI.create(endpoint)).POST(HttpRequest.BodyPublishers.noBody());
		} else {
			URI target = URI.create(endpoint.replaceAll("/+$", "") + "/" + event.resourceType() + "/" + event.resourceId());
			if (event.action() == Action.DELETE) {
				request = HttpRequest.newBuilder(target).DELETE();
			} else {
				boolean xml = payload.contains("xml");
				String body = xml ? fhirContext.newXmlParser().encodeResourceToString(resourceOf(event)) : jsonOf(event);
				request = HttpRequest.newBuilder(target).PUT(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", payload);
			}
		}
		for (StringType header : subscription.getChannel().getHeader()) {
			int colon = header.getValue().indexOf(':');
			request.header(header.getValue().substring(0, colon).trim(), header.getValue().substring(colon + 1).trim());
		}
		request.header("X-OneTrip-Subscription", "Subscription/" + subscription.getIdElement().getIdPart())
				.header("X-OneTrip-Delivery", Long.toString(event.id()))
				.header("X-OneTrip-Event", Long.toString(eventNumber)).timeout(REQUEST_TIMEOUT);
		try {
			HttpResponse<Void> response = http.send(request.build(), HttpResponse.BodyHandlers.discarding());
			return response.statusCode() / 100 == 2 ? null : "the receiver answered " + response.statusCode();
		} catch (java.net.http.HttpTimeoutException e) {
			return "the receiver did not answer within " + REQUEST_TIMEOUT.toSeconds() + " s";
		} catch (java.io.IOException e) {
			// A refused connection says nothing but its class ("null" as a message): name the class then.
			return "the receiver could not be reached (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")";
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			return "OneTrip is stopping";
		}
	}

	/**
	 * The Backport's notification (R4): a history Bundle whose first entry is the subscription's status (Parameters,
	 * type event-notification, the event's number and focus), then the focus resource as that write left it when the
	 * payload content is full-resource.
	 */
	private Bundle notification(Subscription subscription, Event event, long eventNumber) {
		String content = Backport.payloadContent(subscription);
		Parameters status = new Parameters();
		status.setId(java.util.UUID.randomUUID().toString());
		status.getMeta().addProfile(Backport.STATUS_PROFILE);
		status.addParameter().setName("subscription").setValue(new Reference("Subscription/" + subscription.getIdElement().getIdPart()));
		status.addParameter().setName("topic").setValue(new CanonicalType(subscription.getCriteria()));
		status.addParameter().setName("status").setValue(new CodeType(subscription.getStatus() == null ? "active"
				: subscription.getStatus().toCode()));
		status.addParameter().setName("type").setValue(new CodeType("event-notification"));
		status.addParameter().setName("events-since-subscription-start").setValue(new StringType(Long.toString(eventNumber)));
		Parameters.ParametersParameterComponent notified = status.addParameter().setName("notification-event");
		notified.addPart().setName("event-number").setValue(new StringType(Long.toString(eventNumber)));
		notified.addPart().setName("timestamp").setValue(new InstantType(java.util.Date.from(event.queuedAt())));
		String focus = event.resourceType() + "/" + event.resourceId();
		if (!"empty".equals(content)) {
			notified.addPart().setName("focus").setValue(new Reference(fhirBase + "/" + focus));
		}
		Bundle bundle = new Bundle().setType(Bundle.BundleType.HISTORY);
		bundle.setId(java.util.UUID.randomUUID().toString());
		bundle.setTimestamp(new java.util.Date());
		bundle.addEntry().setFullUrl("urn:uuid:" + status.getId()).setResource(status)
				.setRequest(new Bundle.BundleEntryRequestComponent().setMethod(Bundle.HTTPVerb.GET)
						.setUrl("Subscription/" + subscription.getIdElement().getIdPart() + "/$status"))
				.setResponse(new Bundle.BundleEntryResponseComponent().setStatus("200"));
		if ("full-resource".equals(content)) {
			IBaseResource resource = resourceOf(event);
			bundle.addEntry().setFullUrl(fhirBase + "/" + focus).setResource((org.hl7.fhir.r4.model.Resource) resource)
					.setRequest(new Bundle.BundleEntryRequestComponent()
							.setMethod(event.action() == Action.CREATE ? Bundle.HTTPVerb.POST : Bundle.HTTPVerb.PUT)
							.setUrl(event.action() == Action.CREATE ? event.resourceType() : focus))
					.setResponse(new Bundle.BundleEntryResponseComponent().setStatus(event.action() == Action.CREATE ? "201" : "200"));
		}
		return bundle;
	}

	/** The resource as the event's write left it: kept with the event, else (an older row) a versioned read. */
	private IBaseResource resourceOf(Event event) {
		return event.body() != null ? fhirContext.newJsonParser().parseResource(event.body())
				: daos.getResourceDao(event.resourceType())
						.read(new IdType(event.resourceType(), event.resourceId(), event.version()), new SystemRequestDetails());
	}

	private String jsonOf(Event event) {
		return event.body() != null ? event.body() : fhirContext.newJsonParser().encodeResourceToString(resourceOf(event));
	}

	/** Where this server's FHIR endpoint is, as receivers reach it (the public URL, else the address it listens on). */
	void fhirBase(String base) {
		this.fhirBase = base.replaceAll("/+$", "");
	}

	private void putOff(List<Event> events, int attempts, String problem, Subscription subscription) {
		long backOffMs = Math.min(MAX_BACK_OFF.toMillis(), 1000L << Math.min(20, Math.max(0, attempts - 1)));
		Timestamp next = Timestamp.from(Instant.now().plusMillis(backOffMs));
		jdbc.update("UPDATE OT_SUBSCRIPTION_DELIVERY SET ATTEMPTS = ?, NEXT_ATTEMPT_AT = ?, LEASED_UNTIL = NULL, LAST_ERROR = ? WHERE ID = ?",
				attempts, next, truncate(problem), events.get(0).id());
		release(events.subList(1, events.size()).stream().map(Event::id).toList());
		log.info("Subscription/{}: delivery {} failed ({}), try {} again in {} ms", events.get(0).subscriptionId(), events.get(0).id(),
				problem, attempts + 1, backOffMs);
		if (subscription != null && attempts >= FAILURES_BEFORE_ERROR && subscription.getStatus() != Subscription.SubscriptionStatus.ERROR) {
			setStatus(subscription, Subscription.SubscriptionStatus.ERROR, "The last " + attempts + " tries failed; the last one: " + problem
					+ ". OneTrip keeps trying (at most every 5 minutes), nothing is dropped");
		}
	}

	private void forget(List<Event> events, String why) {
		log.info("Subscription/{}: {} queued notification(s) dropped: {}", events.get(0).subscriptionId(), events.size(), why);
		jdbc.update("DELETE FROM OT_SUBSCRIPTION_DELIVERY WHERE SUBSCRIPTION_ID = ?", events.get(0).subscriptionId());
	}

	private void setStatus(Subscription subscription, Subscription.SubscriptionStatus status, String error) {
		try {
			Subscription current = daos.getResourceDao(Subscription.class).read(subscription.getIdElement().toUnqualifiedVersionless(),
					new SystemRequestDetails());
			if (current.getStatus() == Subscription.SubscriptionStatus.OFF) {
				return; // switched off meanwhile: that is the subscriber's word
			}
			current.setStatus(status);
			current.setError(error);
			daos.getResourceDao(Subscription.class).update(current, new SystemRequestDetails());
			subscription.setStatus(status);
		} catch (RuntimeException e) {
			log.warn("Subscription/{} status not set to {}: {}", subscription.getIdElement().getIdPart(), status.toCode(), e.getMessage());
		}
	}

	private double count(String sql) {
		try {
			Long n = jdbc.queryForObject(sql, Long.class);
			return n == null ? 0 : n;
		} catch (RuntimeException e) {
			return Double.NaN;
		}
	}

	private static String truncate(String text) {
		return text == null || text.length() <= 1000 ? text : text.substring(0, 1000);
	}

	private static void sleepQuietly(long ms) {
		try {
			Thread.sleep(ms);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public void close() {
		running = false;
		dispatcher.interrupt();
		senders.shutdownNow();
	}
}
