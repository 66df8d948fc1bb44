package org.onetrip.server.inputcheck;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.parser.StrictErrorHandler;
import org.onetrip.server.OneTripProperties;
import org.onetrip.server.hapi.FhirEndpointConfiguration;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Bad input is refused before it is stored: oversize bodies, unknown elements, missing required elements. */
@Configuration
public class InputCheckConfiguration {

	@Bean
	public FilterRegistrationBean<RequestBodyLimitFilter> requestBodyLimitFilter(OneTripProperties properties) {
		FilterRegistrationBean<RequestBodyLimitFilter> registration =
				new FilterRegistrationBean<>(new RequestBodyLimitFilter(properties.maxRequestBody().toBytes()));
		registration.addUrlPatterns(FhirEndpointConfiguration.FHIR_PATH + "/*");
		return registration;
	}

	/** After authentication (Spring Security's chain runs first): the client is the token's. */
	@Bean
	public FilterRegistrationBean<ClientRateLimitFilter> clientRateLimitFilter(FhirContext fhirContext,
			io.micrometer.core.instrument.MeterRegistry meters,
			@org.springframework.beans.factory.annotation.Value("${onetrip.limits.client-requests-per-second:200}") double perSecond,
			@org.springframework.beans.factory.annotation.Value("${onetrip.limits.client-burst:400}") double burst) {
		FilterRegistrationBean<ClientRateLimitFilter> registration =
				new FilterRegistrationBean<>(new ClientRateLimitFilter(fhirContext, meters, perSecond, burst));
		registration.addUrlPatterns(FhirEndpointConfiguration.FHIR_PATH + "/*", "/dicomweb/*", "/cds-services/*");
		registration.setOrder(org.springframework.core.Ordered.LOWEST_PRECEDENCE - 20);
		return registration;
	}

	@Bean
	public org.onetrip.server.hapi.FhirServerContribution xmlNamespaceCheck() {
		return org.onetrip.server.hapi.FhirServerContribution.interceptor(new XmlNamespaceCheck());
	}

	@Bean
	public org.onetrip.server.hapi.FhirServerContribution bundleEntryLimit(
			@org.springframework.beans.factory.annotation.Value("${onetrip.limits.max-bundle-entries:20000}") int maxEntries) {
		return org.onetrip.server.hapi.FhirServerContribution.interceptor(new BundleEntryLimit(maxEntries));
	}

	/**
	 * Registered on HAPI's storage interceptor service rather than on the REST server, so that writes
	 * from inside OneTrip (DICOM gateway, loaders) obey the same rule as writes over HTTP.
	 */
	@Bean
	public RequiredElementsCheck requiredElementsCheck(FhirContext fhirContext, IInterceptorService storageInterceptors) {
		// An element the parser does not know (a misspelt "birthdate") must be an error, not silently dropped data.
		fhirContext.setParserErrorHandler(new StrictErrorHandler());
		RequiredElementsCheck check = new RequiredElementsCheck(fhirContext);
		storageInterceptors.registerInterceptor(check);
		return check;
	}
}
