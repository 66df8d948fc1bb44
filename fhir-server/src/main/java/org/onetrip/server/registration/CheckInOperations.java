package org.onetrip.server.registration;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.onetrip.server.identity.HealthCardOperations;
import org.onetrip.server.identity.HealthCards;
import org.onetrip.server.identity.PersonResolver;
import org.onetrip.server.region.RegionDirectory;

/**
 * Check-in by health card (seeds 001, 003): {@code Appointment/[id]/$check-in?token=...} at the desk that knows
 * the appointment, {@code Appointment/$check-in?token=...&organization=...} at a kiosk that does not. The
 * token names the person; the appointment must be theirs, booked, and today; it becomes arrived, and that
 * write registers the visit ({@link VisitRegistration}) in the same transaction.
 */
public class CheckInOperations {

	private final HealthCards cards;
	private final PersonResolver persons;
	private final RegistrationLedger ledger;
	private final RegionDirectory directory;
	private final DaoRegistry daoRegistry;
	private final ZoneId zone;
	private final Clock clock;

	public CheckInOperations(HealthCards cards, PersonResolver persons, RegistrationLedger ledger, RegionDirectory directory,
			DaoRegistry daoRegistry, ZoneId zone, Clock clock) {
		this.cards = cards;
		this.persons = persons;
		this.ledger = ledger;
		this.directory = directory;
		this.daoRegistry = daoRegistry;
		this.zone = zone;
		this.clock = clock;
	}

	@Operation(name = "$check-in", type = Appointment.class, idempotent = false)
	public Parameters checkInAppointment(@IdParam IdType appointmentId,
			@OperationParam(name = "token", min = 1, max = 1) StringType token, RequestDetails request) {
		Set<String> person = personOf(token);
		Appointment appointment = appointments().read(appointmentId.toUnqualifiedVersionless(), request);
		if (patientOf(appointment).stream().noneMatch(person::contains)) {
			throw new ForbiddenOperationException("This health card is not the card of Appointment/"
					+ appointment.getIdElement().getIdPart() + "'s patient");
		}
		return checkIn(appointment, request);
	}

	/** At a kiosk: the person's one booked appointment today at this organization. */
	@Operation(name = "$check-in", type = Appointment.class, idempotent = false)
	public Parameters checkInToday(@OperationParam(name = "token", min = 1, max = 1) StringType token,
			@OperationParam(name = "organization", min = 1, max = 1) StringType organization, RequestDetails request) {
		if (organization == null || organization.getValue() == null) {
			throw new InvalidRequestException("$check-in needs 'organization' (the hospital of the kiosk) or an Appointment id");
		}
		String hospital = directory.hospitalOf(organization.getValue()).map(h -> h.key()).orElseThrow(() ->
				new InvalidRequestException("$check-in: 'organization' " + organization.getValue() + " is not a hospital of the region"));
		Set<String> person = personOf(token);
		LocalDate today = LocalDate.ofInstant(clock.instant(), zone);
		List<Appointment> todays = new ArrayList<>();
		for (String patientId : person) {
			SearchParameterMap search = SearchParameterMap.newSynchronous()
					.add(Appointment.SP_PATIENT, new ReferenceParam("Patient/" + patientId))
					.add(Appointment.SP_STATUS, new TokenParam("booked"))
					.add(Appointment.SP_DATE, new DateParam(ParamPrefixEnum.GREATERTHAN_OR_EQUALS, startOf(today)))
					.add(Appointment.SP_DATE, new DateParam(ParamPrefixEnum.LESSTHAN, startOf(today.plusDays(1))));
			appointments().searchForResources(search, request).stream().map(Appointment.class::cast)
					.filter(a -> a.getParticipant().stream()
							.anyMatch(p -> directory.hospitalOf(p.getActor().getReference()).map(h -> h.key()).orElse("").equals(hospital)))
					.forEach(todays::add);
		}
		if (todays.isEmpty()) {
			throw new ResourceNotFoundException("No booked appointment today at " + directory.hospitalName(hospital)
					+ " for this health card");
		}
		if (todays.size() > 1) {
			throw new ResourceVersionConflictException("Several appointments today at " + directory.hospitalName(hospital) + " ("
					+ todays.stream().map(a -> "Appointment/" + a.getIdElement().getIdPart()).collect(Collectors.joining(", "))
					+ "): check in at Appointment/[id]/$check-in");
		}
		return checkIn(todays.get(0), request);
	}

	private Parameters checkIn(Appointment appointment, RequestDetails request) {
		String id = appointment.getIdElement().getIdPart();
		switch (appointment.getStatus()) {
			case BOOKED -> {
				LocalDate day = appointment.hasStart() ? LocalDate.ofInstant(appointment.getStart().toInstant(), zone) : null;
				if (day != null && !day.equals(LocalDate.ofInstant(clock.instant(), zone))) {
					throw new ResourceVersionConflictException("Appointment/" + id + " is on " + day + ", not today");
				}
				Appointment arrived = appointment.copy();
				arrived.setStatus(Appointment.AppointmentStatus.ARRIVED);
				arrived.getParticipant().stream().filter(p -> "Patient".equals(p.getActor().getReferenceElement().getResourceType()))
						.forEach(p -> p.setStatus(Appointment.ParticipationStatus.ACCEPTED));
				appointment = (Appointment) appointments().update(arrived, request).getResource();
			}
			case ARRIVED, CHECKEDIN -> { } // checked in before: the same answer again
			default -> throw new ResourceVersionConflictException("Appointment/" + id + " is " + appointment.getStatus().toCode()
					+ "; only a booked appointment can be checked in");
		}
		Parameters out = new Parameters();
		out.addParameter().setName("appointment").setResource(appointment);
		ledger.visitOf(id).ifPresent(visit -> {
			out.addParameter().setName("encounter").setValue(new Reference("Encounter/" + visit.encounterId()));
			out.addParameter().setName("registration-fee").setValue(new Reference("ChargeItem/" + visit.chargeItemId()));
			out.addParameter().setName("fee-charged").setValue(new BooleanType(visit.newRegistration()));
			out.addParameter().setName("registration-valid-until").setValue(new DateType(java.sql.Date.valueOf(visit.validUntil())));
		});
		return out;
	}

	private Set<String> personOf(StringType token) {
		List<Patient> patients = HealthCardOperations.personPatients(cards, persons, token == null ? null : token.getValue());
		return patients.stream().map(p -> p.getIdElement().getIdPart()).collect(Collectors.toSet());
	}

	private static List<String> patientOf(Appointment appointment) {
		return appointment.getParticipant().stream().map(p -> p.getActor().getReferenceElement())
				.filter(r -> "Patient".equals(r.getResourceType())).map(r -> r.getIdPart()).toList();
	}

	private Date startOf(LocalDate day) {
		return Date.from(day.atStartOfDay(zone).toInstant());
	}

	private IFhirResourceDao<Appointment> appointments() {
		return daoRegistry.getResourceDao(Appointment.class);
	}
}
