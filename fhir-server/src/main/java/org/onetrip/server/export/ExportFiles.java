package org.onetrip.server.export;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.interceptor.binary.BinarySecurityContextInterceptor;
import org.hl7.fhir.instance.model.api.IBaseBinary;
import org.hl7.fhir.r4.model.Binary;
import org.onetrip.server.security.Caller;
import org.onetrip.server.security.FhirAccessInterceptor;

/**
 * An export's files (Binary resources HAPI writes, stamped by {@link ExportAccess} with the requester) are shown to
 * their requester only, whatever scopes another caller holds; a caller without a Binary scope fetches its own export
 * files and nothing else (the Bulk Data IG has clients fetch files with the token that asked for them).
 */
@Interceptor
public class ExportFiles extends BinarySecurityContextInterceptor {

	public ExportFiles(FhirContext fhirContext) {
		super(fhirContext);
	}

	@Override
	protected void applyAccessControl(IBaseBinary binary, RequestDetails request) {
		if (request == null || request instanceof SystemRequestDetails) {
			return; // OneTrip's own work: HAPI's export writing the file, its clean-up deleting it
		}
		boolean exportFile = binary instanceof Binary b && b.getSecurityContext().getIdentifier() != null
				&& ExportAccess.REQUESTER_SYSTEM.equals(b.getSecurityContext().getIdentifier().getSystem());
		if (!exportFile && Boolean.TRUE.equals(request.getUserData().get(FhirAccessInterceptor.EXPORT_FILES_ONLY))) {
			throw new ForbiddenOperationException("The token's scopes do not allow read on Binary (needs e.g. system/Binary.r); "
					+ "without it a caller fetches only the files of its own exports");
		}
		super.applyAccessControl(binary, request);
	}

	@Override
	protected boolean securityContextIdentifierAllowed(String system, String value, RequestDetails request) {
		return ExportAccess.REQUESTER_SYSTEM.equals(system)
				&& FhirAccessInterceptor.judgedCaller(request).map(Caller::who).filter(value::equals).isPresent();
	}

	@Override
	protected void handleForbidden(IBaseBinary binary) {
		throw new ForbiddenOperationException("This file belongs to another caller's export");
	}
}
