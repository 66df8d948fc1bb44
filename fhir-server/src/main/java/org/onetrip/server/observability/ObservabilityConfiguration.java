package org.onetrip.server.observability;

import io.micrometer.core.instrument.MeterRegistry;
import org.onetrip.server.hapi.FhirServerContribution;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration
public class ObservabilityConfiguration {

	@Bean
	public FhirServerContribution fhirRequestMetrics(MeterRegistry registry) {
		return FhirServerContribution.interceptor(new FhirRequestMetrics(registry));
	}
}
