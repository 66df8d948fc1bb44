package org.onetrip.server.scheduling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/**
 * {@code config/rosters.yaml}: when each department sees patients, in slots of how many minutes, each
 * taking how many appointments, how many kept for primary-care referrals.
 */
public record Rosters(ZoneId zone, int daysAhead, Duration referralRelease, List<Roster> rosters) {

	/** A working session of a day, e.g. 08:00-12:00. */
	public record Session(LocalTime from, LocalTime to) {}

	/**
	 * @param consultation a consulting department's consultation roster (kind: consultation): its slots take consults,
	 *                     booked for a consultation request, not visits ({@link ConsultationSlots})
	 */
	public record Roster(String serviceId, Set<DayOfWeek> days, List<Session> sessions, int slotMinutes, int capacity,
			int referralReserved, boolean consultation) {

		/** The slots of one day: start instants in the region's time zone. */
		public List<ZonedDateTime> slotStarts(LocalDate day, ZoneId zone) {
			List<ZonedDateTime> starts = new ArrayList<>();
			if (!days.contains(day.getDayOfWeek())) {
				return starts;
			}
			for (Session session : sessions) {
				for (LocalTime t = session.from(); !t.plusMinutes(slotMinutes).isAfter(session.to()); t = t.plusMinutes(slotMinutes)) {
					starts.add(day.atTime(t).atZone(zone));
					if (t.plusMinutes(slotMinutes).isBefore(t)) {
						break; // past midnight
					}
				}
			}
			return starts;
		}
	}

	public static Rosters load(Path file, Predicate<String> isRegionService) {
		if (!Files.exists(file)) {
			return new Rosters(ZoneId.systemDefault(), 0, Duration.ofDays(1), List.of());
		}
		try (InputStream in = Files.newInputStream(file)) {
			return parse(new ObjectMapper(new YAMLFactory()).readTree(in), file.toString(), isRegionService);
		} catch (IOException e) {
			throw new UncheckedIOException("cannot read rosters " + file + ": " + e.getMessage(), e);
		}
	}

	static Rosters parse(JsonNode root, String source, Predicate<String> isRegionService) {
		try {
			ZoneId zone = ZoneId.of(root.path("timeZone").asText(ZoneId.systemDefault().getId()));
			int daysAhead = root.path("daysAhead").asInt(14);
			Duration release = Duration.parse(root.path("referralRelease").asText("P1D"));
			List<Roster> rosters = new ArrayList<>();
			for (JsonNode r : root.path("rosters")) {
				String service = r.path("service").asText("");
				String where = source + " roster '" + service + "'";
				if (!isRegionService.test(service)) {
					throw new IllegalArgumentException(where + ": no department (HealthcareService) '" + service
							+ "' in the region; use <hospital-key>-<department-key>");
				}
				Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
				for (JsonNode d : r.path("days")) {
					days.add(dayOf(d.asText(), where));
				}
				List<Session> sessions = new ArrayList<>();
				for (JsonNode s : r.path("sessions")) {
					String[] parts = s.asText().split("-");
					if (parts.length != 2) {
						throw new IllegalArgumentException(where + ": session '" + s.asText() + "' is not HH:MM-HH:MM");
					}
					Session session = new Session(LocalTime.parse(parts[0].trim()), LocalTime.parse(parts[1].trim()));
					if (!session.from().isBefore(session.to())) {
						throw new IllegalArgumentException(where + ": session '" + s.asText() + "' ends before it starts");
					}
					sessions.add(session);
				}
				int minutes = r.path("slotMinutes").asInt(30);
				int capacity = r.path("capacity").asInt(1);
				int reserved = r.path("referralReserved").asInt(0);
				if (minutes < 5 || capacity < 1 || reserved < 0 || reserved > capacity || days.isEmpty() || sessions.isEmpty()) {
					throw new IllegalArgumentException(where + ": needs days, sessions, slotMinutes >= 5, capacity >= 1 "
							+ "and 0 <= referralReserved <= capacity");
				}
				String kind = r.path("kind").asText("visits");
				if (!kind.equals("visits") && !kind.equals("consultation")) {
					throw new IllegalArgumentException(where + ": kind is visits (the default) or consultation, was '" + kind + "'");
				}
				rosters.add(new Roster(service, days, sessions, minutes, capacity, reserved, kind.equals("consultation")));
			}
			return new Rosters(zone, daysAhead, release, rosters);
		} catch (DateTimeException e) {
			throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
		}
	}

	private static DayOfWeek dayOf(String text, String where) {
		for (DayOfWeek day : DayOfWeek.values()) {
			if (day.name().startsWith(text.trim().toUpperCase(Locale.ROOT)) && text.trim().length() >= 3) {
				return day;
			}
		}
		throw new IllegalArgumentException(where + ": '" + text + "' is not a day of the week (MON ... SUN)");
	}
}
