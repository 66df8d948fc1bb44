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

	/** A resource type OneTrip serves from its own store: HAPI's JPA provider for the type makes way for this one. */
	static FhirServerContribution resourceProviderInsteadOfHapis(ca.uhn.fhir.rest.server.IResourceProvider provider) {
		return server -> {
			server.unregisterProviders(server.getResourceProviders().stream()
					.filter(registered -> registered.getResourceType().equals(provider.getResourceType())).toList());
			server.registerProvider(provider);
		};
	}
}
