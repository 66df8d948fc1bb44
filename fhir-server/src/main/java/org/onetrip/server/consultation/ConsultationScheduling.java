package org.onetrip.server.consultation;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.onetrip.server.hapi.Conflict;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.server.scheduling.ConsultationTimes;
import org.onetrip.workflow.consultation.CommonTimes.Interval;
import org.onetrip.workflow.consultation.Consult;
import org.onetrip.workflow.consultation.ConsultSteps;

/**
 * Times for a synchronous consult ({@code Appointment/$find?consultation=ServiceRequest/<id>}): the consultation slots of
 * the departments of everyone who accepted, when none of them has another appointment. The consultants are an
 * Appointment's participants (Practitioner or PractitionerRole), so a booked consult makes them busy for the next one.
 */
public class ConsultationScheduling implements ConsultationTimes {

	/** Appointments that take no one's time (also a consult booking's statuses that take none: ConsultationWorkflow). */
	static final Set<Appointment.AppointmentStatus> NOT_TAKING_TIME = Set.of(Appointment.AppointmentStatus.CANCELLED,
			Appointment.AppointmentStatus.NOSHOW, Appointment.AppointmentStatus.ENTEREDINERROR);

	private final ConsultationLedger ledger;
	private final DaoRegistry daoRegistry;
	private final RegionDirectory directory;
	private final ConsultSteps steps;

	public ConsultationScheduling(ConsultationLedger ledger, DaoRegistry daoRegistry, RegionDirectory directory) {
		this.ledger = ledger;
		this.daoRegistry = daoRegistry;
		this.directory = directory;
		this.steps = new ConsultSteps(directory::hospitalName);
	}

	@Override
	public Plan plan(String consultation, Instant from, Instant to) {
		IdType id = new IdType(RegionDirectory.relative(consultation));
		if (!"ServiceRequest".equals(id.getResourceType())) {
			throw new InvalidRequestException("$find: 'consultation' is a reference to the consultation's ServiceRequest "
					+ "(ServiceRequest/<id>), was '" + consultation + "'");
		}
		Consult consult = ledger.find(id.getIdPart()).orElseThrow(() -> new InvalidRequestException("$find: ServiceRequest/"
				+ id.getIdPart() + " is not a consultation request OneTrip holds"));
		if (steps.booking(consult) instanceof ConsultSteps.Refusal refusal) {
			throw refusal.kind() == ConsultSteps.Refusal.Kind.CONFLICT ? Conflict.of(refusal.reason())
					: new UnprocessableEntityException(refusal.reason());
		}
		Set<String> services = new LinkedHashSet<>();
		List<Reference> participants = new ArrayList<>();
		List<List<Interval>> busyOfEach = new ArrayList<>();
		for (Consult.Participant p : consult.accepted()) {
			var clinician = directory.clinician("Practitioner/" + p.practitionerId());
			String service = p.serviceId() != null ? p.serviceId() : clinician.map(RegionDirectory.RegionClinician::serviceId).orElse(null);
			if (service != null) {
				services.add("HealthcareService/" + service);
			}
			participants.add(new Reference("Practitioner/" + p.practitionerId()));
			busyOfEach.add(appointmentsOf(p.practitionerId(), from, to).stream().map(ConsultationScheduling::interval).toList());
		}
		return new Plan("ServiceRequest/" + consult.serviceRequestId(), List.copyOf(services), participants, busyOfEach);
	}

	/**
	 * An Appointment of this consultant (other than {@code except}) that overlaps [start, end), if any: asked when a
	 * consult is booked, under the consultant's lock, so two consults never book one consultant at one time.
	 */
	public java.util.Optional<String> clash(String practitionerId, Instant start, Instant end, String except) {
		Interval wanted = new Interval(start, end);
		return appointmentsOf(practitionerId, start, end).stream()
				.filter(a -> !a.getIdElement().getIdPart().equals(except) && interval(a).overlaps(wanted))
				.map(a -> "Appointment/" + a.getIdElement().getIdPart()).findFirst();
	}

	/** The Appointments that take this consultant's time (as their Practitioner or PractitionerRole), around [from, to). */
	private List<Appointment> appointmentsOf(String practitionerId, Instant from, Instant to) {
		ReferenceOrListParam anyOf = new ReferenceOrListParam();
		anyOf.addOr(new ReferenceParam("Practitioner/" + practitionerId));
		directory.clinician("Practitioner/" + practitionerId).ifPresent(c -> anyOf.addOr(new ReferenceParam("PractitionerRole/" + c.roleId())));
		SearchParameterMap search = SearchParameterMap.newSynchronous().add(Appointment.SP_ACTOR, anyOf)
				.add(Appointment.SP_DATE, new DateParam(ParamPrefixEnum.GREATERTHAN_OR_EQUALS, Date.from(from.minus(Duration.ofDays(1)))))
				.add(Appointment.SP_DATE, new DateParam(ParamPrefixEnum.LESSTHAN, Date.from(to.plus(Duration.ofDays(1)))));
		return daoRegistry.getResourceDao(Appointment.class).searchForResources(search, new SystemRequestDetails()).stream()
				.map(Appointment.class::cast)
				.filter(a -> !NOT_TAKING_TIME.contains(a.getStatus()) && a.hasStart() && a.hasEnd() && a.getStart().before(a.getEnd()))
				.toList();
	}

	private static Interval interval(Appointment appointment) {
		return new Interval(appointment.getStart().toInstant(), appointment.getEnd().toInstant());
	}

}
