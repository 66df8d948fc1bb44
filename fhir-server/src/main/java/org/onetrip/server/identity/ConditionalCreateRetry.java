package org.onetrip.server.identity;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.model.ResourceVersionConflictResolutionStrategy;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import org.apache.commons.lang3.StringUtils;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * Two desks of one hospital register the same person at the same moment with {@code If-None-Exist}: one create
 * commits, the other is refused by the person ledger (one record per hospital and citizen ID, 409). Retrying the
 * loser re-runs its conditional match, which now finds the winner's Patient, so both callers get that one Patient.
 */
@Interceptor
public class ConditionalCreateRetry {

	private static final int MAX_RETRIES = 3;

	@Hook(Pointcut.STORAGE_VERSION_CONFLICT)
	public ResourceVersionConflictResolutionStrategy onConflict(RequestDetails request) {
		ResourceVersionConflictResolutionStrategy strategy = new ResourceVersionConflictResolutionStrategy();
		if (request != null && isConditionalCreate(request)) {
			strategy.setRetry(true);
			strategy.setMaxRetries(MAX_RETRIES);
		}
		return strategy;
	}

	private static boolean isConditionalCreate(RequestDetails request) {
		if (request.getRequestType() != RequestTypeEnum.POST) {
			return false;
		}
		if (StringUtils.isNotBlank(request.getHeader(Constants.HEADER_IF_NONE_EXIST))) {
			return true;
		}
		// A transaction whose creates all carry ifNoneExist is safe to replay as a whole.
		IBaseResource body = request.getResource();
		return body instanceof Bundle bundle
				&& !bundle.getEntry().isEmpty()
				&& bundle.getEntry().stream().allMatch(e -> e.getRequest().getMethod() != Bundle.HTTPVerb.POST
						|| StringUtils.isNotBlank(e.getRequest().getIfNoneExist()));
	}
}
