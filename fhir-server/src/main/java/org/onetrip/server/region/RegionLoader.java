package org.onetrip.server.region;

import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.onetrip.server.hapi.PutTransaction;
import org.hl7.fhir.r4.model.Resource;
import org.onetrip.terminology.region.Region;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Writes the region (NamingSystems, Organizations, Endpoints, HealthcareServices, Practitioners,
 * PractitionerRoles) at every start in one transaction of PUTs. HAPI skips a PUT whose content did
 * not change, so an unchanged config leaves every version where it was.
 */
@Component
@Order(20)
public class RegionLoader implements ApplicationRunner {

	private static final Logger log = LoggerFactory.getLogger(RegionLoader.class);

	private final Region region;
	private final IFhirSystemDao<Bundle, ?> systemDao;

	public RegionLoader(Region region, IFhirSystemDao<Bundle, ?> systemDao) {
		this.region = region;
		this.systemDao = systemDao;
	}

	@Override
	public void run(ApplicationArguments args) {
		List<Resource> resources = RegionResources.of(region);
		Bundle response = systemDao.transaction(new SystemRequestDetails(), PutTransaction.of(resources));
		long created = response.getEntry().stream()
				.filter(e -> e.getResponse().getStatus().startsWith("201"))
				.count();
		log.info("Region '{}' loaded: {} hospitals, {} resources ({} newly created)",
				region.name(), region.hospitals().size(), resources.size(), created);
	}
}
