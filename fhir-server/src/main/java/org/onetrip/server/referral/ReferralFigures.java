package org.onetrip.server.referral;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.workflow.referral.ReferralCategory;
import org.springframework.beans.factory.DisposableBean;

/**
 * {@code onetrip_referrals_current{from_level,to_level,category,state}}: every referral the region holds,
 * by the levels of the two hospitals (primary to tertiary and back: "two-way referral", seed 002), from the
 * referral ledger, so the figure covers every instance and survives restarts.
 */
public class ReferralFigures implements DisposableBean {


	private final ReferralLedger ledger;
	private final RegionDirectory directory;
	private final MultiGauge referrals;
	private final org.onetrip.server.observability.BackgroundRefresh refresher;

	public ReferralFigures(ReferralLedger ledger, RegionDirectory directory, MeterRegistry meters, Duration refresh) {
		this.ledger = ledger;
		this.directory = directory;
		this.referrals = MultiGauge.builder("onetrip.referrals.current")
				.description("Referrals held by the region, by the levels of the two hospitals, category and state").register(meters);
		this.refresher = new org.onetrip.server.observability.BackgroundRefresh("onetrip-referral-figures", refresh, this::refresh);
	}

	void refresh() {
		Map<Tags, Long> counts = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
		for (Object[] row : ledger.countsByHospitalAndState()) {
			Tags tags = Tags.of("from_level", level((String) row[0]), "to_level", level((String) row[1]),
					"category", ReferralCategory.valueOf((String) row[2]).code(),
					"state", ((String) row[3]).toLowerCase(Locale.ROOT));
			counts.merge(tags, (Long) row[4], Long::sum);
		}
		List<MultiGauge.Row<?>> rows = new ArrayList<>();
		counts.forEach((tags, count) -> rows.add(MultiGauge.Row.of(tags, count)));
		referrals.register(rows, true);
	}

	private String level(String hospitalKey) {
		return directory.levelName(hospitalKey);
	}

	@Override
	public void destroy() {
		refresher.close();
	}
}
