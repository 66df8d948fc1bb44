package org.onetrip.server.identity;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import ca.uhn.fhir.util.UrlUtil;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.Bundle;
import org.onetrip.server.security.Callers;
import org.onetrip.terminology.region.Region;

/**
 * A hospital's conditional create or update of a Patient matches only that hospital's own records: hospital B
 * registering a person with {@code If-None-Exist: identifier=citizen-id|...} finds B's record of them, never hospital
 * A's (which B may not change, and whose MRN is not B's). A hospital's records are those carrying its MRN, so the match
 * URL gets {@code identifier=<B's MRN system>|} (any value in that system); the region's own callers match
 * region-wide as before. Applied to the request header, to a conditional update's URL, and to every Patient entry of a
 * transaction or batch.
 */
@Interceptor
public class HospitalScopedMatches {

	private final Region region;

	public HospitalScopedMatches(Region region) {
		this.region = region;
	}

	/** A create's If-None-Exist and a conditional update's URL are read when HAPI binds the method: scope them before. */
	@Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
	public boolean scopeRequest(RequestDetails request) {
		Optional<String> scope = ownRecords();
		if (scope.isEmpty() || !"Patient".equals(request.getResourceName()) || request.getOperation() != null
				|| (request.getId() != null && request.getId().hasIdPart())) {
			return true;
		}
		if (request.getRequestType() == RequestTypeEnum.POST && request instanceof ServletRequestDetails servlet) {
			String ifNoneExist = request.getHeader(Constants.HEADER_IF_NONE_EXIST);
			if (ifNoneExist != null && !ifNoneExist.isBlank()) {
				servlet.setHeaders(Constants.HEADER_IF_NONE_EXIST, List.of(withScope(ifNoneExist, scope.get())));
			}
		} else if (request.getRequestType() == RequestTypeEnum.PUT && request.getCompleteUrl() != null
				&& request.getCompleteUrl().contains("?")) {
			request.setCompleteUrl(withScope(request.getCompleteUrl(), scope.get()));
		}
		return true;
	}

	/** A transaction's entries are read from its Bundle as it is processed, after the method is bound. */
	@Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
	public void scopeTransaction(RequestDetails request, RestOperationTypeEnum operation) {
		Optional<String> scope = ownRecords();
		if (scope.isEmpty() || operation != RestOperationTypeEnum.TRANSACTION || !(request.getResource() instanceof Bundle bundle)) {
			return;
		}
		for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
			Bundle.BundleEntryRequestComponent call = entry.getRequest();
			if (!(entry.getResource() instanceof org.hl7.fhir.r4.model.Patient)) {
				continue;
			}
			if (call.getMethod() == Bundle.HTTPVerb.POST && call.hasIfNoneExist()) {
				call.setIfNoneExist(withScope(call.getIfNoneExist(), scope.get()));
			} else if (call.getMethod() == Bundle.HTTPVerb.PUT && call.hasUrl() && call.getUrl().contains("?")) {
				call.setUrl(withScope(call.getUrl(), scope.get()));
			}
		}
	}

	/** {@code identifier=<the caller's MRN system>|} for a hospital's caller; empty for the region and for patients. */
	private Optional<String> ownRecords() {
		return Callers.current().filter(c -> !c.isRegion() && !c.isPatient() && c.hospital() != null)
				.flatMap(c -> region.hospital(c.hospital()))
				.map(h -> "identifier=" + UrlUtil.escapeUrlParam(h.mrnSystem() + "|"));
	}

	private static String withScope(String matchUrl, String scope) {
		return matchUrl.endsWith("?") || matchUrl.endsWith("&") ? matchUrl + scope : matchUrl + "&" + scope;
	}
}
