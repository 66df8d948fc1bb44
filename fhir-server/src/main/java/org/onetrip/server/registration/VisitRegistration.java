package org.onetrip.server.registration;

import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Date;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.ChargeItem;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Money;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.onetrip.server.hapi.Conflict;
import org.onetrip.server.hapi.WorkflowEffects;
import org.onetrip.server.hapi.WorkflowHandler;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.server.scheduling.AppointmentTerms;
import org.onetrip.terminology.region.Hospital;
import org.onetrip.workflow.registration.HospitalRule;
import org.onetrip.workflow.registration.RegistrationRule;
import org.springframework.dao.DuplicateKeyException;

/**
 * One registration, several visits (seed 003). When an appointment's patient arrives (status arrived,
 * checked-in or fulfilled, by $check-in or any other write), the visit gets its Encounter in the same
 * transaction; the first visit also gets a registration ChargeItem (the fee), and a revisit that the
 * hospital's {@link RegistrationRule} says is covered points to that first Encounter ({@code partOf}) and
 * is charged nothing.
 */
public class VisitRegistration implements WorkflowHandler {

	public static final String FEE_SYSTEM = "urn:onetrip:fee";
	/** On a visit's Encounter: the ChargeItem of the registration that covers it. */
	public static final String EXT_REGISTRATION_FEE = "urn:onetrip:fhir:extension:registration-fee";
	/** On a visit's Encounter and a registration ChargeItem: the last day the registration covers. */
	public static final String EXT_VALID_UNTIL = "urn:onetrip:fhir:extension:registration-valid-until";

	private static final Coding AMBULATORY = new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", "ambulatory");

	private final RegistrationLedger ledger;
	private final RegistrationRules rules;
	private final RegionDirectory directory;
	private final ZoneId zone;
	private final MeterRegistry meters;
	private final Clock clock;

	public VisitRegistration(RegistrationLedger ledger, RegistrationRules rules,
			RegionDirectory directory, ZoneId zone, MeterRegistry meters, Clock clock) {
		this.ledger = ledger;
		this.rules = rules;
		this.directory = directory;
		this.zone = zone;
		this.meters = meters;
		this.clock = clock;
	}

	@Override
	public Stage stage() {
		return Stage.REGISTRATION;
	}

	@Override
	public Set<String> resourceTypes() {
		return Set.of("Appointment");
	}

	@Override
	public void written(Write write, WorkflowEffects effects) {
		if (!write.deleted() && write.resource() instanceof Appointment appointment
				&& AppointmentTerms.status(appointment).patientCame() && !isConsultMeeting(appointment)) {
			register(appointment, effects);
		}
	}

	/** A consult's video meeting (on a consultation slot) is no visit of the patient at the consulting hospital. */
	private static boolean isConsultMeeting(Appointment appointment) {
		return appointment.getSlot().stream().anyMatch(s -> org.onetrip.server.scheduling.ConsultationSlots
				.isConsultationSlot(s.getReferenceElement().getIdPart()));
	}

	private void register(Appointment appointment, WorkflowEffects effects) {
		String appointmentId = appointment.getIdElement().getIdPart();
		Optional<Place> where = place(appointment);
		if (where.isEmpty()) {
			return; // not at one of the region's hospitals: nothing OneTrip registers or charges
		}
		String patientId = appointment.getParticipant().stream().map(p -> p.getActor().getReferenceElement())
				.filter(r -> "Patient".equals(r.getResourceType())).map(r -> r.getIdPart()).findFirst()
				.orElseThrow(() -> new UnprocessableEntityException("Appointment " + appointmentId + " is " + appointment.getStatus().toCode()
						+ " but names no Patient participant: a visit is registered to a patient"));
		Place place = where.get();
		String visitKey = place.hospital().key() + "|" + patientId + "|" + place.department();
		// Per patient and department: check-ins of one person at one desk are decided one after the other.
		ledger.serialise(visitKey);
		if (ledger.visitOf(appointmentId).isPresent()) {
			return; // already registered when the patient arrived; fulfilling it changes nothing here
		}
		HospitalRule rule = rules.of(place.hospital().key());
		LocalDate day = LocalDate.ofInstant(appointment.hasStart() ? appointment.getStart().toInstant() : clock.instant(), zone);
		RegistrationRule.Visit visit = new RegistrationRule.Visit(appointmentId, place.department(), condition(appointment), day);
		RegistrationRule.Decision decision = RegistrationRule.decide(rule, visit, ledger.registrations(place.hospital().key(),
				patientId, RegistrationRule.earliestCoveringFirstDay(rule, day), day));

		Encounter encounter = encounter(appointment, patientId, place);
		// Ids chosen here, so the Encounter, its fee and the ledger can name each other before the pipeline writes them.
		String encounterId = UUID.randomUUID().toString();
		encounter.setId(encounterId);
		encounter.addExtension(EXT_VALID_UNTIL, new DateType(java.sql.Date.valueOf(decision.lastDay())));
		RegistrationLedger.Visit recorded;
		if (decision instanceof RegistrationRule.Covered covered) {
			RegistrationRule.Registration registration = covered.registration();
			encounter.setPartOf(new Reference("Encounter/" + registration.encounterId()));
			encounter.addExtension(EXT_REGISTRATION_FEE, new Reference("ChargeItem/" + registration.chargeItemId()));
			effects.write(encounter);
			recorded = new RegistrationLedger.Visit(appointmentId, encounterId, registration.encounterId(),
					registration.chargeItemId(), false, covered.lastDay());
		} else {
			RegistrationRule.NewRegistration registration = (RegistrationRule.NewRegistration) decision;
			String chargeItemId = UUID.randomUUID().toString();
			encounter.addExtension(EXT_REGISTRATION_FEE, new Reference("ChargeItem/" + chargeItemId));
			effects.write(encounter);
			ChargeItem item = fee(rule.fee(), patientId, encounterId, place, registration.lastDay());
			item.setId(chargeItemId);
			effects.write(item);
			try {
				ledger.register(place.hospital().key(), patientId, new RegistrationRule.Registration(encounterId, chargeItemId,
						place.department(), registration.conditionKey(), day));
			} catch (DuplicateKeyException e) {
				throw Conflict.of("Patient/" + patientId + " was registered at " + place.hospital().name()
						+ " by another check-in at the same moment; check in again to join that registration");
			}
			recorded = new RegistrationLedger.Visit(appointmentId, encounterId, encounterId, chargeItemId, true,
					registration.lastDay());
		}
		ledger.recordVisit(recorded);
		Counter.builder("onetrip.registrations")
				.description("Visits checked in, by hospital and whether they needed a new registration fee")
				.tag("hospital", place.hospital().key()).tag("fee", recorded.newRegistration() ? "charged" : "covered")
				.register(meters).increment();
	}

	/** Where the visit is: the department (HealthcareService) participant, or the hospital as a whole. */
	private record Place(Hospital hospital, String department) {}

	private Optional<Place> place(Appointment appointment) {
		Optional<Place> fallback = Optional.empty();
		for (Appointment.AppointmentParticipantComponent participant : appointment.getParticipant()) {
			String reference = participant.getActor().getReference();
			Optional<Hospital> hospital = directory.hospitalOf(reference);
			if (hospital.isEmpty()) {
				continue;
			}
			if (RegionDirectory.relative(reference).startsWith("HealthcareService/")) {
				return Optional.of(new Place(hospital.get(), RegionDirectory.relative(reference)));
			}
			if (fallback.isEmpty()) {
				fallback = Optional.of(new Place(hospital.get(), "Organization/" + hospital.get().key()));
			}
		}
		return fallback;
	}

	/** What the visit is for: its first reason (a Condition, else a code); empty when it names none. */
	static String condition(Appointment appointment) {
		if (appointment.hasReasonReference() && appointment.getReasonReferenceFirstRep().hasReference()) {
			return RegionDirectory.relative(appointment.getReasonReferenceFirstRep().getReference());
		}
		return appointment.getReasonCode().stream().flatMap(c -> c.getCoding().stream())
				.filter(c -> c.hasSystem() && c.hasCode()).map(c -> c.getSystem() + "|" + c.getCode()).findFirst().orElse("");
	}

	private Encounter encounter(Appointment appointment, String patientId, Place place) {
		Encounter encounter = new Encounter();
		encounter.setStatus(Encounter.EncounterStatus.ARRIVED);
		encounter.setClass_(AMBULATORY.copy());
		encounter.setSubject(new Reference("Patient/" + patientId));
		encounter.addAppointment(new Reference("Appointment/" + appointment.getIdElement().getIdPart()));
		encounter.setServiceProvider(new Reference("Organization/" + place.hospital().key()).setDisplay(place.hospital().name()));
		if (place.department().startsWith("HealthcareService/")) {
			encounter.addLocation().setLocation(new Reference().setDisplay(place.department()));
			encounter.setServiceType(new CodeableConcept().setText(place.department()));
		}
		encounter.setPeriod(new Period().setStart(Date.from(clock.instant())));
		appointment.getReasonCode().forEach(c -> encounter.addReasonCode(c.copy()));
		appointment.getReasonReference().forEach(r -> encounter.addReasonReference(r.copy()));
		appointment.getParticipant().stream()
				.filter(p -> "Practitioner".equals(p.getActor().getReferenceElement().getResourceType())
						|| "PractitionerRole".equals(p.getActor().getReferenceElement().getResourceType()))
				.forEach(p -> encounter.addParticipant().setIndividual(p.getActor().copy()));
		return encounter;
	}

	private ChargeItem fee(HospitalRule.Fee fee, String patientId, String encounterId, Place place, LocalDate until) {
		ChargeItem item = new ChargeItem();
		item.setStatus(ChargeItem.ChargeItemStatus.BILLABLE);
		item.setCode(new CodeableConcept(new Coding(FEE_SYSTEM, fee.code(), fee.display())));
		item.setSubject(new Reference("Patient/" + patientId));
		item.setContext(new Reference("Encounter/" + encounterId));
		item.setOccurrence(new org.hl7.fhir.r4.model.DateTimeType(Date.from(clock.instant())));
		item.setPerformingOrganization(new Reference("Organization/" + place.hospital().key()));
		item.getQuantity().setValue(1);
		item.setPriceOverride(new Money().setValue(fee.amount()).setCurrency(fee.currency()));
		item.setEnteredDate(Date.from(clock.instant()));
		item.addExtension(EXT_VALID_UNTIL, new DateType(java.sql.Date.valueOf(until)));
		return item;
	}
}
