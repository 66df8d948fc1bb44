package org.onetrip.server.scheduling;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.beans.factory.DisposableBean;

/**
 * The figures people ask the platform for (seed 000: "appointment success rate of over 70%"), as gauges
 * refreshed in the background:
 * <ul>
 * <li>{@code onetrip_slot_utilisation{hospital}}: places taken / places in the slots of the days ahead
 * (from the ledger, so it counts every instance's bookings and survives restarts);</li>
 * <li>{@code onetrip_slot_places{hospital}}: the places those slots have;</li>
 * <li>{@code onetrip_appointment_success_ratio{hospital}}: bookings / attempts over the last
 * {@code onetrip.figures.success-window} (30 days), region-wide from {@link AppointmentAttempts}: every instance
 * reports the same, and a restart forgets nothing.</li>
 * </ul>
 */
public class SchedulingFigures implements DisposableBean {


	private final SlotLedger ledger;
	private final AppointmentAttempts attempts;
	private final Duration ahead;
	private final Duration successWindow;
	private final MultiGauge utilisation;
	private final MultiGauge places;
	private final MultiGauge success;
	private final org.onetrip.server.observability.BackgroundRefresh refresher;

	public SchedulingFigures(SlotLedger ledger, AppointmentAttempts attempts, MeterRegistry meters, Duration ahead,
			Duration successWindow, Duration refresh) {
		this.ledger = ledger;
		this.attempts = attempts;
		this.ahead = ahead;
		this.successWindow = successWindow;
		this.utilisation = MultiGauge.builder("onetrip.slot.utilisation")
				.description("Places taken / places in the slots of the days ahead, by hospital").register(meters);
		this.places = MultiGauge.builder("onetrip.slot.places")
				.description("Places in the slots of the days ahead, by hospital").register(meters);
		this.success = MultiGauge.builder("onetrip.appointment.success.ratio")
				.description("Bookings / attempts to take a slot place over the last 30 days, region-wide, by hospital").register(meters);
		this.refresher = new org.onetrip.server.observability.BackgroundRefresh("onetrip-scheduling-figures", refresh, this::refresh);
	}

	void refresh() {
		Instant now = Instant.now();
		Map<String, SlotLedger.Utilisation> byHospital = ledger.utilisation(now, now.plus(ahead));
		List<MultiGauge.Row<?>> utilisationRows = new ArrayList<>();
		List<MultiGauge.Row<?>> placeRows = new ArrayList<>();
		byHospital.forEach((hospital, figures) -> {
			utilisationRows.add(MultiGauge.Row.of(Tags.of("hospital", hospital), figures.ratio()));
			placeRows.add(MultiGauge.Row.of(Tags.of("hospital", hospital), figures.places()));
		});
		utilisation.register(utilisationRows, true);
		places.register(placeRows, true);
		success.register(successRows(now), true);
	}

	private List<MultiGauge.Row<?>> successRows(Instant now) {
		Map<String, long[]> bookedAndAttempted = new TreeMap<>();
		attempts.counts(now.minus(successWindow), now, null, null).forEach((place, counts) -> {
			long[] figures = bookedAndAttempted.computeIfAbsent(place.hospital(), h -> new long[2]);
			figures[0] += counts.booked() + counts.holdsBooked();
			figures[1] += counts.attempted();
		});
		List<MultiGauge.Row<?>> rows = new ArrayList<>();
		bookedAndAttempted.forEach((hospital, figures) -> {
			if (figures[1] > 0) {
				rows.add(MultiGauge.Row.of(Tags.of("hospital", hospital), (double) figures[0] / figures[1]));
			}
		});
		return rows;
	}

	@Override
	public void destroy() {
		refresher.close();
	}
}
