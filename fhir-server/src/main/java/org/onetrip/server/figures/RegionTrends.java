package org.onetrip.server.figures;

import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.onetrip.server.scheduling.AppointmentAttempts;
import org.onetrip.server.scheduling.SlotLedger;
import org.onetrip.workflow.booking.Place;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * {@code GET [base]/$region-trends?days=14&hospital=}: the region's figures day by day (the region's days, in its time
 * zone), for the console's charts, from the ledgers every instance shares: appointment attempts, bookings and the success
 * ratio; the places of the day's slots and how many are taken; duplicate-exam reminders issued, accepted and overridden;
 * referrals opened and completed; consults requested and answered. With {@code hospital} only that hospital's (a
 * referral or consult counts for both of its hospitals).
 */
public class RegionTrends {

	static final int MAX_DAYS = 92;

	private final AppointmentAttempts attempts;
	private final SlotLedger slots;
	private final JdbcTemplate jdbc;
	private final ZoneId zone;
	private final Clock clock;
	private final java.util.Set<String> regionHospitals;

	public RegionTrends(AppointmentAttempts attempts, SlotLedger slots, JdbcTemplate jdbc, ZoneId zone, Clock clock,
			java.util.Set<String> regionHospitals) {
		this.regionHospitals = regionHospitals;
		this.attempts = attempts;
		this.slots = slots;
		this.jdbc = jdbc;
		this.zone = zone;
		this.clock = clock;
	}

	/** @param days how many days up to today (default 14, at most 92); @param hospital a hospital key to see only it */
	@Operation(name = "$region-trends", idempotent = true)
	public Parameters trends(@OperationParam(name = "days", max = 1) IntegerType days,
			@OperationParam(name = "hospital", max = 1) StringType hospital, ca.uhn.fhir.rest.api.server.RequestDetails request) {
		org.onetrip.server.security.FhirAccessInterceptor.refusePatients(request, "$region-trends");
		int count = days == null || days.getValue() == null ? 14 : days.getValue();
		if (count < 1 || count > MAX_DAYS) {
			throw new InvalidRequestException("$region-trends: 'days' is 1 to " + MAX_DAYS + ", was " + count);
		}
		String only = hospital == null || hospital.isEmpty() ? null : hospital.getValue();
		if (only != null && regionHospitals != null && !regionHospitals.contains(only)) {
			throw new InvalidRequestException("$region-trends: 'hospital' " + only + " is not a hospital of the region");
		}
		LocalDate today = clock.instant().atZone(zone).toLocalDate();
		Parameters out = new Parameters();
		if (only != null) {
			out.addParameter().setName("hospital").setValue(new StringType(only));
		}
		for (LocalDate day = today.minusDays(count - 1L); !day.isAfter(today); day = day.plusDays(1)) {
			Instant from = day.atStartOfDay(zone).toInstant();
			Instant to = day.plusDays(1).atStartOfDay(zone).toInstant();
			Parameters.ParametersParameterComponent figures = out.addParameter().setName("day");
			figures.addPart().setName("date").setValue(new DateType(day.toString()));
			appointments(figures, from, to, only);
			reminders(figures, from, to, only);
			referrals(figures, from, to, only);
			consults(figures, from, to, only);
		}
		return out;
	}

	private void appointments(Parameters.ParametersParameterComponent figures, Instant from, Instant to, String hospital) {
		long attempted = 0;
		long booked = 0;
		for (AppointmentAttempts.Counts c : attempts.counts(from, to, hospital, null).values()) {
			attempted += c.attempted();
			booked += c.booked() + c.holdsBooked();
		}
		part(figures, "attempted", attempted);
		part(figures, "booked", booked);
		if (attempted > 0) {
			figures.addPart().setName("success-ratio").setValue(ratio(booked, attempted));
		}
		long places = 0;
		long taken = 0;
		for (Map.Entry<Place, SlotLedger.Utilisation> e : slots.utilisationByPlace(from, to).entrySet()) {
			if (hospital == null || hospital.equals(e.getKey().hospital())) {
				places += e.getValue().places();
				taken += e.getValue().taken();
			}
		}
		part(figures, "slot-places", places);
		part(figures, "slot-places-taken", taken);
		if (places > 0) {
			figures.addPart().setName("slot-utilisation").setValue(ratio(taken, places));
		}
	}

	private void reminders(Parameters.ParametersParameterComponent figures, Instant from, Instant to, String hospital) {
		Map<String, Object> row = jdbc.queryForMap("SELECT COUNT(*) AS ISSUED, "
				+ "COUNT(CASE WHEN OUTCOME = 'accepted' THEN 1 END) AS ACCEPTED, COUNT(CASE WHEN OUTCOME = 'overridden' THEN 1 END) AS OVERRIDDEN "
				+ "FROM OT_CDS_REMINDER WHERE ISSUED_AT >= ? AND ISSUED_AT < ?" + (hospital == null ? "" : " AND HOSPITAL_KEY = ?"),
				args(from, to, hospital, 1));
		part(figures, "reminders-issued", ((Number) row.get("issued")).longValue());
		part(figures, "reminders-accepted", ((Number) row.get("accepted")).longValue());
		part(figures, "reminders-overridden", ((Number) row.get("overridden")).longValue());
	}

	private void referrals(Parameters.ParametersParameterComponent figures, Instant from, Instant to, String hospital) {
		String either = hospital == null ? "" : " AND (REQUESTER_HOSPITAL = ? OR PERFORMER_HOSPITAL = ?)";
		part(figures, "referrals-opened", count("SELECT COUNT(*) FROM OT_REFERRAL WHERE COALESCE(OPENED_AT, UPDATED_AT) >= ? "
				+ "AND COALESCE(OPENED_AT, UPDATED_AT) < ?" + either, args(from, to, hospital, 2)));
		part(figures, "referrals-completed", count("SELECT COUNT(*) FROM OT_REFERRAL WHERE STATE = 'COMPLETED' AND UPDATED_AT >= ? "
				+ "AND UPDATED_AT < ?" + either, args(from, to, hospital, 2)));
	}

	private void consults(Parameters.ParametersParameterComponent figures, Instant from, Instant to, String hospital) {
		String either = hospital == null ? "" : " AND (REQUESTER_HOSPITAL = ? OR CONSULTING_HOSPITAL = ?)";
		part(figures, "consults-requested", count("SELECT COUNT(*) FROM OT_CONSULT WHERE REQUESTED_AT >= ? AND REQUESTED_AT < ?"
				+ either, args(from, to, hospital, 2)));
		part(figures, "consults-answered", count("SELECT COUNT(*) FROM OT_CONSULT WHERE ANSWERED_AT >= ? AND ANSWERED_AT < ?"
				+ either, args(from, to, hospital, 2)));
	}

	/** The time range in epoch milliseconds, then the hospital as many times as the query names it. */
	private static Object[] args(Instant from, Instant to, String hospital, int hospitalTimes) {
		List<Object> args = new java.util.ArrayList<>(List.of(from.toEpochMilli(), to.toEpochMilli()));
		for (int i = 0; hospital != null && i < hospitalTimes; i++) {
			args.add(hospital);
		}
		return args.toArray();
	}

	private long count(String sql, Object[] args) {
		Long found = jdbc.queryForObject(sql, Long.class, args);
		return found == null ? 0 : found;
	}

	private static void part(Parameters.ParametersParameterComponent figures, String name, long value) {
		figures.addPart().setName(name).setValue(new IntegerType(Math.toIntExact(value)));
	}

	private static DecimalType ratio(long part, long whole) {
		return new DecimalType(BigDecimal.valueOf(part).divide(BigDecimal.valueOf(whole), 3, RoundingMode.HALF_UP));
	}
}
