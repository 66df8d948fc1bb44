package org.onetrip.server.settlement;

import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Resource;
import org.onetrip.server.hapi.ConfigPublication;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;

/**
 * Writes the hospitals' price lists as ChargeItemDefinition resources at start, when they or the stored ones changed since
 * the last start ({@link ConfigPublication}; unchanged ones keep their version).
 */
class PriceListPublisher implements ApplicationRunner {

	private static final Logger log = LoggerFactory.getLogger(PriceListPublisher.class);

	private final PriceList prices;
	private final ConfigPublication publication;

	PriceListPublisher(PriceList prices, ConfigPublication publication) {
		this.prices = prices;
		this.publication = publication;
	}

	@Override
	public void run(ApplicationArguments args) {
		if (prices.definitions().isEmpty()) {
			return;
		}
		List<Resource> definitions = new ArrayList<>(prices.definitions());
		boolean written = publication.publish("price-lists", definitions).isPresent();
		log.info("Price lists {}: {} ChargeItemDefinitions", written ? "published" : "unchanged since the last start", definitions.size());
	}
}
