package org.onetrip.server.region;

import org.onetrip.server.OneTripProperties;
import org.onetrip.terminology.region.Region;
import org.onetrip.terminology.region.RegionConfig;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration
public class RegionConfiguration {

	/** The region is read once at start; an invalid file stops the server with the reason. */
	@Bean
	public Region region(OneTripProperties properties) {
		return RegionConfig.load(properties.regionFile());
	}
}
