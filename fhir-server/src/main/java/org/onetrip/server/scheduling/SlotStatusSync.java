package org.onetrip.server.scheduling;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
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
import org.onetrip.server.sql.NamedLocks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Keeps {@code Slot.status} in step with the ledger: busy when every place is taken, free again when one is
 * given back (a cancellation, a lapsed hold). The ledger decides bookings; this only tells readers of Slot
 * resources, shortly after the commit, so a booking storm on a hot slot never waits on a Slot write. Slots a
 * person set to busy-unavailable or entered-in-error are left alone.
 * <p>
 * The current status of a round's slots is read from HAPI's token index in one statement, and only a slot whose status
 * must change is read and written through HAPI (in a booking storm the HAPI read of every booked slot, to find most of
 * them needing nothing, was a third of this thread's time; bench/HISTORY.md, 2026-12-03 stop 38).
 * <p>
 * Instances sharing the database each publish the slots booked through them, often the same slot at the same moment:
 * a slot is read and written under an advisory lock of its own that the other instance does not wait for (it looks
 * again next round and finds the status set). Before, both wrote, and one update failed on HAPI's version key, after
 * all of its work and with an ERROR line in the log (hundreds in a two-instance booking storm).
 */
public class SlotStatusSync implements DisposableBean {

	private static final Logger log = LoggerFactory.getLogger(SlotStatusSync.class);
	private static final List<String> STATUS_CODES = Arrays.stream(Slot.SlotStatus.values())
			.filter(status -> status != Slot.SlotStatus.NULL).map(Slot.SlotStatus::toCode).toList();

	private final SlotLedger ledger;
	private final DaoRegistry daoRegistry;
	private final StoredResources stored;
	private final PartitionSettings partitions;
	private final Set<String> pending = ConcurrentHashMap.newKeySet();
	private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
		Thread thread = new Thread(r, "onetrip-slot-status");
		thread.setDaemon(true);
		return thread;
	});
	private final Clock clock;
	private final TransactionTemplate transaction;
	private final JdbcTemplate jdbc;
	private volatile Instant lapsedUpTo;

	public SlotStatusSync(SlotLedger ledger, DaoRegistry daoRegistry, StoredResources stored, PartitionSettings partitions,
			Duration interval, Clock clock, PlatformTransactionManager transactions, JdbcTemplate jdbc) {
		this.ledger = ledger;
		this.transaction = new TransactionTemplate(transactions);
		this.jdbc = jdbc;
		this.stored = stored;
		this.partitions = partitions;
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
			Map<String, String> indexedStatus;
			try {
				indexedStatus = stored.indexedCodes(partitions, "Slot", round, "status", STATUS_CODES);
			} catch (RuntimeException e) {
				pending.addAll(round); // the database away, say: this round's slots wait for the next
				throw e;
			}
			for (String slotId : round) {
				String status = indexedStatus.get(slotId);
				if (status == null) {
					continue; // deleted, never stored, or without a status
				}
				try {
					if (!publish(slotId, Slot.SlotStatus.fromCode(status), now)) {
						pending.add(slotId); // another instance is writing it now: looked at again next round
					}
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

	/**
	 * @param indexed the slot's status as its current version is indexed
	 * @return false when another instance holds the slot's lock (nothing was done)
	 */
	private boolean publish(String slotId, Slot.SlotStatus indexed, Instant now) {
		var availability = ledger.availability(slotId, now);
		if (availability.isEmpty()) {
			return true;
		}
		Slot.SlotStatus wanted = availability.get().free() <= 0 ? Slot.SlotStatus.BUSY : Slot.SlotStatus.FREE;
		if (!ours(indexed) || indexed == wanted) {
			return true;
		}
		return Boolean.TRUE.equals(transaction.execute(tx -> {
			if (!NamedLocks.tryLockUntilCommit(jdbc, "slot-status:" + slotId)) {
				return false;
			}
			Slot slot;
			try {
				slot = daoRegistry.getResourceDao(Slot.class).read(new IdType("Slot", slotId), new SystemRequestDetails());
			} catch (ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException | ca.uhn.fhir.rest.server.exceptions.ResourceGoneException e) {
				return true;
			}
			// Looked at again as read: a person, or another instance, may have changed it since the index was read.
			if (ours(slot.getStatus()) && slot.getStatus() != wanted) {
				slot.setStatus(wanted);
				daoRegistry.getResourceDao(Slot.class).update(slot, new SystemRequestDetails());
			}
			return true;
		}));
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
