package org.onetrip.server.inputcheck;

import ca.uhn.fhir.context.FhirContext;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.onetrip.server.security.Caller;
import org.onetrip.server.security.Callers;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A per-client rate limit (token bucket): each hospital user or system, each patient app and each anonymous
 * address may make {@code perSecond} requests a second on average, {@code burst} at once; more get 429 with
 * Retry-After and an OperationOutcome. The region's own services (loaders, gateways: region-level tokens) are
 * not limited. Runs after authentication, so the client is the token's, not the address it comes from.
 */
public class ClientRateLimitFilter extends OncePerRequestFilter {

	private static final int MAX_TRACKED_CLIENTS = 100_000;

	private final FhirContext fhirContext;
	private final MeterRegistry meters;
	private final double perSecond;
	private final double burst;
	private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

	public ClientRateLimitFilter(FhirContext fhirContext, MeterRegistry meters, double perSecond, double burst) {
		this.fhirContext = fhirContext;
		this.meters = meters;
		this.perSecond = perSecond;
		this.burst = Math.max(1, burst);
	}

	@Override
	protected boolean shouldNotFilter(HttpServletRequest request) {
		return perSecond <= 0;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		Optional<Caller> caller = Callers.current();
		if (caller.isPresent() && caller.get().isRegion()) {
			chain.doFilter(request, response);
			return;
		}
		String client = caller.map(Caller::who).orElse("address/" + request.getRemoteAddr());
		if (buckets.size() > MAX_TRACKED_CLIENTS) {
			buckets.clear(); // a flood of distinct clients: start afresh rather than grow without bound
		}
		double wait = buckets.computeIfAbsent(client, c -> new Bucket(burst)).take(perSecond, burst, System.nanoTime());
		if (wait <= 0) {
			chain.doFilter(request, response);
			return;
		}
		Counter.builder("onetrip.requests.throttled").description("Requests refused with 429 by the per-client rate limit")
				.tag("client_kind", caller.map(c -> c.isPatient() ? "patient" : "hospital").orElse("anonymous"))
				.register(meters).increment();
		long retryAfter = (long) Math.ceil(wait);
		response.setHeader("Retry-After", Long.toString(retryAfter));
		org.onetrip.server.hapi.OperationOutcomeResponse.write(fhirContext, response, 429, OperationOutcome.IssueType.THROTTLED,
				"Too many requests from " + client + ": at most " + (long) perSecond + " a second (bursts of " + (long) burst
						+ "); retry after " + retryAfter + " s");
	}

	/** Tokens refill continuously at the rate, up to the burst; a request takes one. */
	private static final class Bucket {
		private double tokens;
		private long updatedNanos = System.nanoTime();

		Bucket(double initial) {
			this.tokens = initial;
		}

		/** 0 when a token was taken; otherwise the seconds until one will be there. */
		synchronized double take(double perSecond, double burst, long nowNanos) {
			tokens = Math.min(burst, tokens + (nowNanos - updatedNanos) / 1e9 * perSecond);
			updatedNanos = nowNanos;
			if (tokens >= 1) {
				tokens -= 1;
				return 0;
			}
			return (1 - tokens) / perSecond;
		}
	}
}
