package org.onetrip.server.region;

import java.util.List;
import org.hl7.fhir.r4.model.Resource;
import org.onetrip.server.hapi.ConfigPublication;
import org.onetrip.terminology.region.Region;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Writes the region (NamingSystems, Organizations, Endpoints, HealthcareServices, Practitioners,
 * PractitionerRoles) in one transaction of PUTs, when the config or the stored resources changed since the last
 * start ({@link ConfigPublication}); HAPI skips a PUT whose content did not change, so versions move only for what changed.
 */
@Component
@Order(20)
public class RegionLoader implements ApplicationRunner {

	private static final Logger log = LoggerFactory.getLogger(RegionLoader.class);

	private final Region region;
	private final ConfigPublication publication;

	public RegionLoader(Region region, ConfigPublication publication) {
		this.region = region;
		this.publication = publication;
	}

	@Override
	public void run(ApplicationArguments args) {
		List<Resource> resources = RegionResources.of(region);
		publication.publish("region", resources).ifPresentOrElse(response -> log.info(
						"Region '{}' loaded: {} hospitals, {} resources ({} newly created)", region.name(), region.hospitals().size(),
						resources.size(), response.getEntry().stream().filter(e -> e.getResponse().getStatus().startsWith("201")).count()),
				() -> log.info("Region '{}' unchanged since it was last loaded: {} hospitals, {} resources", region.name(),
						region.hospitals().size(), resources.size()));
	}
}
