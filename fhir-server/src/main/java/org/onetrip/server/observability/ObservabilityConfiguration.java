package org.onetrip.server.observability;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationPredicate;
import jakarta.servlet.http.HttpServletMapping;
import org.onetrip.server.hapi.FhirEndpointConfiguration;
import org.onetrip.server.hapi.FhirServerContribution;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.observation.ServerRequestObservationContext;

@Configuration
public class ObservabilityConfiguration {

	@Bean
	public FhirServerContribution fhirRequestMetrics(MeterRegistry registry) {
		return FhirServerContribution.interceptor(new FhirRequestMetrics(registry));
	}

	/**
	 * FHIR requests are timed once, by {@link FhirRequestMetrics}, not also by Spring's {@code http.server.requests}
	 * observation. That one knows only Spring MVC's URL patterns and so put every FHIR request under {@code uri="UNKNOWN"},
	 * while its start and stop (a timer and an active-requests gauge per request) took ~5 % of the request threads' CPU in a
	 * booking storm (bench/HISTORY.md, 2026-12-04 stop 43). Requests Spring Security refuses before HAPI are counted by the
	 * audit ({@code onetrip_audit_events_total{kind="login"}}); every other endpoint keeps {@code http.server.requests}.
	 */
	@Bean
	public ObservationPredicate fhirRequestsTimedByOneTrip() {
		return (name, context) -> !(context instanceof ServerRequestObservationContext servletRequest)
				|| !servedByHapi(servletRequest.getCarrier().getHttpServletMapping());
	}

	private static boolean servedByHapi(HttpServletMapping mapping) {
		return mapping != null && FhirEndpointConfiguration.FHIR_SERVLET.equals(mapping.getServletName());
	}
}
