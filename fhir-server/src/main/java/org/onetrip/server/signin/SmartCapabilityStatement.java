package org.onetrip.server.signin;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.UriType;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;

/**
 * The CapabilityStatement says how to get a token: security service SMART-on-FHIR, with the OAuth endpoints in the
 * oauth-uris extension (what SMART clients read when they do not fetch the .well-known document).
 */
@Interceptor
public class SmartCapabilityStatement {

	private static final String OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";

	private final AuthorizationServerSettings settings;

	public SmartCapabilityStatement(AuthorizationServerSettings settings) {
		this.settings = settings;
	}

	@Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
	public void describeSignIn(IBaseConformance statement, RequestDetails request) {
		if (!(statement instanceof CapabilityStatement capabilities) || capabilities.getRest().isEmpty()) {
			return;
		}
		String fhirBase = request.getFhirServerBase();
		String issuer = SmartConfigurationEndpoint.issuer(settings);
		var security = capabilities.getRestFirstRep().getSecurity();
		security.getService().clear();
		security.addService(new CodeableConcept().addCoding(new org.hl7.fhir.r4.model.Coding(
				"http://terminology.hl7.org/CodeSystem/restful-security-service", "SMART-on-FHIR", "SMART-on-FHIR")));
		security.setDescription("OAuth 2.0 bearer tokens (SMART App Launch 2.0); discovery at " + fhirBase
				+ SmartConfigurationEndpoint.PATH);
		security.getExtension().removeIf(e -> OAUTH_URIS.equals(e.getUrl()));
		Extension uris = security.addExtension().setUrl(OAUTH_URIS);
		uris.addExtension("authorize", new UriType(issuer + settings.getAuthorizationEndpoint()));
		uris.addExtension("token", new UriType(issuer + settings.getTokenEndpoint()));
		uris.addExtension("revoke", new UriType(issuer + settings.getTokenRevocationEndpoint()));
		uris.addExtension("introspect", new UriType(issuer + settings.getTokenIntrospectionEndpoint()));
		uris.addExtension("manage", new UriType(issuer + "/account"));
	}
}
