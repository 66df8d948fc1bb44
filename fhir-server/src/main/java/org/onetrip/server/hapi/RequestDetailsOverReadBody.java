package org.onetrip.server.hapi;

import ca.uhn.fhir.interceptor.api.IInterceptorBroadcaster;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import org.onetrip.server.inputcheck.FhirRequestTurns;

/**
 * HAPI's request details, handed the body {@link FhirRequestTurns} has already read instead of copying it out of the
 * request again: HAPI's own read allocates an 8 KB copy buffer, a growing output buffer and a final copy for every
 * body, 9 % of a booking storm's request-thread allocation (bench/HISTORY.md, 2026-12-05 stop 51). A body
 * with a Content-Encoding (gzip, which HAPI unpacks) or one not read in advance is read by HAPI as before.
 */
class RequestDetailsOverReadBody extends ServletRequestDetails {

	RequestDetailsOverReadBody(IInterceptorBroadcaster interceptors) {
		super(interceptors);
	}

	@Override
	protected byte[] getByteStreamRequestContents() {
		if (getServletRequest().getHeader(Constants.HEADER_CONTENT_ENCODING) == null) {
			var body = FhirRequestTurns.bodyReadInAdvance(getServletRequest());
			if (body.isPresent()) {
				return body.get();
			}
		}
		return super.getByteStreamRequestContents();
	}
}
