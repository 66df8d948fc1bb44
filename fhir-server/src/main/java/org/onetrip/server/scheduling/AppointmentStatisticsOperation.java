package org.onetrip.server.scheduling;

import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.StringType;
import org.onetrip.workflow.booking.Place;

/**
 * {@code GET [base]/$appointment-statistics?start=&end=&hospital=&department=}: the region's appointment figures for a
 * period, from the database (the same on every instance, after any restart). Per hospital and department: attempts to
 * take a slot place made in the period, bookings, holds, refusals by reason and the success ratio (bookings / attempts);
 * and for the slots starting in the period, their places and how many are taken (utilisation).
 */
public class AppointmentStatisticsOperation {

	private final AppointmentAttempts attempts;
	private final SlotLedger ledger;

	public AppointmentStatisticsOperation(AppointmentAttempts attempts, SlotLedger ledger) {
		this.attempts = attempts;
		this.ledger = ledger;
	}

	/**
	 * @param start from (default 30 days before end); @param end until, exclusive (default now)
	 * @param hospital a hospital key (hospital-a) to see only it; @param department a HealthcareService id to see only it
	 */
	@Operation(name = "$appointment-statistics", idempotent = true)
	public Parameters statistics(@OperationParam(name = "start", max = 1) DateTimeType start,
			@OperationParam(name = "end", max = 1) DateTimeType end,
			@OperationParam(name = "hospital", max = 1) StringType hospital,
			@OperationParam(name = "department", max = 1) StringType department) {
		Instant to = end != null && end.getValue() != null ? end.getValue().toInstant() : Instant.now();
		Instant from = start != null && start.getValue() != null ? start.getValue().toInstant() : to.minus(Duration.ofDays(30));
		if (!from.isBefore(to)) {
			throw new InvalidRequestException("$appointment-statistics: 'start' must be before 'end'");
		}
		String onlyHospital = hospital == null || hospital.isEmpty() ? null : hospital.getValue();
		String onlyDepartment = department == null || department.isEmpty() ? null : department.getValue();
		Map<Place, AppointmentAttempts.Counts> counts = attempts.counts(from, to, onlyHospital, onlyDepartment);
		Map<Place, SlotLedger.Utilisation> utilisation = new TreeMap<>(ledger.utilisationByPlace(from, to));
		utilisation.keySet().removeIf(p -> (onlyHospital != null && !onlyHospital.equals(p.hospital()))
				|| (onlyDepartment != null && !onlyDepartment.equals(p.department())));
		TreeSet<Place> places = new TreeSet<>(counts.keySet());
		places.addAll(utilisation.keySet());

		Parameters out = new Parameters();
		out.addParameter().setName("start").setValue(new DateTimeType(java.util.Date.from(from)));
		out.addParameter().setName("end").setValue(new DateTimeType(java.util.Date.from(to)));
		AppointmentAttempts.Counts none = new AppointmentAttempts.Counts(0, 0, 0, Map.of());
		long[] total = new long[3];
		for (Place place : places) {
			AppointmentAttempts.Counts c = counts.getOrDefault(place, none);
			ParametersParameterComponent group = out.addParameter().setName("group");
			group.addPart().setName("hospital").setValue(new StringType(place.hospital()));
			group.addPart().setName("department").setValue(new StringType(place.department()));
			group.addPart().setName("attempted").setValue(new IntegerType(Math.toIntExact(c.attempted())));
			group.addPart().setName("booked").setValue(new IntegerType(Math.toIntExact(c.booked() + c.holdsBooked())));
			group.addPart().setName("held").setValue(new IntegerType(Math.toIntExact(c.held())));
			c.refused().forEach((reason, n) -> group.addPart().setName(reason).setValue(new IntegerType(Math.toIntExact(n))));
			if (c.attempted() > 0) {
				group.addPart().setName("success-ratio").setValue(new DecimalType(round(c.successRatio())));
			}
			SlotLedger.Utilisation slots = utilisation.get(place);
			if (slots != null) {
				group.addPart().setName("slot-places").setValue(new IntegerType(Math.toIntExact(slots.places())));
				group.addPart().setName("slot-places-taken").setValue(new IntegerType(Math.toIntExact(slots.taken())));
				group.addPart().setName("slot-utilisation").setValue(new DecimalType(round(slots.ratio())));
			}
			total[0] += c.attempted();
			total[1] += c.booked() + c.holdsBooked();
		}
		out.addParameter().setName("attempted").setValue(new IntegerType(Math.toIntExact(total[0])));
		out.addParameter().setName("booked").setValue(new IntegerType(Math.toIntExact(total[1])));
		if (total[0] > 0) {
			out.addParameter().setName("success-ratio").setValue(new DecimalType(round((double) total[1] / total[0])));
		}
		return out;
	}

	private static double round(double value) {
		return Math.round(value * 10_000) / 10_000.0;
	}
}
