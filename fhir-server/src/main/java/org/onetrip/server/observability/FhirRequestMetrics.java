package org.onetrip.server.observability;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One timer per FHIR interaction ({@code onetrip_fhir_requests_seconds} in Prometheus), tagged by
 * operation, resource type and HTTP status, plus one structured access-log line per request.
 */
@Interceptor
public class FhirRequestMetrics {

	private static final Logger accessLog = LoggerFactory.getLogger("onetrip.fhir.access");

	private final MeterRegistry registry;
	/**
	 * The timers already registered, by their tags: registering again looks the same timer up, but builds and hashes
	 * its identity first, on every request. Bounded like the registry's own meters (operations x resource types x
	 * statuses).
	 */
	private final Map<TimerTags, Timer> timers = new ConcurrentHashMap<>();

	private record TimerTags(String operation, String resourceType, int status) {}

	public FhirRequestMetrics(MeterRegistry registry) {
		this.registry = registry;
	}

	@Hook(Pointcut.SERVER_PROCESSING_COMPLETED)
	public void completed(RequestDetails request, ServletRequestDetails servletRequest) {
		long nanos = request.getRequestStopwatch().getMillis() * 1_000_000L;
		String operation = request.getRestOperationType() == null ? "unknown" : request.getRestOperationType().getCode();
		String resourceType = request.getResourceName() == null ? "-" : request.getResourceName();
		int status = servletRequest == null ? 0 : servletRequest.getServletResponse().getStatus();
		timers.computeIfAbsent(new TimerTags(operation, resourceType, status), tags -> Timer.builder("onetrip.fhir.requests")
				.description("FHIR REST interactions handled")
				.tag("operation", tags.operation())
				.tag("resource", tags.resourceType())
				.tag("status", Integer.toString(tags.status()))
				.publishPercentileHistogram(false)
				.register(registry))
				.record(nanos, TimeUnit.NANOSECONDS);
		accessLog.atInfo()
				.addKeyValue("fhir.operation", operation)
				.addKeyValue("fhir.resource", resourceType)
				.addKeyValue("http.status", status)
				.addKeyValue("duration.ms", nanos / 1_000_000L)
				.log("{} {} {} -> {}", request.getRequestType(), request.getCompleteUrl(), operation, status);
	}
}
