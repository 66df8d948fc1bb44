package org.onetrip.server.scheduling;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Slot;
import org.onetrip.server.hapi.StoredResources;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;

/**
 * Keeps {@code Slot.status} in step with the ledger: busy when every place is taken, free again when one is
 * given back (a cancellation, a lapsed hold). The ledger decides bookings; this only tells readers of Slot
 * resources, shortly after the commit, so a booking storm on a hot slot never waits on a Slot write. Slots a
 * person set to busy-unavailable or entered-in-error are left alone.
 * <p>
 * Each slot's status is remembered with the version it was read or written at, and the versions of a round's slots are
 * looked up in one statement: a slot nobody else wrote since is not read through HAPI again (in a booking storm that
 * read, one per booked slot, was a third of this thread's time; bench/HISTORY.md, 2026-12-03 stop 38).
 */
public class SlotStatusSync implements DisposableBean {

	private static final Logger log = LoggerFactory.getLogger(SlotStatusSync.class);
	private static final int KNOWN_SLOTS = 100_000;

	private final SlotLedger ledger;
	private final DaoRegistry daoRegistry;
	private final StoredResources stored;
	/**
	 * Slot id -> its status at a version: what this worker last read or wrote (only this worker touches it), the most
	 * recently used {@value #KNOWN_SLOTS} (a forgotten one is read again when it next changes).
	 */
	private final Map<String, KnownStatus> known = new LinkedHashMap<>(1024, 0.75f, true) {
		@Override
		protected boolean removeEldestEntry(Map.Entry<String, KnownStatus> eldest) {
			return size() > KNOWN_SLOTS;
		}
	};
	private final Set<String> pending = ConcurrentHashMap.newKeySet();
	private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
		Thread thread = new Thread(r, "onetrip-slot-status");
		thread.setDaemon(true);
		return thread;
	});
	private final Clock clock;
	private volatile Instant lapsedUpTo;

	private record KnownStatus(long version, Slot.SlotStatus status) {}

	public SlotStatusSync(SlotLedger ledger, DaoRegistry daoRegistry, StoredResources stored, Duration interval, Clock clock) {
		this.ledger = ledger;
		this.stored = stored;
		this.clock = clock;
		this.lapsedUpTo = clock.instant();
		this.daoRegistry = daoRegistry;
		worker.scheduleWithFixedDelay(this::catchUp, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
	}

	/** These slots' places changed (in a write that has committed): their status is looked at in the next round. */
	public void changed(Collection<String> slotIds) {
		pending.addAll(slotIds);
	}

	/** Runs on the worker: the slots that changed, and those whose holds lapsed since the last round. */
	void catchUp() {
		try {
			Instant now = clock.instant();
			pending.addAll(ledger.slotsWithHoldsLapsedBetween(lapsedUpTo, now));
			lapsedUpTo = now;
			List<String> round = List.copyOf(pending);
			pending.removeAll(round);
			if (round.isEmpty()) {
				return;
			}
			Map<String, Long> versions = new HashMap<>();
			for (StoredResources.Stored slot : stored.find(round.stream().map(id -> new IdType("Slot", id)).toList())) {
				versions.put(slot.id(), slot.version());
			}
			for (String slotId : round) {
				Long version = versions.get(slotId);
				if (version == null) {
					known.remove(slotId); // deleted, or never stored
					continue;
				}
				try {
					publish(slotId, version, now);
				} catch (BaseServerResponseException | org.springframework.dao.DataAccessException e) {
					// Written by somebody else at the same moment, or gone: look again next round.
					log.debug("Slot {} status not updated this round: {}", slotId, e.getMessage());
					known.remove(slotId);
					pending.add(slotId);
				}
			}
		} catch (RuntimeException e) {
			log.warn("Slot status round failed: {}", e.toString());
		}
	}

	private void publish(String slotId, long version, Instant now) {
		var availability = ledger.availability(slotId, now);
		if (availability.isEmpty()) {
			return;
		}
		Slot.SlotStatus wanted = availability.get().free() <= 0 ? Slot.SlotStatus.BUSY : Slot.SlotStatus.FREE;
		KnownStatus last = known.get(slotId);
		if (last != null && last.version() == version) {
			if (!ours(last.status()) || last.status() == wanted) {
				return;
			}
		}
		Slot slot;
		try {
			slot = daoRegistry.getResourceDao(Slot.class).read(new IdType("Slot", slotId), new SystemRequestDetails());
		} catch (ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException | ca.uhn.fhir.rest.server.exceptions.ResourceGoneException e) {
			known.remove(slotId);
			return;
		}
		known.put(slotId, new KnownStatus(slot.getIdElement().getVersionIdPartAsLong(), slot.getStatus()));
		if (ours(slot.getStatus()) && slot.getStatus() != wanted) {
			slot.setStatus(wanted);
			var outcome = daoRegistry.getResourceDao(Slot.class).update(slot, new SystemRequestDetails());
			known.put(slotId, new KnownStatus(outcome.getId().getVersionIdPartAsLong(), wanted));
		}
	}

	/** Free and busy are the ledger's to set; busy-unavailable and entered-in-error are a person's. */
	private static boolean ours(Slot.SlotStatus status) {
		return status == Slot.SlotStatus.FREE || status == Slot.SlotStatus.BUSY;
	}

	@Override
	public void destroy() {
		worker.shutdownNow();
	}
}
