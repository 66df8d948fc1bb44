package org.onetrip.server.cdshooks;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.onetrip.server.hapi.FhirEndpointConfiguration;
import org.onetrip.server.storage.DatabaseAvailability;
import org.onetrip.server.storage.DatabaseUnavailable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.CrossOrigin;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * CDS Hooks 2.0 at {@code /cds-services}: discovery, the duplicate-exam services for
 * {@code order-select} and {@code order-sign}, and their feedback endpoints.
 */
@RestController
@RequestMapping(path = "/cds-services", produces = MediaType.APPLICATION_JSON_VALUE)
// Doctor workstations call CDS services from the browser (SMART apps, EHR front ends).
@CrossOrigin(origins = "*")
public class CdsHooksController {

	public static final String SELECT_SERVICE = "onetrip-duplicate-exam-select";
	public static final String SIGN_SERVICE = "onetrip-duplicate-exam-sign";
	private static final Map<String, String> HOOK_OF_SERVICE = Map.of(SELECT_SERVICE, "order-select", SIGN_SERVICE, "order-sign");

	private static final Logger log = LoggerFactory.getLogger(CdsHooksController.class);

	private final DuplicateExamHookService hooks;
	private final CdsFeedback feedback;
	private final ObjectMapper json;
	private final FhirContext fhirContext;
	private final DatabaseAvailability database;

	public CdsHooksController(DuplicateExamHookService hooks, CdsFeedback feedback, ObjectMapper json, FhirContext fhirContext,
			DatabaseAvailability database) {
		this.database = database;
		this.hooks = hooks;
		this.feedback = feedback;
		this.json = json;
		this.fhirContext = fhirContext;
	}

	@GetMapping
	public Map<String, Object> discovery() {
		return Map.of("services", List.of(
				service(SELECT_SERVICE, "order-select", "Duplicate examination (on selecting an order)"),
				service(SIGN_SERVICE, "order-sign", "Duplicate examination (before signing orders)")));
	}

	private static Map<String, Object> service(String id, String hook, String title) {
		Map<String, Object> service = new LinkedHashMap<>();
		service.put("hook", hook);
		service.put("id", id);
		service.put("title", title);
		service.put("description", "Warns when an ordered exam repeats a same-type exam the patient had at any hospital of "
				+ "the region inside its look-back window, with links to the prior report and images.");
		service.put("prefetch", Map.of("patient", "Patient/{{context.patientId}}"));
		service.put("usageRequirements", "Send the patient (prefetch or context.patientId on this server) with the "
				+ "identifiers the region shares: citizen ID, health card or the hospital's MRN.");
		return service;
	}

	@PostMapping(path = "/{serviceId}", consumes = MediaType.ALL_VALUE)
	public ResponseEntity<Object> call(@PathVariable String serviceId, @RequestBody(required = false) String body,
			HttpServletRequest http) {
		String hook = HOOK_OF_SERVICE.get(serviceId);
		if (hook == null) {
			return error(HttpStatus.NOT_FOUND, "no CDS service '" + serviceId + "'; see GET /cds-services");
		}
		CdsHookRequest request = CdsHookRequest.parse(body, hook, json, fhirContext);
		if (request.patientId() != null) {
			http.setAttribute(org.onetrip.server.security.EndpointAccessFilter.AUDIT_PATIENTS, java.util.List.of("Patient/" + request.patientId()));
		}
		var cards = hooks.call(serviceId, request, fhirBase(http));
		return ResponseEntity.ok(Map.of("cards", cards.stream().map(DuplicateExamCards.IssuedCard::card).toList()));
	}

	@PostMapping(path = "/{serviceId}/feedback", consumes = MediaType.ALL_VALUE)
	public ResponseEntity<Object> feedback(@PathVariable String serviceId, @RequestBody(required = false) String body) {
		if (!HOOK_OF_SERVICE.containsKey(serviceId)) {
			return error(HttpStatus.NOT_FOUND, "no CDS service '" + serviceId + "'; see GET /cds-services");
		}
		feedback.record(serviceId, body);
		return ResponseEntity.ok(Map.of());
	}

	@ExceptionHandler(CdsHookRequest.BadHookRequest.class)
	public ResponseEntity<Object> badRequest(CdsHookRequest.BadHookRequest e) {
		return error(HttpStatus.BAD_REQUEST, e.getMessage());
	}

	@ExceptionHandler(CdsFeedback.UnknownCard.class)
	public ResponseEntity<Object> unknownCard(CdsFeedback.UnknownCard e) {
		return error(HttpStatus.NOT_FOUND, e.getMessage());
	}

	@ExceptionHandler(DuplicateExamHookService.PatientUnavailable.class)
	public ResponseEntity<Object> patientUnavailable(DuplicateExamHookService.PatientUnavailable e) {
		return error(HttpStatus.PRECONDITION_FAILED, e.getMessage());
	}

	/** The prior-exam index (Elasticsearch) did not answer: say so, rather than send no card as if there were no prior exam. */
	@ExceptionHandler(org.onetrip.server.priorexam.ElasticsearchPriorExamIndex.IndexUnavailable.class)
	public ResponseEntity<Object> indexUnavailable(org.onetrip.server.priorexam.ElasticsearchPriorExamIndex.IndexUnavailable e) {
		log.warn("CDS Hooks request without an answer: {}", e.getMessage());
		return error(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage());
	}

	@ExceptionHandler(RuntimeException.class)
	public ResponseEntity<Object> failure(RuntimeException e) {
		// The database away (restarting, unreachable, out of connections): the EHR may ask again, as a FHIR client is told.
		if (DatabaseUnavailable.isConnectionFailure(e)) {
			log.warn("CDS Hooks request answered 503: the database is unavailable ({})", e.toString());
			database.lost(DatabaseUnavailable.rootMessage(e));
			return error(HttpStatus.SERVICE_UNAVAILABLE, DatabaseUnavailable.UNAVAILABLE, DatabaseUnavailable.RETRY_AFTER_SECONDS);
		}
		log.error("CDS Hooks request failed", e);
		return error(HttpStatus.INTERNAL_SERVER_ERROR, "the CDS service failed; the server log has the details");
	}

	private ResponseEntity<Object> error(HttpStatus status, String message) {
		return error(status, message, null);
	}

	/** Errors as a FHIR OperationOutcome (JSON), like every other OneTrip endpoint; a 503 says when to ask again. */
	private ResponseEntity<Object> error(HttpStatus status, String message, String retryAfterSeconds) {
		OperationOutcome outcome = new OperationOutcome();
		outcome.addIssue()
				.setSeverity(OperationOutcome.IssueSeverity.ERROR)
				.setCode(status == HttpStatus.NOT_FOUND ? OperationOutcome.IssueType.NOTFOUND
						: status == HttpStatus.INTERNAL_SERVER_ERROR ? OperationOutcome.IssueType.EXCEPTION
						: status == HttpStatus.SERVICE_UNAVAILABLE ? OperationOutcome.IssueType.TRANSIENT
						: OperationOutcome.IssueType.INVALID)
				.setDiagnostics(message);
		String body = fhirContext.newJsonParser().encodeResourceToString(outcome);
		ResponseEntity.BodyBuilder response = ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON);
		if (retryAfterSeconds != null) {
			response.header("Retry-After", retryAfterSeconds);
		}
		return response.body(body);
	}

	private static String fhirBase(HttpServletRequest http) {
		String host = http.getHeader("Host");
		String authority = host != null ? host : http.getServerName() + ":" + http.getServerPort();
		return http.getScheme() + "://" + authority + http.getContextPath() + FhirEndpointConfiguration.FHIR_PATH;
	}
}
