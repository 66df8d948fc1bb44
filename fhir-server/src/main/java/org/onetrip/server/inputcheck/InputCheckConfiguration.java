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
	public LargeBodyBudget largeBodyBudget() {
		return LargeBodyBudget.ofThisHeap();
	}

	/**
	 * The body limit: {@code onetrip.max-request-body} when set, else the largest body the heap budget holds (the
	 * default 1400 MB heap takes 45 MB, the largest Synthea patient of 200, 44 MB, included; a smaller heap refuses it
	 * rather than running out of memory).
	 */
	@Bean
	public FilterRegistrationBean<RequestBodyLimitFilter> requestBodyLimitFilter(OneTripProperties properties,
			LargeBodyBudget largeBodyBudget, FhirContext fhirContext) {
		long maxBytes = properties.maxRequestBody() != null ? properties.maxRequestBody().toBytes()
				: largeBodyBudget.largestBodyBytes();
		FilterRegistrationBean<RequestBodyLimitFilter> registration =
				new FilterRegistrationBean<>(new RequestBodyLimitFilter(maxBytes, largeBodyBudget, fhirContext));
		registration.addUrlPatterns(FhirEndpointConfiguration.FHIR_PATH + "/*");
		return registration;
	}

	/**
	 * FHIR requests in turns ({@link FhirRequestTurns}): inside the rate limit, outside the body limit (a small body is
	 * read before the turn, and the body limit then applies as HAPI reads it). {@code onetrip.fhir.concurrent-requests}
	 * at 0 (the default) means four per processor: 8 on the 2-core benchmark machine, where 4 and 8 per instance gave
	 * the same storm figures (bench/HISTORY.md, stop 49).
	 */
	@Bean
	public FilterRegistrationBean<FhirRequestTurns> fhirRequestTurns(FhirContext fhirContext,
			@org.springframework.beans.factory.annotation.Value("${onetrip.fhir.concurrent-requests:0}") int concurrent,
			@org.springframework.beans.factory.annotation.Value("${onetrip.fhir.turn-max-wait:PT30S}") java.time.Duration maxWait) {
		int atOnce = concurrent == 0 ? 4 * Runtime.getRuntime().availableProcessors() : concurrent;
		FilterRegistrationBean<FhirRequestTurns> registration =
				new FilterRegistrationBean<>(new FhirRequestTurns(atOnce, maxWait, fhirContext));
		registration.addUrlPatterns(FhirEndpointConfiguration.FHIR_PATH + "/*");
		registration.setOrder(org.springframework.core.Ordered.LOWEST_PRECEDENCE - 5);
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

	/** {@code onetrip.limits.max-bundle-entries} when set, else the most entries whose heap the budget holds. */
	@Bean
	public org.onetrip.server.hapi.FhirServerContribution bundleEntryLimit(LargeBodyBudget largeBodyBudget,
			@org.springframework.beans.factory.annotation.Value("${onetrip.limits.max-bundle-entries:#{null}}") Integer maxEntries) {
		return org.onetrip.server.hapi.FhirServerContribution.interceptor(new BundleEntryLimit(
				maxEntries != null ? maxEntries : largeBodyBudget.largestEntryCount()));
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

	/**
	 * Tomcat's error report valve replaced on the host (also the one Spring Boot adds): its refusals become
	 * OperationOutcomes. Runs after Spring Boot's own Tomcat customizer.
	 */
	@Bean
	public org.springframework.boot.web.server.WebServerFactoryCustomizer<org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory>
			operationOutcomeErrorReports() {
		return new OperationOutcomeErrorReports();
	}

	static final class OperationOutcomeErrorReports implements
			org.springframework.boot.web.server.WebServerFactoryCustomizer<org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory>,
			org.springframework.core.Ordered {

		@Override
		public void customize(org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory factory) {
			// Tomcat answers TRACE itself with an empty 405; let it through to TraceRefusal, which answers it properly.
			factory.addConnectorCustomizers(connector -> connector.setAllowTrace(true));
			factory.addContextCustomizers(context -> {
				if (context.getParent() instanceof org.apache.catalina.core.StandardHost host) {
					host.setErrorReportValveClass(OperationOutcomeErrorReportValve.class.getName());
					for (org.apache.catalina.Valve valve : host.getPipeline().getValves()) {
						if (valve instanceof org.apache.catalina.valves.ErrorReportValve && !(valve instanceof OperationOutcomeErrorReportValve)) {
							host.getPipeline().removeValve(valve);
						}
					}
					host.getPipeline().addValve(new OperationOutcomeErrorReportValve());
				}
			});
		}

		@Override
		public int getOrder() {
			return org.springframework.core.Ordered.LOWEST_PRECEDENCE;
		}
	}

	/** Before everything else: TRACE (which would echo the request, tokens included) is refused with an OperationOutcome. */
	@Bean
	public FilterRegistrationBean<TraceRefusal> traceRefusal(FhirContext fhirContext) {
		FilterRegistrationBean<TraceRefusal> registration = new FilterRegistrationBean<>(new TraceRefusal(fhirContext));
		registration.addUrlPatterns("/*");
		registration.setOrder(org.springframework.core.Ordered.HIGHEST_PRECEDENCE);
		return registration;
	}

	static final class TraceRefusal extends org.springframework.web.filter.OncePerRequestFilter {
		private final FhirContext fhirContext;

		TraceRefusal(FhirContext fhirContext) {
			this.fhirContext = fhirContext;
		}

		@Override
		protected void doFilterInternal(jakarta.servlet.http.HttpServletRequest request, jakarta.servlet.http.HttpServletResponse response,
				jakarta.servlet.FilterChain chain) throws jakarta.servlet.ServletException, java.io.IOException {
			if ("TRACE".equalsIgnoreCase(request.getMethod())) {
				response.setHeader("Allow", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
				org.onetrip.server.hapi.OperationOutcomeResponse.write(fhirContext, request, response, 405,
						org.hl7.fhir.r4.model.OperationOutcome.IssueType.NOTSUPPORTED, "TRACE is not served by OneTrip");
				return;
			}
			chain.doFilter(request, response);
		}
	}
}
