package org.onetrip.server.subscription;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.IPreResourceShowDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.Objects;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.onetrip.server.security.Caller;
import org.onetrip.server.security.FhirAccessInterceptor;
import org.onetrip.server.security.Ownership;

/**
 * A hospital sees its own Subscriptions only: their headers often carry the receiver's credentials and their
 * endpoints say where its systems are. The region sees all. A read of another hospital's is 404.
 */
@Interceptor
public class SubscriptionVisibility {

	@Hook(Pointcut.STORAGE_PRESHOW_RESOURCES)
	public void showing(IPreResourceShowDetails shown, RequestDetails request) {
		Optional<Caller> caller = FhirAccessInterceptor.judgedCaller(request);
		if (caller.isEmpty() || caller.get().isRegion()) {
			return;
		}
		for (int i = 0; i < shown.size(); i++) {
			IBaseResource resource = shown.getResource(i);
			if (resource != null && "Subscription".equals(resource.fhirType())
					&& !Objects.equals(Ownership.tagged(resource).orElse(null), caller.get().hospital())) {
				if (request.getRestOperationType() == RestOperationTypeEnum.READ || request.getRestOperationType() == RestOperationTypeEnum.VREAD) {
					throw new ResourceNotFoundException("Subscription/" + resource.getIdElement().getIdPart() + " is not known");
				}
				shown.setResource(i, null);
			}
		}
	}
}
