package org.onetrip.server.hapi;

import ca.uhn.fhir.rest.server.RestfulServer;

/**
 * How a OneTrip feature adds its interceptors and operation providers to the FHIR endpoint
 * without the HAPI wiring knowing about the feature.
 */
@FunctionalInterface
public interface FhirServerContribution {

	void contributeTo(RestfulServer server);

	static FhirServerContribution interceptor(Object interceptor) {
		return server -> server.registerInterceptor(interceptor);
	}

	static FhirServerContribution provider(Object provider) {
		return server -> server.registerProvider(provider);
	}
}
