package org.onetrip.server.scheduling;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The bookings this instance has let past the {@link BookingDoor} and not yet finished, per slot.
 *
 * <p>Why: the door refuses a booking by the places already taken (committed claims). When a slot opens to many at
 * once (the first second of a booking storm, a popular clinic's slots released at eight), every attempt that arrives
 * before the last place is committed passes the door, goes through HAPI's whole create, and most are then refused
 * under the slot's lock and rolled back: in the benchmark's storm that doomed work took the machine for the first
 * half second, whose requests were a third to a half of the round's slowest 1 % (bench/HISTORY.md, stop 52). So a
 * booking for a slot whose places left are all being claimed by bookings in flight here waits at the door for one of
 * them to finish, then the door looks again: the slot is full (a cheap refusal) or a place came back (it goes on).
 *
 * <p>Waiting never decides anything: the claim under the slot's row lock stays the authority, another instance's
 * bookings are not counted here, and a booking that has waited {@code maxWait} goes on as it would have without this.
 */
final class BookingsInFlight {

	/** A slot's bookings in flight; its monitor is what bookings waiting for the slot wait on. */
	private static final class Slot {
		int inFlight;
	}

	private final Map<String, Slot> slots = new ConcurrentHashMap<>();
	private final long maxWaitNanos;

	BookingsInFlight(java.time.Duration maxWait) {
		this.maxWaitNanos = maxWait.toNanos();
	}

	/** When a booking that starts waiting now stops waiting and goes on regardless. */
	long deadlineFromNow() {
		return System.nanoTime() + maxWaitNanos;
	}

	/**
	 * Counts a booking in flight in each of these slots and returns true, unless in one of them as many bookings are
	 * already in flight as it has places left for this booking: then waits until one of those finishes (or the
	 * deadline) and returns false, for the caller to look at the places left again. Past the deadline, or once the
	 * thread is interrupted, it counts the booking in without waiting.
	 *
	 * @param placesLeft per slot, the places this booking's caller may still take there as committed (at least one)
	 */
	boolean enterOrWait(Map<String, Integer> placesLeft, long deadlineNanos) {
		List<String> entered = new ArrayList<>(placesLeft.size());
		for (Map.Entry<String, Integer> left : placesLeft.entrySet()) {
			Slot full = enter(left.getKey(), left.getValue(), deadlineNanos);
			if (full == null) {
				entered.add(left.getKey());
				continue;
			}
			// Not counted in anywhere while it waits (one lock at a time: the slots entered are given back first).
			leave(entered);
			synchronized (full) {
				long wait = deadlineNanos - System.nanoTime();
				// Looked at again under the lock: a booking that left meanwhile has already notified.
				if (full.inFlight >= left.getValue() && slots.get(left.getKey()) == full && wait > 0) {
					try {
						TimeUnit.NANOSECONDS.timedWait(full, wait);
					} catch (InterruptedException e) {
						Thread.currentThread().interrupt();
					}
				}
			}
			return false;
		}
		return true;
	}

	/** Counts the booking in (null), or returns the slot when it must wait for it. */
	private Slot enter(String slotId, int placesLeft, long deadlineNanos) {
		while (true) {
			Slot slot = slots.computeIfAbsent(slotId, id -> new Slot());
			synchronized (slot) {
				if (slots.get(slotId) != slot) {
					continue; // emptied and dropped after it was fetched: the slot's current one
				}
				if (slot.inFlight >= placesLeft && deadlineNanos - System.nanoTime() > 0
						&& !Thread.currentThread().isInterrupted()) {
					return slot;
				}
				slot.inFlight++;
				return null;
			}
		}
	}

	/** The booking has finished (stored, refused or failed): bookings waiting for these slots look again. */
	void leave(Collection<String> slotIds) {
		for (String slotId : slotIds) {
			Slot slot = slots.get(slotId);
			if (slot == null) {
				continue;
			}
			synchronized (slot) {
				slot.inFlight--;
				slot.notifyAll();
				if (slot.inFlight == 0) {
					// Kept only while in use, so the map holds the slots being booked now, not every slot ever booked.
					slots.remove(slotId, slot);
				}
			}
		}
	}

	/** How many bookings for the slot are in flight here now. */
	int inFlight(String slotId) {
		Slot slot = slots.get(slotId);
		if (slot == null) {
			return 0;
		}
		synchronized (slot) {
			return slot.inFlight;
		}
	}
}
