package org.onetrip.server.settlement;

import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;
import org.onetrip.server.hapi.PutTransaction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;

/** Writes the hospitals' price lists as ChargeItemDefinition resources at every start (unchanged ones keep their version). */
class PriceListPublisher implements ApplicationRunner {

	private static final Logger log = LoggerFactory.getLogger(PriceListPublisher.class);

	private final PriceList prices;
	private final IFhirSystemDao<Bundle, ?> systemDao;

	PriceListPublisher(PriceList prices, IFhirSystemDao<Bundle, ?> systemDao) {
		this.prices = prices;
		this.systemDao = systemDao;
	}

	@Override
	public void run(ApplicationArguments args) {
		if (prices.definitions().isEmpty()) {
			return;
		}
		List<Resource> definitions = new ArrayList<>(prices.definitions());
		systemDao.transaction(new SystemRequestDetails(), PutTransaction.of(definitions));
		log.info("Price lists published: {} ChargeItemDefinitions", definitions.size());
	}
}
