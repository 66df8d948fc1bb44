package org.onetrip.server.scheduling;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Schedule;
import org.hl7.fhir.r4.model.Slot;
import org.hl7.fhir.r4.model.StringType;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.workflow.booking.Hold;

/**
 * Argonaut / IHE ITI Scheduling on top of the ledger: {@code Appointment/$find} (free slots as proposed
 * appointments), {@code $hold} (a pending appointment that keeps its place for a while) and {@code $book}.
 * Both $hold and $book are ordinary Appointment writes, so the {@link AppointmentLedgerGuard} decides them
 * exactly as it decides a plain FHIR create or update.
 */
public class SchedulingOperations {

	public static final String EXT_FREE_PLACES = "urn:onetrip:fhir:extension:slot-free-places";

	private final DaoRegistry daoRegistry;
	private final SlotLedger ledger;
	private final Hold hold;
	private final Clock clock;
	private final PrimaryReferrals primaryReferrals;
	private final ConsultationTimes consultationTimes;

	public SchedulingOperations(DaoRegistry daoRegistry, SlotLedger ledger, Hold hold, RegionDirectory directory, Clock clock,
			ConsultationTimes consultationTimes) {
		this.consultationTimes = consultationTimes;
		this.daoRegistry = daoRegistry;
		this.ledger = ledger;
		this.hold = hold;
		this.clock = clock;
		this.primaryReferrals = new PrimaryReferrals(daoRegistry, directory);
	}

	/**
	 * @param start earliest slot start (default now); @param end latest slot start (default start + 7 days)
	 * @param service the HealthcareService (a department) whose schedules to search, as a reference
	 * @param referral {@code ServiceRequest/<id>} the booking would carry (Appointment.basedOn): with a live referral from
	 *                 a primary-level institution the places slots keep for such referrals are offered too; without
	 *                 one, only the places this caller can book. The free-places extension counts what the caller may take.
	 * @param consultation {@code ServiceRequest/<id>} of a synchronous consult: its consulting departments' consultation
	 *                     slots at times when every consultant who accepted is free (a multidisciplinary consult's common
	 *                     times); without it only visit slots are offered
	 * @param _count at most this many proposals (default 50, at most 500)
	 */
	@Operation(name = "$find", type = Appointment.class, idempotent = true)
	public Bundle find(
			@OperationParam(name = "start", max = 1) DateType start,
			@OperationParam(name = "end", max = 1) DateType end,
			@OperationParam(name = "service", max = 1) StringType service,
			@OperationParam(name = "referral", max = 1) StringType referral,
			@OperationParam(name = "consultation", max = 1) StringType consultation,
			@OperationParam(name = "_count", max = 1) IntegerType count,
			RequestDetails request) {
		Instant from = start != null && start.getValue() != null ? start.getValue().toInstant() : clock.instant();
		Instant to = end != null && end.getValue() != null ? end.getValue().toInstant() : from.plus(Duration.ofDays(7));
		if (!from.isBefore(to)) {
			throw new InvalidRequestException("$find: 'start' must be before 'end'");
		}
		if (referral != null && referral.getValue() != null && !referral.getValue().startsWith("ServiceRequest/")) {
			throw new InvalidRequestException("$find: 'referral' is a reference to the ServiceRequest the booking will carry "
					+ "(ServiceRequest/<id>), was '" + referral.getValue() + "'");
		}
		boolean withReferral = referral != null && primaryReferrals.qualifies(referral.getValue());
		int limit = count == null || count.getValue() == null ? 50 : Math.min(500, Math.max(1, count.getValue()));
		SearchParameterMap search = SearchParameterMap.newSynchronous()
				.add(Slot.SP_START, new DateParam(ParamPrefixEnum.GREATERTHAN_OR_EQUALS, Date.from(from)))
				.add(Slot.SP_START, new DateParam(ParamPrefixEnum.LESSTHAN, Date.from(to)));
		ConsultationTimes.Plan plan = consultation == null || consultation.getValue() == null ? null
				: consultationTimes.plan(consultation.getValue(), from, to);
		if (plan != null) {
			// The consulting departments' schedules (one of them, if the caller names it).
			ca.uhn.fhir.rest.param.ReferenceOrListParam departments = new ca.uhn.fhir.rest.param.ReferenceOrListParam();
			plan.services().stream().filter(s -> service == null || service.getValue() == null || s.equals(service.getValue()))
					.forEach(s -> departments.addOr(new ReferenceParam("Schedule", Schedule.SP_ACTOR, s)));
			if (departments.getValuesAsQueryTokens().isEmpty()) {
				throw new InvalidRequestException("$find: no consulting department of " + plan.consultation() + " to search"
						+ (service != null && service.getValue() != null ? " among " + service.getValue() : ""));
			}
			search.add(Slot.SP_SCHEDULE, departments);
		} else if (service != null && service.getValue() != null) {
			// Slot?schedule.actor=HealthcareService/...: the department's schedules.
			search.add(Slot.SP_SCHEDULE, new ReferenceParam("Schedule", Schedule.SP_ACTOR, service.getValue()));
		}
		IFhirResourceDao<Slot> slots = daoRegistry.getResourceDao(Slot.class);
		Instant now = clock.instant();
		Bundle out = new Bundle().setType(Bundle.BundleType.SEARCHSET);
		// Who the appointment is with: the actors of the slot's schedule (department, practitioner, location).
		java.util.Map<String, List<Reference>> actorsOfSchedule = new java.util.HashMap<>();
		IFhirResourceDao<Schedule> schedules = daoRegistry.getResourceDao(Schedule.class);
		slots.searchForResources(search, request).stream().map(Slot.class::cast)
				.filter(s -> s.getStatus() == Slot.SlotStatus.FREE)
				.sorted(Comparator.comparing(Slot::getStart))
				.forEach(slot -> {
					if (out.getEntry().size() >= limit) {
						return;
					}
					String slotId = slot.getIdElement().getIdPart();
					// Consultation slots take consults only; a consult, only them, when everyone who accepted is free.
					if (ConsultationSlots.isConsultationSlot(slotId) != (plan != null)
							|| plan != null && !plan.allFree(slot.getStart().toInstant(), slot.getEnd().toInstant())) {
						return;
					}
					int free = ledger.availability(slotId, now).map(a -> a.freeFor(withReferral, now)).orElse(1);
					if (free <= 0 || !slot.getStart().toInstant().isAfter(now)) {
						return;
					}
					Appointment proposed = new Appointment();
					proposed.setStatus(Appointment.AppointmentStatus.PROPOSED);
					proposed.setStart(slot.getStart()).setEnd(slot.getEnd());
					proposed.addSlot(new Reference("Slot/" + slotId));
					proposed.addExtension(EXT_FREE_PLACES, new IntegerType(free));
					List<Reference> actors = actorsOfSchedule.computeIfAbsent(slot.getSchedule().getReferenceElement().getIdPart(),
							id -> schedules.read(new org.hl7.fhir.r4.model.IdType("Schedule", id), request).getActor());
					actors.forEach(actor -> proposed.addParticipant().setActor(new Reference(actor.getReference()))
							.setStatus(Appointment.ParticipationStatus.NEEDSACTION));
					if (plan != null) {
						proposed.addBasedOn(new Reference(plan.consultation()));
						plan.participants().forEach(p -> proposed.addParticipant().setActor(p.copy())
								.setStatus(Appointment.ParticipationStatus.ACCEPTED));
					}
					out.addEntry().setResource(proposed);
				});
		out.setTotal(out.getEntry().size());
		return out;
	}

	/** Holds the proposed appointment's slot(s) for a while: a pending Appointment that expires by itself. */
	@Operation(name = "$hold", type = Appointment.class, idempotent = false)
	public Appointment hold(@OperationParam(name = "appt-resource", min = 1, max = 1) Appointment proposed,
			RequestDetails request) {
		requireSlot(proposed, "$hold");
		Appointment held = proposed.copy();
		held.setId((String) null);
		held.setStatus(Appointment.AppointmentStatus.PENDING);
		held.getExtension().removeIf(e -> e.getUrl().equals(AppointmentTerms.EXT_HOLD_EXPIRES)
				|| e.getUrl().equals(EXT_FREE_PLACES));
		held.addExtension(AppointmentTerms.EXT_HOLD_EXPIRES, new DateTimeType(Date.from(hold.expiry(Optional.empty(), clock.instant()))));
		return (Appointment) daoRegistry.getResourceDao(Appointment.class).create(held, request).getResource();
	}

	/**
	 * Books: a held appointment (its id) becomes booked in its place, or a new appointment takes one.
	 * A hold that expired, a full slot or a slot that started: 409 with the reason, nothing changes.
	 */
	@Operation(name = "$book", type = Appointment.class, idempotent = false)
	public Appointment book(@OperationParam(name = "appt-resource", min = 1, max = 1) Appointment appointment,
			RequestDetails request) {
		requireSlot(appointment, "$book");
		IFhirResourceDao<Appointment> appointments = daoRegistry.getResourceDao(Appointment.class);
		Appointment booking = appointment.copy();
		booking.setStatus(Appointment.AppointmentStatus.BOOKED);
		booking.getExtension().removeIf(e -> e.getUrl().equals(AppointmentTerms.EXT_HOLD_EXPIRES)
				|| e.getUrl().equals(EXT_FREE_PLACES));
		if (!booking.getIdElement().hasIdPart()) {
			return (Appointment) appointments.create(booking, request).getResource();
		}
		Appointment current = appointments.read(booking.getIdElement().toUnqualifiedVersionless(), request);
		if (current.getStatus() == Appointment.AppointmentStatus.CANCELLED) {
			throw new ResourceVersionConflictException("Appointment " + current.getIdElement().getIdPart() + " was cancelled");
		}
		booking.setId(current.getIdElement().toUnqualifiedVersionless());
		return (Appointment) appointments.update(booking, request).getResource();
	}

	private static void requireSlot(Appointment appointment, String operation) {
		if (appointment == null || appointment.getSlot().isEmpty()) {
			throw new InvalidRequestException(operation + " needs 'appt-resource': an Appointment naming the Slot(s) it takes");
		}
	}
}
