package org.onetrip.server.scheduling;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Slot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;

/**
 * Keeps {@code Slot.status} in step with the ledger: busy when every place is taken, free again when one is
 * given back (a cancellation, a lapsed hold). The ledger decides bookings; this only tells readers of Slot
 * resources, shortly after the commit, so a booking storm on a hot slot never waits on a Slot write. Slots a
 * person set to busy-unavailable or entered-in-error are left alone.
 */
public class SlotStatusSync implements DisposableBean {

	private static final Logger log = LoggerFactory.getLogger(SlotStatusSync.class);

	private final SlotLedger ledger;
	private final DaoRegistry daoRegistry;
	private final Set<String> pending = ConcurrentHashMap.newKeySet();
	private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
		Thread thread = new Thread(r, "onetrip-slot-status");
		thread.setDaemon(true);
		return thread;
	});
	private final Clock clock;
	private volatile Instant lapsedUpTo;

	public SlotStatusSync(SlotLedger ledger, DaoRegistry daoRegistry, Duration interval, Clock clock) {
		this.ledger = ledger;
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
			for (String slotId : List.copyOf(pending)) {
				pending.remove(slotId);
				try {
					publish(slotId, now);
				} catch (BaseServerResponseException | org.springframework.dao.DataAccessException e) {
					// Written by somebody else at the same moment, or gone: look again next round.
					log.debug("Slot {} status not updated this round: {}", slotId, e.getMessage());
					pending.add(slotId);
				}
			}
		} catch (RuntimeException e) {
			log.warn("Slot status round failed: {}", e.toString());
		}
	}

	private void publish(String slotId, Instant now) {
		var availability = ledger.availability(slotId, now);
		if (availability.isEmpty()) {
			return;
		}
		Slot slot;
		try {
			slot = daoRegistry.getResourceDao(Slot.class).read(new IdType("Slot", slotId), new SystemRequestDetails());
		} catch (ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException | ca.uhn.fhir.rest.server.exceptions.ResourceGoneException e) {
			return;
		}
		boolean full = availability.get().free() <= 0;
		Slot.SlotStatus wanted = full ? Slot.SlotStatus.BUSY : Slot.SlotStatus.FREE;
		boolean ours = slot.getStatus() == Slot.SlotStatus.FREE || slot.getStatus() == Slot.SlotStatus.BUSY;
		if (ours && slot.getStatus() != wanted) {
			slot.setStatus(wanted);
			daoRegistry.getResourceDao(Slot.class).update(slot, new SystemRequestDetails());
		}
	}

	@Override
	public void destroy() {
		worker.shutdownNow();
	}
}
