package org.onetrip.server.signin;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.onetrip.server.hapi.OperationOutcomeResponse;
import org.onetrip.server.security.Caller;
import org.onetrip.server.security.Callers;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The admin operation for apps: {@code PUT /admin/clients/{clientId}} registers or replaces one (the same fields as
 * config/clients.yaml, and {@code secret} in clear for a confidential client: only its hash is kept),
 * {@code GET /admin/clients} lists them, {@code DELETE /admin/clients/{clientId}} removes one with everything issued
 * to it. The region's operators only (a region token, system/ scopes); refusals are OperationOutcomes.
 */
@RestController
public class ClientAdministration {

	private static final ObjectMapper JSON = new ObjectMapper();

	private final ClientRegistrations registrations;
	private final FhirContext fhirContext;

	public ClientAdministration(ClientRegistrations registrations, FhirContext fhirContext) {
		this.registrations = registrations;
		this.fhirContext = fhirContext;
	}

	@GetMapping(path = "/admin/clients", produces = "application/json")
	public void list(HttpServletResponse response) throws IOException {
		if (operator(response)) {
			response.setContentType("application/json");
			JSON.writeValue(response.getOutputStream(), Map.of("clients", registrations.clientIds()));
		}
	}

	@PutMapping(path = "/admin/clients/{clientId}", consumes = "application/json")
	public void register(@PathVariable String clientId, @RequestBody String body, HttpServletResponse response) throws IOException {
		if (!operator(response)) {
			return;
		}
		ClientRegistrations.Registration registration;
		try {
			registration = JSON.readValue(body, ClientRegistrations.Registration.class);
		} catch (IOException e) {
			refuse(response, 400, "The body is not a client registration: " + e.getMessage());
			return;
		}
		if (registration.clientId() != null && !registration.clientId().equals(clientId)) {
			refuse(response, 400, "The body's clientId (" + registration.clientId() + ") is not the one in the address (" + clientId + ")");
			return;
		}
		try {
			RegisteredClient client = registrations.register(new ClientRegistrations.Registration(clientId, registration.name(),
					registration.type(), registration.redirectUris(), registration.scopes(), null, registration.secret(),
					registration.jwks(), registration.hospital()));
			response.setStatus(200);
			response.setContentType("application/json");
			JSON.writeValue(response.getOutputStream(), Map.of("clientId", client.getClientId(), "scopes", List.copyOf(client.getScopes())));
		} catch (IllegalArgumentException e) {
			refuse(response, 422, "The client cannot be registered: " + e.getMessage());
		}
	}

	@DeleteMapping("/admin/clients/{clientId}")
	public void remove(@PathVariable String clientId, HttpServletResponse response) throws IOException {
		if (!operator(response)) {
			return;
		}
		if (registrations.remove(clientId)) {
			response.setStatus(204);
		} else {
			refuse(response, 404, "No client " + clientId + " is registered");
		}
	}

	private boolean operator(HttpServletResponse response) throws IOException {
		Caller caller = Callers.current().orElse(Caller.openAccess(null));
		if (!caller.isRegion() || caller.context() != org.onetrip.server.security.SmartScope.Context.SYSTEM) {
			refuse(response, 403, "Only the region's operators register apps (a region token with system/ scopes)");
			return false;
		}
		return true;
	}

	private void refuse(HttpServletResponse response, int status, String message) throws IOException {
		OperationOutcomeResponse.write(fhirContext, response, status, status == 403 ? OperationOutcome.IssueType.FORBIDDEN
				: status == 404 ? OperationOutcome.IssueType.NOTFOUND : OperationOutcome.IssueType.INVALID, message);
	}
}
