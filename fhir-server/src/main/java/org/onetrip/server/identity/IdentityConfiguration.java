package org.onetrip.server.identity;

import org.onetrip.server.hapi.FhirServerContribution;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration
public class IdentityConfiguration {

	@Bean
	public FhirServerContribution conditionalCreateRetry() {
		return FhirServerContribution.interceptor(new ConditionalCreateRetry());
	}
}
