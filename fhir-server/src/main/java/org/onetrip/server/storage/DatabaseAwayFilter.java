package org.onetrip.server.storage;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.onetrip.server.hapi.OperationOutcomeResponse;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * While the database is known to be away ({@link DatabaseAvailability}), FHIR, CDS Hooks and DICOMweb requests are
 * answered 503 with an OperationOutcome and Retry-After as they arrive, before sign-in checks or HAPI do any work
 * that would wait on the database. Nothing of such a request is stored: it never reached anything that stores.
 */
public class DatabaseAwayFilter extends OncePerRequestFilter {

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
		OperationOutcomeResponse.write(fhirContext, request, response, 503, OperationOutcome.IssueType.TRANSIENT,
				DatabaseUnavailable.UNAVAILABLE);
	}
}
