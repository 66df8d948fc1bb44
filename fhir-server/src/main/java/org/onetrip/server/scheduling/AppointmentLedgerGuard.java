package org.onetrip.server.scheduling;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Schedule;
import org.hl7.fhir.r4.model.Slot;
import org.onetrip.server.audit.AuditTrail;
import org.onetrip.server.hapi.Conflict;
import org.onetrip.server.hapi.WorkflowEffects;
import org.onetrip.server.hapi.WorkflowHandler;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.workflow.AppointmentStatus;
import org.onetrip.workflow.booking.Claims;
import org.onetrip.workflow.booking.Claims.LiveClaim;
import org.onetrip.workflow.booking.Hold;
import org.onetrip.workflow.booking.Place;
import org.onetrip.workflow.booking.SlotCapacity;
import org.onetrip.workflow.booking.SlotRule;

/**
 * Every Appointment write goes through the {@link SlotLedger}, whatever door it came in by (plain FHIR
 * create/update, a transaction, $hold/$book): a pending appointment holds its slots for a while, a booked
 * one keeps them, a cancelled one gives them back. A slot that cannot take it refuses the whole write
 * with 409 and the reason; the write's transaction rolls back with every place it had taken.
 * Slots define their capacity in the ledger when they are written.
 */
public class AppointmentLedgerGuard implements WorkflowHandler {

	public static final String EXT_CAPACITY = "urn:onetrip:fhir:extension:slot-capacity";
	public static final String EXT_RESERVED = "urn:onetrip:fhir:extension:slot-referral-reserved";
	public static final String EXT_RESERVED_UNTIL = "urn:onetrip:fhir:extension:slot-referral-reserved-until";

	private final SlotLedger ledger;
	private final MeterRegistry meters;
	private final DaoRegistry daoRegistry;
	private final RegionDirectory directory;
	private final PrimaryReferrals primaryReferrals;
	private final Hold hold;
	private final Duration referralReservation;
	private final SlotStatusSync statusSync;
	/** The hospital of each Schedule seen (a schedule's actors do not move between hospitals). */
	private final Map<String, Place> placeOfSchedule = new ConcurrentHashMap<>();
	private final Map<ClaimTags, Counter> claimCounters = new ConcurrentHashMap<>();
	private final AppointmentAttempts attempts;
	private final Clock clock;

	/**
	 * @param hold how long a pending appointment keeps its place
	 * @param referralReservation how long before a slot its unused referral places open to everyone
	 */
	public AppointmentLedgerGuard(SlotLedger ledger, MeterRegistry meters, DaoRegistry daoRegistry, RegionDirectory directory,
			Hold hold, Duration referralReservation, SlotStatusSync statusSync, AppointmentAttempts attempts, Clock clock) {
		this.ledger = ledger;
		this.attempts = attempts;
		this.meters = meters;
		this.daoRegistry = daoRegistry;
		this.directory = directory;
		this.primaryReferrals = new PrimaryReferrals(daoRegistry, directory);
		this.hold = hold;
		this.referralReservation = referralReservation;
		this.statusSync = statusSync;
		this.clock = clock;
	}

	@Override
	public Stage stage() {
		return Stage.BOOKING;
	}

	@Override
	public Set<String> resourceTypes() {
		return Set.of("Appointment", "Slot");
	}

	/**
	 * A new Appointment for a slot that cannot take it is refused before HAPI indexes and inserts it: in a booking
	 * storm most attempts are for full slots, and a refusal after a whole create and rollback costs many times more.
	 * A plain REST create was already looked at when the request arrived ({@link BookingDoor}); this look serves
	 * every other door (transactions, operations).
	 */
	@Override
	public void beforeStorage(Write write) {
		if (write.kind() != Write.Kind.CREATED || !(write.resource() instanceof Appointment appointment)
				|| BookingDoor.lookedAt(write.request(), appointment)) {
			return;
		}
		refuseWhenASlotIsFull(appointment, null);
	}

	/**
	 * Refuses (409, counted and recorded as an attempt) a new appointment that takes a place when one of its slots
	 * cannot take it now. The look is unlocked and only ever refuses: the claim under the slot's row lock at
	 * pre-commit stays the authority for every appointment that gets past it. Returns, per slot the ledger knows (in
	 * slot order), the places this appointment's caller may still take there: at least one each.
	 *
	 * @param atTheDoor the REST request, when looked at as it arrived (outside any transaction): a refusal's attempt is
	 *        then stored with the request's audit record, by one statement, instead of committing on its own
	 */
	SortedMap<String, Integer> refuseWhenASlotIsFull(Appointment appointment, RequestDetails atTheDoor) {
		SortedMap<String, Integer> placesLeft = new TreeMap<>();
		if (!AppointmentTerms.status(appointment).takesPlace() || !appointment.hasSlot()) {
			return placesLeft;
		}
		Instant now = clock.instant();
		boolean referral = carriesPrimaryReferral(appointment);
		for (String slotId : slotIdsOf(appointment)) {
			var known = ledger.availability(slotId, now);
			if (known.isEmpty()) {
				continue; // a slot the ledger does not know yet: the claim defines and decides it
			}
			SlotLedger.Availability slot = known.get();
			if (SlotRule.decide(slot.capacity(), slot.taken(), slot.reservedTaken(), referral, now) instanceof SlotRule.Refused refused) {
				throw refusal(appointment.getIdElement().getIdPart(), slot.capacity().place(), refused, referral, now, atTheDoor);
			}
			placesLeft.put(slotId, Math.max(1, slot.freeFor(referral, now)));
		}
		return placesLeft;
	}

	@Override
	public void written(Write write, WorkflowEffects effects) {
		Set<String> changedSlots = new TreeSet<>();
		if (write.resource() instanceof Slot slot) {
			if (!write.deleted()) {
				define(slot);
			}
			if (write.kind() == Write.Kind.UPDATED) {
				// A new capacity may fill or free the slot: its status follows.
				changedSlots.add(write.id());
			}
		} else if (write.deleted()) {
			changedSlots.addAll(ledger.releaseAllBut(write.id(), Set.of()));
		} else {
			Appointment appointment = (Appointment) write.resource();
			// A booking the door let in was POSTed: HAPI gave it an id of its own, so it holds no place anywhere yet.
			boolean holdsNothingYet = write.kind() == Write.Kind.CREATED && BookingDoor.lookedAt(write.request(), appointment);
			claimPlaces(appointment, holdsNothingYet, changedSlots, effects);
		}
		if (!changedSlots.isEmpty()) {
			// Readers of Slot resources are told once the places are really taken or given back.
			effects.afterCommit(() -> statusSync.changed(changedSlots));
		}
	}

	/**
	 * Claims or gives back the appointment's places; the slots whose places changed are added to {@code changedSlots}.
	 *
	 * @param holdsNothingYet the appointment is new under an id no one used before: what it held is not looked up (two
	 *        of a booking's six ledger statements)
	 */
	private void claimPlaces(Appointment appointment, boolean holdsNothingYet, Set<String> changedSlots, WorkflowEffects effects) {
		String id = appointment.getIdElement().getIdPart();
		// HAPI writes the Appointment's rows (resource, version, index rows) at commit, which is after the claim: the
		// slot's row would stay locked through them, and every other booking for the slot waits that long. Written now,
		// the lock is held only for the claim and the commit (bench/HISTORY.md, stop 52).
		effects.flushPendingWrites("Appointment/" + id);
		AppointmentStatus status = AppointmentTerms.status(appointment);
		if (!status.takesPlace()) {
			// proposed, waitlist, cancelled, noshow, entered-in-error: no place.
			if (!holdsNothingYet) {
				changedSlots.addAll(ledger.releaseAllBut(id, Set.of()));
			}
			return;
		}
		// In a fixed order, so two appointments sharing slots cannot wait on each other's locks.
		Set<String> slotIds = slotIdsOf(appointment);
		Instant now = clock.instant();
		LiveClaim before = LiveClaim.NONE;
		if (!holdsNothingYet) {
			changedSlots.addAll(ledger.releaseAllBut(id, slotIds));
			before = ledger.liveClaim(id, now);
		}
		// The write being made is the hold's "written" time: the referral's check reads it back as meta.lastUpdated.
		Instant expires = status.isHold() ? hold.expiry(AppointmentTerms.statedHoldExpiry(appointment), AppointmentTerms.writtenAt(appointment, now)) : null;
		boolean referral = carriesPrimaryReferral(appointment);
		Place place = Place.NOWHERE;
		for (String slotId : slotIds) {
			SlotLedger.Claimed claimed = ledger.claim(slotId, id, referral, expires, now);
			if (claimed.decision() instanceof SlotRule.Refused unknown && unknown.kind() == SlotRule.RefusalKind.UNKNOWN_SLOT) {
				// A Slot the ledger has not been told of (stored before the ledger existed, say): defined from the resource.
				define(readSlot(slotId));
				claimed = ledger.claim(slotId, id, referral, expires, now);
			}
			place = claimed.place();
			if (claimed.decision() instanceof SlotRule.Refused refused) {
				throw refusal(id, place, refused, referral, now, null);
			}
		}
		count(place.hospital(), status.isHold() ? "held" : "booked", referral);
		Place attemptPlace = place;
		Claims.attemptOf(before, status).ifPresent(attempt -> attempts.granted(attemptPlace, attempt.code(), referral, now));
		changedSlots.addAll(slotIds);
	}

	/**
	 * The ids of the Slots an appointment that takes a place names, in a fixed order. A slot it names otherwise (by an
	 * identifier or a display alone, or a reference to another type) is no place the ledger can give: 422, before
	 * anything is stored.
	 */
	static SortedSet<String> slotIdsOf(Appointment appointment) {
		SortedSet<String> slotIds = new TreeSet<>();
		for (int i = 0; i < appointment.getSlot().size(); i++) {
			IIdType named = appointment.getSlot().get(i).getReferenceElement();
			if (!named.hasIdPart() || !"Slot".equals(named.getResourceType())) {
				throw new UnprocessableEntityException("Appointment.slot[" + i + "] does not name a Slot by its id (Slot/[id]): "
						+ "a booking takes its place in a Slot the region publishes");
			}
			slotIds.add(named.getIdPart());
		}
		return slotIds;
	}

	/** A refused claim, early or under the lock: counted, recorded for the figures, and the 409 to throw. */
	private RuntimeException refusal(String appointmentId, Place place, SlotRule.Refused refused, boolean referral,
			Instant now, RequestDetails atTheDoor) {
		String outcome = Claims.outcomeOf(refused);
		count(place.hospital(), outcome, referral);
		if (atTheDoor != null) {
			AuditTrail.writeBesideTheRecord(atTheDoor, AppointmentAttempts.attemptRow(place, outcome, referral, now));
		} else {
			attempts.refused(place, outcome, referral, now);
		}
		return Conflict.of("Appointment " + (appointmentId == null ? "" : appointmentId + " ") + "not booked: "
				+ refused.reason());
	}

	/**
	 * {@code onetrip_appointment_claims_total{hospital,outcome,referral}}: this instance's claims since it started, for
	 * rates; the region's figures for any period are {@link AppointmentAttempts} ($appointment-statistics).
	 */
	private void count(String hospital, String outcome, boolean referral) {
		// Kept once registered: building the counter's identity and looking it up in the registry on every attempt was
		// ~0.5 % of a storm's request CPU (JFR, stop 51), as it was for the request timers (FhirRequestMetrics).
		claimCounters.computeIfAbsent(new ClaimTags(hospital, outcome, referral),
				tags -> Counter.builder("onetrip.appointment.claims")
						.description("Appointment writes that claimed slot places, by outcome")
						.tag("hospital", hospital).tag("outcome", outcome).tag("referral", Boolean.toString(referral))
						.register(meters)).increment();
	}

	private record ClaimTags(String hospital, String outcome, boolean referral) {}

	/** A referral from a primary-level institution may use the places a slot keeps for referrals. */
	private boolean carriesPrimaryReferral(Appointment appointment) {
		return appointment.getBasedOn().stream().anyMatch(basedOn -> primaryReferrals.qualifies(basedOn.getReference()));
	}

	private Slot readSlot(String slotId) {
		return daoRegistry.getResourceDao(Slot.class).read(new IdType("Slot", slotId), new SystemRequestDetails());
	}

	private void define(Slot slot) {
		if (!slot.hasStart()) {
			throw new UnprocessableEntityException("Slot " + slot.getIdElement().getIdPart() + " has no start");
		}
		Instant start = slot.getStart().toInstant();
		int capacity = integer(slot, EXT_CAPACITY, 1);
		int reserved = integer(slot, EXT_RESERVED, 0);
		var until = slot.getExtensionByUrl(EXT_RESERVED_UNTIL);
		Instant reservedUntil = until != null && until.getValue() instanceof DateTimeType t && t.getValue() != null
				? t.getValue().toInstant() : start.minus(referralReservation);
		try {
			Place place = placeOf(slot);
			ledger.define(new SlotCapacity(slot.getIdElement().getIdPart(), start, capacity, reserved, reservedUntil,
					place.hospital(), place.department()));
		} catch (IllegalArgumentException e) {
			throw new UnprocessableEntityException(e.getMessage());
		}
	}

	/**
	 * The region hospital whose schedule (department, practitioner, location) the slot belongs to, and the department
	 * (HealthcareService id) the schedule names; remembered per schedule.
	 */
	private Place placeOf(Slot slot) {
		String scheduleId = slot.getSchedule().getReferenceElement().getIdPart();
		if (scheduleId == null) {
			return Place.NOWHERE;
		}
		Place known = placeOfSchedule.get(scheduleId);
		if (known != null) {
			return known;
		}
		try {
			Schedule schedule = daoRegistry.getResourceDao(Schedule.class).read(new IdType("Schedule", scheduleId), new SystemRequestDetails());
			Optional<String> hospital = schedule.getActor().stream().map(a -> directory.hospitalOf(a.getReference()))
					.flatMap(Optional::stream).map(h -> h.key()).findFirst();
			String department = schedule.getActor().stream().map(a -> a.getReferenceElement())
					.filter(r -> "HealthcareService".equals(r.getResourceType())).map(r -> r.getIdPart()).findFirst()
					.orElse(Place.NO_DEPARTMENT);
			Place place = new Place(hospital.orElse(Place.NO_HOSPITAL), department);
			if (hospital.isPresent()) {
				placeOfSchedule.put(scheduleId, place);
			}
			return place;
		} catch (ResourceNotFoundException | ResourceGoneException e) {
			// referential integrity normally refuses this before we get here
			return Place.NOWHERE;
		}
	}

	private static int integer(Slot slot, String url, int fallback) {
		var extension = slot.getExtensionByUrl(url);
		return extension != null && extension.getValue() instanceof IntegerType value && value.getValue() != null
				? value.getValue() : fallback;
	}
}
