package org.onetrip.server.scheduling;

import java.time.Instant;
import java.util.Optional;
import org.onetrip.workflow.booking.Place;
import org.onetrip.workflow.booking.Claims.LiveClaim;
import org.onetrip.workflow.booking.SlotCapacity;
import org.onetrip.workflow.booking.SlotRule;

/**
 * Who holds which place in which slot: the only way an appointment gets a place. Every claim is decided
 * by {@link SlotRule} while the slot's ledger row is locked, so however many clients (and OneTrip
 * instances on one database) claim the same slot at once, the places taken never exceed its capacity.
 * Runs inside the caller's transaction: a FHIR write that rolls back gives its place back.
 */
public interface SlotLedger {

	/** Creates the slot's ledger row, or updates its capacity (never below the places already taken). */
	void define(SlotCapacity slot);

	/**
	 * Takes a place in the slot for an appointment: until {@code expiresAt} for a hold, for good when it is
	 * null. The same appointment claiming the same slot again (a hold becoming a booking) keeps its place.
	 * The answer names the slot's place as read under the claim's lock ({@link Place#NOWHERE} for a slot the ledger
	 * does not know), so a claim needs no look of its own first.
	 */
	Claimed claim(String slotId, String appointmentId, boolean referral, Instant expiresAt, Instant now);

	/** A claim's decision, and the hospital and department of the slot it was made in. */
	record Claimed(SlotRule.Decision decision, Place place) {}

	/** Gives back the appointment's places in every slot but these (all of them for an empty set); returns those slots. */
	java.util.List<String> releaseAllBut(String appointmentId, java.util.Set<String> keptSlotIds);

	/** The slot's capacity and places taken now (expired holds not counted). */
	Optional<Availability> availability(String slotId, Instant now);

	/** Slots in which a hold lapsed in [from, to): their places came free without any write. */
	java.util.List<String> slotsWithHoldsLapsedBetween(Instant from, Instant to);

	/** Per hospital, the places and the places taken in slots starting in [from, to). */
	java.util.Map<String, Utilisation> utilisation(Instant from, Instant to);

	/** What the appointment holds now: nothing, a hold that has not expired, or a booked place. */
	LiveClaim liveClaim(String appointmentId, Instant now);

	/** The same per hospital and department. */
	java.util.Map<Place, Utilisation> utilisationByPlace(Instant from, Instant to);

	record Utilisation(long places, long taken) {
		public double ratio() {
			return places == 0 ? 0 : (double) taken / places;
		}
	}

	record Availability(SlotCapacity capacity, int taken, int reservedTaken) {
		/** Places left in the slot, whoever may take them. */
		public int free() {
			return capacity.capacity() - taken;
		}

		/** Places this caller may take now ({@link SlotRule#placesFor}): with or without a primary-care referral. */
		public int freeFor(boolean referral, Instant now) {
			return SlotRule.placesFor(capacity, taken, reservedTaken, referral, now);
		}
	}
}
