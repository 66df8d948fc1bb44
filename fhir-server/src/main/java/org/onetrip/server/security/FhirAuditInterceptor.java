package org.onetrip.server.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.onetrip.server.audit.AuditRecord;
import org.onetrip.server.audit.AuditTrail;
import org.onetrip.server.audit.RowBesideTheRecord;

/**
 * One AuditEvent per FHIR request that wrote (or tried to), was refused, or read another hospital's clinical
 * records; recorded when the request is over, whatever its outcome. Reads of one's own records and of the
 * region's directory are not audited. Rows a request put beside its record ({@link AuditTrail#writeBesideTheRecord})
 * are stored with it, or alone when the request is not audited.
 */
@Interceptor
public class FhirAuditInterceptor {

	private static final String FAILURE = "onetrip.audit.failure";
	private static final int MAX_ENTITIES = 100;
	private static final Set<RestOperationTypeEnum> READS = Set.of(RestOperationTypeEnum.READ, RestOperationTypeEnum.VREAD,
			RestOperationTypeEnum.SEARCH_TYPE, RestOperationTypeEnum.SEARCH_SYSTEM, RestOperationTypeEnum.HISTORY_INSTANCE,
			RestOperationTypeEnum.HISTORY_TYPE, RestOperationTypeEnum.HISTORY_SYSTEM, RestOperationTypeEnum.GET_PAGE,
			RestOperationTypeEnum.METADATA, RestOperationTypeEnum.GRAPHQL_REQUEST);

	/** Compiled once: {@code String.replaceAll} compiled it on every audited request (1 % of a booking storm's CPU). */
	private static final java.util.regex.Pattern TOKEN_PARAMETER = java.util.regex.Pattern.compile("(?i)([?&](token|access_token)=)[^&]*");

	private final AuditTrail trail;

	public FhirAuditInterceptor(AuditTrail trail) {
		this.trail = trail;
	}

	@Hook(Pointcut.SERVER_HANDLE_EXCEPTION)
	public boolean failed(RequestDetails request, BaseServerResponseException exception) {
		request.getUserData().put(FAILURE, exception.getStatusCode() + ":" + exception.getMessage());
		return true;
	}

	@Hook(Pointcut.SERVER_PROCESSING_COMPLETED)
	public void completed(RequestDetails request, ServletRequestDetails servletRequest) {
		List<RowBesideTheRecord> beside = AuditTrail.takeRowsBesideTheRecord(request);
		// The caller the access rules judged; else the token's, for a request refused before they judged it (a token
		// naming a hospital not in the region; a body HAPI could not parse, an unknown type), which is audited too.
		Caller caller = request.getUserData().get(FhirAccessInterceptor.CALLER) instanceof Caller judged ? judged
				: Callers.current().orElse(null);
		if (caller == null) {
			trail.writeAlone(beside);
			return; // public (metadata), or no token (Spring answers 401 itself)
		}
		RestOperationTypeEnum operation = request.getRestOperationType();
		String failure = (String) request.getUserData().get(FAILURE);
		int status = failure != null ? Integer.parseInt(failure.substring(0, failure.indexOf(':')))
				: servletRequest.getServletResponse() == null ? 200 : servletRequest.getServletResponse().getStatus();
		List<String> crossReads = FhirAccessInterceptor.listIn(request, FhirAccessInterceptor.CROSS_HOSPITAL_READS);
		boolean reading = operation != null && (READS.contains(operation) || isReadingOperation(request));
		if (reading && failure == null && crossReads.isEmpty()) {
			trail.writeAlone(beside);
			return;
		}
		List<String> entities = reading ? crossReads : FhirAccessInterceptor.listIn(request, FhirAccessInterceptor.WRITTEN);
		// The id in the URL names a record only when it can be one: the request line keeps whatever a caller sent.
		if (entities.isEmpty() && request.getId() != null && request.getId().isIdPartValid()) {
			entities = List.of(request.getResourceName() + "/" + request.getId().getIdPart());
		}
		List<String> consults = FhirAccessInterceptor.listIn(request, FhirAccessInterceptor.CONSULT_ACCESS).stream().distinct().toList();
		if (reading && !consults.isEmpty()) {
			entities = new java.util.ArrayList<>(entities);
			entities.addAll(0, consults); // the consult the reads were made under comes first: it is their grounds
		}
		List<String> patients = FhirAccessInterceptor.listIn(request, FhirAccessInterceptor.PATIENTS).stream().distinct().toList();
		trail.record(new AuditRecord(Instant.now(), "rest", action(operation, request), subtype(operation, request),
				caller.subject(), caller.hospital(), servletRequest.getServletRequest().getRemoteAddr(),
				request.getRequestType() + " " + withoutSecrets(request.getCompleteUrl()),
				entities.stream().distinct().limit(MAX_ENTITIES).toList(), patients.stream().limit(MAX_ENTITIES).toList(),
				status, failure == null ? null : failure.substring(failure.indexOf(':') + 1), !crossReads.isEmpty() && reading,
				reading && !consults.isEmpty() ? AuditRecord.CONSULT_ACCESS : null), beside);
	}

	/** A health-card token in a query string is a key to a person's records: it never goes into the audit. */
	static String withoutSecrets(String url) {
		return url == null || url.indexOf('?') < 0 ? url : TOKEN_PARAMETER.matcher(url).replaceAll("$1***");
	}

	private static boolean isReadingOperation(RequestDetails request) {
		return request.getOperation() != null && FhirAccessInterceptor.READING_OPERATIONS.contains(request.getOperation());
	}

	private static String action(RestOperationTypeEnum operation, RequestDetails request) {
		if (operation == null) {
			return "E";
		}
		return switch (operation) {
			case CREATE -> "C";
			case READ, VREAD, SEARCH_TYPE, SEARCH_SYSTEM, HISTORY_INSTANCE, HISTORY_TYPE, HISTORY_SYSTEM, GET_PAGE -> "R";
			case UPDATE, PATCH, META_ADD, META_DELETE -> "U";
			case DELETE -> "D";
			default -> isReadingOperation(request) ? "R" : "E";
		};
	}

	private static String subtype(RestOperationTypeEnum operation, RequestDetails request) {
		String code = operation == null ? "unknown" : operation.getCode();
		return Optional.ofNullable(request.getOperation()).filter(op -> !op.isBlank()).orElse(code);
	}
}
