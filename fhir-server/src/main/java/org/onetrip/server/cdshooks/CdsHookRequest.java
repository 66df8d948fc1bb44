package org.onetrip.server.cdshooks;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.ServiceRequest;

/**
 * A CDS Hooks 2.0 request for {@code order-select} or {@code order-sign}, checked field by field:
 * anything malformed is a {@link BadHookRequest} naming the field, never a stack trace.
 *
 * @param orders the draft ServiceRequests to check (for order-select: only the newly selected ones)
 * @param prefetchPatient the patient as the ordering system sent it, if it did
 * @param fhirServer the ordering system's FHIR base, if given
 * @param fhirAccessToken the bearer token for {@code fhirServer}, if given
 */
public record CdsHookRequest(
		String hook,
		String hookInstance,
		String userId,
		String patientId,
		List<ServiceRequest> orders,
		Optional<Patient> prefetchPatient,
		Optional<String> fhirServer,
		Optional<String> fhirAccessToken) {

	/** The request cannot be processed as sent: 400 with this message. */
	public static class BadHookRequest extends RuntimeException {
		public BadHookRequest(String message) {
			super(message);
		}
	}

	public static CdsHookRequest parse(String body, String expectedHook, ObjectMapper json, FhirContext fhir) {
		JsonNode root;
		try {
			root = json.readTree(body == null ? "" : body);
		} catch (JsonProcessingException e) {
			throw new BadHookRequest("the request body is not JSON: " + e.getOriginalMessage());
		}
		if (root == null || !root.isObject()) {
			throw new BadHookRequest("the request body must be a JSON object with hook, hookInstance and context");
		}
		String hook = text(root, "hook");
		if (!expectedHook.equals(hook)) {
			throw new BadHookRequest("this service answers the '" + expectedHook + "' hook, the request says '" + hook + "'");
		}
		String hookInstance = text(root, "hookInstance");
		JsonNode context = root.get("context");
		if (context == null || !context.isObject()) {
			throw new BadHookRequest("'context' must be an object");
		}
		String userId = optionalText(context, "userId");
		String patientId = text(context, "patientId");
		JsonNode draftOrders = context.get("draftOrders");
		if (draftOrders == null || !draftOrders.isObject() || !"Bundle".equals(draftOrders.path("resourceType").asText())) {
			throw new BadHookRequest("'context.draftOrders' must be a FHIR Bundle");
		}
		Bundle bundle = parse(fhir, draftOrders, Bundle.class, "context.draftOrders");
		List<ServiceRequest> serviceRequests = new ArrayList<>();
		for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
			if (entry.getResource() instanceof ServiceRequest order) {
				serviceRequests.add(order);
			}
		}
		List<ServiceRequest> orders = serviceRequests;
		if (expectedHook.equals("order-select")) {
			JsonNode selections = context.get("selections");
			if (selections == null || !selections.isArray() || selections.isEmpty()) {
				throw new BadHookRequest("'context.selections' must list the newly selected orders (order-select)");
			}
			Set<String> selected = new LinkedHashSet<>();
			selections.forEach(s -> selected.add(s.asText()));
			orders = serviceRequests.stream()
					.filter(o -> selected.contains("ServiceRequest/" + o.getIdElement().getIdPart()))
					.toList();
		}

		Optional<Patient> prefetchPatient = Optional.empty();
		JsonNode prefetch = root.get("prefetch");
		if (prefetch != null && prefetch.isObject() && prefetch.hasNonNull("patient")) {
			JsonNode patient = prefetch.get("patient");
			if (!"Patient".equals(patient.path("resourceType").asText())) {
				throw new BadHookRequest("'prefetch.patient' must be a FHIR Patient");
			}
			prefetchPatient = Optional.of(parse(fhir, patient, Patient.class, "prefetch.patient"));
		}
		Optional<String> fhirServer = Optional.ofNullable(optionalText(root, "fhirServer"));
		Optional<String> token = Optional.ofNullable(root.path("fhirAuthorization").path("access_token").asText(null));
		return new CdsHookRequest(hook, hookInstance, userId, patientId, orders, prefetchPatient, fhirServer, token);
	}

	private static <T extends org.hl7.fhir.instance.model.api.IBaseResource> T parse(
			FhirContext fhir, JsonNode node, Class<T> type, String where) {
		try {
			return fhir.newJsonParser().parseResource(type, node.toString());
		} catch (DataFormatException e) {
			throw new BadHookRequest("'" + where + "' is not valid FHIR: " + e.getMessage());
		}
	}

	private static String text(JsonNode node, String field) {
		JsonNode value = node.get(field);
		if (value == null || !value.isTextual() || value.asText().isBlank()) {
			throw new BadHookRequest("'" + field + "' is required and must be a non-empty string");
		}
		return value.asText();
	}

	private static String optionalText(JsonNode node, String field) {
		JsonNode value = node.get(field);
		if (value == null || value.isNull()) {
			return null;
		}
		if (!value.isTextual()) {
			throw new BadHookRequest("'" + field + "' must be a string");
		}
		return value.asText();
	}
}
