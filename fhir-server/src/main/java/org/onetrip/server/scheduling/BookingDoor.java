package org.onetrip.server.scheduling;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.onetrip.server.security.FhirAccessInterceptor;

/**
 * A booking for a full slot is refused at the door: a plain {@code POST Appointment} is looked at as soon as HAPI has
 * parsed it and the caller's scopes are checked, before HAPI opens a transaction, resolves the partition and runs the
 * create's storage hooks. In a booking storm most attempts are for slots already full (85 % in the benchmark's), and
 * each such refusal made inside the create cost a third of the request's work more (bench/HISTORY.md, 2026-12-03).
 * The caller is first held to the create's own access rules, so one who may not make the booking hears 403, never
 * whether the slot is full. The look is unlocked and only ever refuses; the claim under the slot's row lock at
 * pre-commit ({@link AppointmentLedgerGuard}) decides every booking that gets past it. A conditional create
 * (If-None-Exist) may match an appointment already made rather than take a place: it is left to the create.
 *
 * <p>While the places a slot has left are all being claimed by bookings this instance let in, a further booking waits
 * here for one of them to finish and is looked at again ({@link BookingsInFlight}), rather than going through a whole
 * create to be refused under the lock.
 */
@Interceptor
public class BookingDoor {

	private static final String LOOKED_AT = "onetrip.booking.looked-at";
	/** The slots a booking was counted in flight in ({@link BookingsInFlight}), given back when its request ends. */
	private static final String IN_FLIGHT = "onetrip.booking.in-flight";

	private final AppointmentLedgerGuard guard;
	private final FhirAccessInterceptor access;
	private final BookingsInFlight inFlight;

	BookingDoor(AppointmentLedgerGuard guard, FhirAccessInterceptor access, BookingsInFlight inFlight) {
		this.guard = guard;
		this.access = access;
		this.inFlight = inFlight;
	}

	/** After FhirAccessInterceptor's hook (order 0), which judges the caller and the scope of the interaction. */
	@Hook(value = Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, order = 100)
	public void arrived(RequestDetails request, RestOperationTypeEnum operation) {
		if (operation != RestOperationTypeEnum.CREATE || !(request.getResource() instanceof Appointment appointment)
				|| request.getHeader(Constants.HEADER_IF_NONE_EXIST) != null) {
			return;
		}
		access.refuseCreationByCaller(request, appointment);
		Map<String, Integer> placesLeft = guard.refuseWhenASlotIsFull(appointment, request);
		long deadline = inFlight.deadlineFromNow();
		while (!inFlight.enterOrWait(placesLeft, deadline)) {
			placesLeft = guard.refuseWhenASlotIsFull(appointment, request); // a booking for the slot finished: full now?
		}
		request.getUserData().put(IN_FLIGHT, placesLeft.keySet());
		request.getUserData().put(LOOKED_AT, appointment);
	}

	/** However the request ended (stored, refused, failed), its booking is no longer in flight. */
	@Hook(Pointcut.SERVER_PROCESSING_COMPLETED)
	public void finished(RequestDetails request) {
		if (request.getUserData().remove(IN_FLIGHT) instanceof Set<?> slotIds && !slotIds.isEmpty()) {
			inFlight.leave(slotIds.stream().map(String.class::cast).toList());
		}
	}

	/** Whether this very resource was looked at when its request arrived (the create's own look is then not repeated). */
	static boolean lookedAt(RequestDetails request, IBaseResource resource) {
		return request != null && request.getUserData().get(LOOKED_AT) == resource;
	}
}
