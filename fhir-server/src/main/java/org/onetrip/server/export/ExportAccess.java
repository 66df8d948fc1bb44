package org.onetrip.server.export;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.bulk.BulkExportJobParameters;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Parameters;
import org.onetrip.server.security.Caller;
import org.onetrip.server.security.FhirAccessInterceptor;
import org.onetrip.server.security.Interaction;
import org.onetrip.server.security.SmartScope;

/**
 * Who may start a Bulk Data export, of what, and who may poll, cancel and fetch it (FHIR Bulk Data Access 2.0 on HAPI's
 * own {@code $export}), by backend services (system/ scopes). The region's systems export everything; a hospital's system exports what it holds and the
 * records of the people it has as patients ({@link HospitalReach}); a patient's app exports
 * nothing. Every export is its requester's: its status ({@link ExportPolling}) and files ({@link ExportFiles}) are shown
 * to the same caller only. On the storage interceptors, which HAPI's kick-off calls whatever door the request came by.
 */
@Interceptor
public class ExportAccess {

	/** Stamped on every export file (Binary.securityContext.identifier) with the requester, see {@link ExportFiles}. */
	static final String REQUESTER_SYSTEM = "urn:onetrip:export-requester";
	/** The requesting hospital, kept in the job's parameters for {@link ExportContents}; absent for the region. */
	static final String HOSPITAL = "onetripHospital";

	@Hook(Pointcut.STORAGE_PRE_INITIATE_BULK_EXPORT)
	public void kickOff(BulkExportJobParameters parameters, RequestDetails request) {
		Caller caller = FhirAccessInterceptor.judgedCaller(request)
				.orElseThrow(() -> new ForbiddenOperationException("A bulk export needs a bearer token"));
		if (caller.isPatient()) {
			throw new ForbiddenOperationException("Bulk export is for the systems of hospitals and of the region; "
					+ "a patient's app reads its person's records with its own searches");
		}
		if (caller.context() != SmartScope.Context.SYSTEM) {
			// A person's session (user/ scopes) reads records for care, one person at a time; taking a hospital's or the
			// region's records in bulk is a registered system's work (system/ scopes, a backend service's token).
			throw new ForbiddenOperationException("Bulk export is for backend services: a token with system/ scopes "
					+ "(e.g. system/*.rs), not a user's session");
		}
		boolean typesAsked = typesAsked(request);
		List<String> refused = new ArrayList<>();
		List<String> kept = new ArrayList<>();
		for (String type : parameters.getResourceTypes()) {
			boolean allowed = caller.permits(Interaction.SEARCH, type)
					&& (caller.hospital() == null || !HospitalReach.REGION_ONLY_TYPES.contains(type));
			(allowed ? kept : refused).add(type);
		}
		if (typesAsked && !refused.isEmpty()) {
			throw new ForbiddenOperationException("This token may not export " + String.join(", ", refused)
					+ (caller.hospital() == null ? " (its scopes do not allow reading them, e.g. system/" + refused.get(0) + ".rs)"
							: " (a hospital's export needs the scope to read each type, e.g. system/" + refused.get(0)
									+ ".rs; AuditEvent and Subscription only the region exports)"));
		}
		// AuditEvents live in OneTrip's audit table (audit.AuditEventStore), which HAPI's export jobs do not read.
		if (typesAsked && kept.contains("AuditEvent")) {
			throw new InvalidRequestException("AuditEvents are not part of a bulk export: they are kept in OneTrip's audit table. "
					+ "Search them page by page instead (GET /AuditEvent?date=ge...&_count=500, following the next links)");
		}
		kept.remove("AuditEvent");
		if (kept.isEmpty()) {
			throw new ForbiddenOperationException("This token's scopes allow reading none of the resource types to export");
		}
		// Without _type the export is "everything this caller may read": the types it may not are left out.
		parameters.setResourceTypes(kept);
		parameters.setBinarySecurityContextIdentifierSystem(REQUESTER_SYSTEM);
		parameters.setBinarySecurityContextIdentifierValue(caller.who());
		if (caller.hospital() != null) {
			parameters.setUserData(HOSPITAL, caller.hospital());
		}
	}

	private static boolean typesAsked(RequestDetails request) {
		String[] values = request.getParameters().get("_type");
		if (values != null && values.length > 0) {
			return true;
		}
		return request.getResource() instanceof Parameters body && body.getParameter("_type") != null;
	}
}
