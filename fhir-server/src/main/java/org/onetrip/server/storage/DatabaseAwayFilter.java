package org.onetrip.server.storage;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.onetrip.server.hapi.OperationOutcomeResponse;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * While the database is known to be away ({@link DatabaseAvailability}), requests to the parts that need it are answered
 * 503 with Retry-After as they arrive, before sign-in checks or HAPI do any work that would wait on the database:
 * FHIR, CDS Hooks and DICOMweb with an OperationOutcome; the authorization server's endpoints that read its tables
 * (authorize, token, introspect, revoke) with the OAuth error {@code temporarily_unavailable}, as OAuth clients read
 * errors. Its key set ({@code /oauth2/jwks}) is served on: tokens already issued stay verifiable. Nothing of a refused
 * request is stored: it never reached anything that stores.
 */
public class DatabaseAwayFilter extends OncePerRequestFilter {

	/** The authorization server's endpoints behind this filter (its key set is not among them). */
	public static final List<String> OAUTH_PATHS = List.of("/oauth2/authorize", "/oauth2/token", "/oauth2/introspect",
			"/oauth2/revoke");
	private static final ObjectMapper JSON = new ObjectMapper();

	private final DatabaseAvailability database;
	private final FhirContext fhirContext;

	public DatabaseAwayFilter(DatabaseAvailability database, FhirContext fhirContext) {
		this.database = database;
		this.fhirContext = fhirContext;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		if (!database.away()) {
			chain.doFilter(request, response);
			return;
		}
		response.setHeader("Retry-After", DatabaseUnavailable.RETRY_AFTER_SECONDS);
		if (request.getRequestURI().startsWith("/oauth2/")) {
			Map<String, String> error = new LinkedHashMap<>();
			error.put("error", OAuth2ErrorCodes.TEMPORARILY_UNAVAILABLE);
			error.put("error_description", "OneTrip's database is unavailable right now; try again shortly");
			byte[] body = JSON.writeValueAsBytes(error);
			response.setStatus(503);
			response.setHeader("Cache-Control", "no-store");
			response.setContentType("application/json;charset=UTF-8");
			response.setContentLength(body.length);
			response.getOutputStream().write(body);
			return;
		}
		OperationOutcomeResponse.write(fhirContext, request, response, 503, OperationOutcome.IssueType.TRANSIENT,
				DatabaseUnavailable.UNAVAILABLE);
	}
}
