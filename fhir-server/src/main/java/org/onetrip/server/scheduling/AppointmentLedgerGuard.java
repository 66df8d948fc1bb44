package org.onetrip.server.scheduling;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Schedule;
import org.hl7.fhir.r4.model.Slot;
import org.onetrip.server.hapi.Conflict;
import org.onetrip.server.region.RegionDirectory;

/**
 * Every Appointment write goes through the {@link SlotLedger}, whatever door it came in by (plain FHIR
 * create/update, a transaction, $hold/$book): a pending appointment holds its slots for a while, a booked
 * one keeps them, a cancelled one gives them back. A slot that cannot take it refuses the whole write
 * with 409 and the reason; the write's transaction rolls back with every place it had taken.
 * Slots define their capacity in the ledger when they are written.
 */
@Interceptor
public class AppointmentLedgerGuard {

	public static final String EXT_CAPACITY = "urn:onetrip:fhir:extension:slot-capacity";
	public static final String EXT_RESERVED = "urn:onetrip:fhir:extension:slot-referral-reserved";
	public static final String EXT_RESERVED_UNTIL = "urn:onetrip:fhir:extension:slot-referral-reserved-until";
	public static final String EXT_HOLD_EXPIRES = "urn:onetrip:fhir:extension:hold-expires";

	private static final Set<Appointment.AppointmentStatus> BOOKED = Set.of(Appointment.AppointmentStatus.BOOKED,
			Appointment.AppointmentStatus.ARRIVED, Appointment.AppointmentStatus.FULFILLED,
			Appointment.AppointmentStatus.CHECKEDIN);

	private final SlotLedger ledger;
	private final MeterRegistry meters;
	private final DaoRegistry daoRegistry;
	private final RegionDirectory directory;
	private final PrimaryReferrals primaryReferrals;
	private final Duration defaultHold;
	private final Duration referralReservation;
	private final SlotStatusSync statusSync;
	/** The hospital of each Schedule seen (a schedule's actors do not move between hospitals). */
	private final java.util.Map<String, SlotLedger.Place> placeOfSchedule = new java.util.concurrent.ConcurrentHashMap<>();
	private final AppointmentAttempts attempts;

	/**
	 * @param defaultHold how long a pending appointment keeps its place when it names no expiry
	 * @param referralReservation how long before a slot its unused referral places open to everyone
	 */
	public AppointmentLedgerGuard(SlotLedger ledger, MeterRegistry meters, DaoRegistry daoRegistry, RegionDirectory directory,
			Duration defaultHold, Duration referralReservation, SlotStatusSync statusSync, AppointmentAttempts attempts) {
		this.ledger = ledger;
		this.attempts = attempts;
		this.meters = meters;
		this.daoRegistry = daoRegistry;
		this.directory = directory;
		this.primaryReferrals = new PrimaryReferrals(daoRegistry, directory);
		this.defaultHold = defaultHold;
		this.referralReservation = referralReservation;
		this.statusSync = statusSync;
	}

	/**
	 * A new Appointment for a slot that cannot take it is refused before HAPI indexes and inserts it: in a booking
	 * storm most attempts are for full slots, and a refusal after a whole create and rollback costs many times more.
	 * This look is unlocked and only ever refuses; the claim under the slot's row lock at pre-commit stays the
	 * authority for every appointment that gets past it.
	 */
	@Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
	public void beforeCreate(IBaseResource resource) {
		if (!(resource instanceof Appointment appointment)) {
			return;
		}
		boolean booked = BOOKED.contains(appointment.getStatus());
		boolean held = appointment.getStatus() == Appointment.AppointmentStatus.PENDING;
		if ((!booked && !held) || !appointment.hasSlot()) {
			return;
		}
		Instant now = Instant.now();
		boolean referral = carriesPrimaryReferral(appointment);
		for (Reference slotReference : appointment.getSlot()) {
			String slotId = slotReference.getReferenceElement().getIdPart();
			var known = ledger.availability(slotId, now);
			if (known.isEmpty()) {
				continue; // a slot the ledger does not know yet: the claim defines and decides it
			}
			SlotLedger.Availability slot = known.get();
			if (SlotRule.decide(slot.capacity(), slot.taken(), slot.reservedTaken(), referral, now) instanceof SlotRule.Refused refused) {
				throw refusal(appointment.getIdElement().getIdPart(), slot.capacity().place(), refused, referral, now);
			}
		}
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
	public void created(IBaseResource resource) {
		written(resource);
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
	public void updated(IBaseResource previous, IBaseResource resource) {
		written(resource);
		if (resource instanceof Slot slot) {
			// A new capacity may fill or free the slot: its status follows.
			statusSync.changedInThisTransaction(Set.of(slot.getIdElement().getIdPart()));
		}
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
	public void deleted(IBaseResource resource) {
		if (resource instanceof Appointment appointment) {
			statusSync.changedInThisTransaction(ledger.releaseAllBut(appointment.getIdElement().getIdPart(), Set.of()));
		}
	}

	private void written(IBaseResource resource) {
		if (resource instanceof Slot slot) {
			define(slot);
		} else if (resource instanceof Appointment appointment) {
			claimPlaces(appointment);
		}
	}

	private void claimPlaces(Appointment appointment) {
		String id = appointment.getIdElement().getIdPart();
		// In a fixed order, so two appointments sharing slots cannot wait on each other's locks.
		Set<String> slotIds = new java.util.TreeSet<>();
		appointment.getSlot().forEach(r -> slotIds.add(r.getReferenceElement().getIdPart()));
		boolean booked = BOOKED.contains(appointment.getStatus());
		boolean held = appointment.getStatus() == Appointment.AppointmentStatus.PENDING;
		if (!booked && !held) {
			// proposed, waitlist, cancelled, noshow, entered-in-error: no place.
			statusSync.changedInThisTransaction(ledger.releaseAllBut(id, Set.of()));
			return;
		}
		statusSync.changedInThisTransaction(ledger.releaseAllBut(id, slotIds));
		Instant now = Instant.now();
		// Only a new claim is an attempt: an update of a booked appointment is not, and a hold being booked is its end.
		SlotLedger.LiveClaim before = ledger.liveClaim(id, now);
		Instant expires = held ? holdExpiry(appointment, now) : null;
		boolean referral = carriesPrimaryReferral(appointment);
		SlotLedger.Place place = new SlotLedger.Place(SlotCapacity.NO_HOSPITAL, SlotCapacity.NO_DEPARTMENT);
		for (String slotId : slotIds) {
			var known = ledger.availability(slotId, now);
			if (known.isEmpty()) {
				define(readSlot(slotId));
				known = ledger.availability(slotId, now);
			}
			if (known.isPresent()) {
				place = known.get().capacity().place();
			}
			if (ledger.claim(slotId, id, referral, expires, now) instanceof SlotRule.Refused refused) {
				throw refusal(id, place, refused, referral, now);
			}
		}
		count(place.hospital(), held ? "held" : "booked", referral);
		if (before == SlotLedger.LiveClaim.NONE) {
			attempts.granted(place, held ? AppointmentAttempts.HELD : AppointmentAttempts.BOOKED, referral, now);
		} else if (before == SlotLedger.LiveClaim.HELD && booked) {
			attempts.granted(place, AppointmentAttempts.HOLD_BOOKED, referral, now);
		}
		statusSync.changedInThisTransaction(slotIds);
	}

	/** A refused claim, early or under the lock: counted, recorded for the figures, and the 409 to throw. */
	private RuntimeException refusal(String appointmentId, SlotLedger.Place place, SlotRule.Refused refused, boolean referral,
			Instant now) {
		String outcome = "refused-" + refused.kind().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
		count(place.hospital(), outcome, referral);
		attempts.refused(place, outcome, referral, now);
		return Conflict.of("Appointment " + (appointmentId == null ? "" : appointmentId + " ") + "not booked: "
				+ refused.reason());
	}

	/**
	 * {@code onetrip_appointment_claims_total{hospital,outcome,referral}}: this instance's claims since it started, for
	 * rates; the region's figures for any period are {@link AppointmentAttempts} ($appointment-statistics).
	 */
	private void count(String hospital, String outcome, boolean referral) {
		Counter.builder("onetrip.appointment.claims")
				.description("Appointment writes that claimed slot places, by outcome")
				.tag("hospital", hospital).tag("outcome", outcome).tag("referral", Boolean.toString(referral))
				.register(meters).increment();
	}

	private Instant holdExpiry(Appointment appointment, Instant now) {
		var extension = appointment.getExtensionByUrl(EXT_HOLD_EXPIRES);
		if (extension != null && extension.getValue() instanceof DateTimeType until && until.getValue() != null) {
			return until.getValue().toInstant();
		}
		return now.plus(defaultHold);
	}

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
			SlotLedger.Place place = placeOf(slot);
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
	private SlotLedger.Place placeOf(Slot slot) {
		String scheduleId = slot.getSchedule().getReferenceElement().getIdPart();
		if (scheduleId == null) {
			return new SlotLedger.Place(SlotCapacity.NO_HOSPITAL, SlotCapacity.NO_DEPARTMENT);
		}
		SlotLedger.Place known = placeOfSchedule.get(scheduleId);
		if (known != null) {
			return known;
		}
		try {
			Schedule schedule = daoRegistry.getResourceDao(Schedule.class).read(new IdType("Schedule", scheduleId), new SystemRequestDetails());
			java.util.Optional<String> hospital = schedule.getActor().stream().map(a -> directory.hospitalOf(a.getReference()))
					.flatMap(java.util.Optional::stream).map(h -> h.key()).findFirst();
			String department = schedule.getActor().stream().map(a -> a.getReferenceElement())
					.filter(r -> "HealthcareService".equals(r.getResourceType())).map(r -> r.getIdPart()).findFirst()
					.orElse(SlotCapacity.NO_DEPARTMENT);
			SlotLedger.Place place = new SlotLedger.Place(hospital.orElse(SlotCapacity.NO_HOSPITAL), department);
			if (hospital.isPresent()) {
				placeOfSchedule.put(scheduleId, place);
			}
			return place;
		} catch (ResourceNotFoundException | ca.uhn.fhir.rest.server.exceptions.ResourceGoneException e) {
			// referential integrity normally refuses this before we get here
			return new SlotLedger.Place(SlotCapacity.NO_HOSPITAL, SlotCapacity.NO_DEPARTMENT);
		}
	}

	private static int integer(Slot slot, String url, int fallback) {
		var extension = slot.getExtensionByUrl(url);
		return extension != null && extension.getValue() instanceof IntegerType value && value.getValue() != null
				? value.getValue() : fallback;
	}
}
