package org.onetrip.server.consultation;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.onetrip.server.observability.BackgroundRefresh;
import org.onetrip.server.region.RegionDirectory;
import org.springframework.beans.factory.DisposableBean;

/**
 * {@code onetrip_consultations_current{from_level,to_level,state}}: every consult the region holds by the levels of the
 * requesting and the (first) consulting hospital and its state, from the ledger, so the gauge covers every instance.
 */
public class ConsultationFigures implements DisposableBean {

	private final ConsultationLedger ledger;
	private final RegionDirectory directory;
	private final MultiGauge consults;
	private final BackgroundRefresh refresher;

	public ConsultationFigures(ConsultationLedger ledger, RegionDirectory directory, MeterRegistry meters, Duration refresh) {
		this.ledger = ledger;
		this.directory = directory;
		this.consults = MultiGauge.builder("onetrip.consultations.current")
				.description("Consultations held by the region, by the levels of the requesting and consulting hospital, and state")
				.register(meters);
		this.refresher = new BackgroundRefresh("onetrip-consultation-figures", refresh, this::refresh);
	}

	void refresh() {
		Map<Tags, Long> counts = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
		for (Object[] row : ledger.countsByHospitalAndState()) {
			counts.merge(Tags.of("from_level", level((String) row[0]), "to_level", level((String) row[1]),
					"state", ((String) row[2]).toLowerCase(Locale.ROOT)), (Long) row[3], Long::sum);
		}
		List<MultiGauge.Row<?>> rows = new ArrayList<>();
		counts.forEach((tags, count) -> rows.add(MultiGauge.Row.of(tags, count)));
		consults.register(rows, true);
	}

	private String level(String hospital) {
		return directory.levelName(hospital);
	}

	@Override
	public void destroy() {
		refresher.close();
	}
}
