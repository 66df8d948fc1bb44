package org.onetrip.server.signin;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * SMART App Launch discovery ({@code /.well-known/smart-configuration}), at the server's root and under the FHIR base
 * (where SMART clients look: {@code [fhir base]/.well-known/smart-configuration}). A filter rather than a controller
 * because HAPI's servlet owns everything under /fhir. Public: clients read it before they have a token.
 */
public class SmartConfigurationEndpoint extends OncePerRequestFilter {

	public static final String PATH = "/.well-known/smart-configuration";
	private static final ObjectMapper JSON = new ObjectMapper();

	private final AuthorizationServerSettings settings;

	public SmartConfigurationEndpoint(AuthorizationServerSettings settings) {
		this.settings = settings;
	}

	@Override
	protected boolean shouldNotFilter(HttpServletRequest request) {
		String path = request.getRequestURI().substring(request.getContextPath().length());
		return !path.equals(PATH) && !path.equals("/fhir" + PATH);
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		if (!"GET".equals(request.getMethod()) && !"HEAD".equals(request.getMethod())) {
			response.setHeader("Allow", "GET, HEAD");
			response.sendError(405);
			return;
		}
		String issuer = issuer(settings);
		response.setContentType("application/json");
		// Built from the address asked (unless onetrip.security.public-url is set): no shared cache may keep one
		// host's answer for another.
		response.setHeader("Cache-Control", "no-cache");
		response.setHeader("Vary", "Host");
		response.setHeader("Access-Control-Allow-Origin", "*");
		JSON.writerWithDefaultPrettyPrinter().writeValue(response.getOutputStream(), describe(issuer, settings));
	}

	/**
	 * This server's issuer, as its authorization server names itself: the configured public URL, else the address the
	 * current request came to; empty outside a request (then only a configured issuer can be trusted).
	 */
	public static String issuer(AuthorizationServerSettings settings) {
		if (settings.getIssuer() != null) {
			return settings.getIssuer();
		}
		try {
			return ServletUriComponentsBuilder.fromCurrentContextPath().build().toUriString();
		} catch (IllegalStateException noRequest) {
			return "";
		}
	}

	/** What SMART App Launch 2.0 says a server publishes: its endpoints and what it can do. */
	public static Map<String, Object> describe(String issuer, AuthorizationServerSettings settings) {
		Map<String, Object> smart = new LinkedHashMap<>();
		smart.put("issuer", issuer);
		smart.put("jwks_uri", issuer + settings.getJwkSetEndpoint());
		smart.put("authorization_endpoint", issuer + settings.getAuthorizationEndpoint());
		smart.put("grant_types_supported", List.of("authorization_code", "client_credentials", "refresh_token"));
		smart.put("token_endpoint", issuer + settings.getTokenEndpoint());
		smart.put("token_endpoint_auth_methods_supported", List.of("client_secret_basic", "client_secret_post", "private_key_jwt"));
		smart.put("token_endpoint_auth_signing_alg_values_supported", List.of("RS384", "ES384", "RS256", "ES256"));
		smart.put("userinfo_endpoint", issuer + settings.getOidcUserInfoEndpoint());
		smart.put("scopes_supported", List.of("openid", "fhirUser", "launch", "launch/patient", "offline_access", "online_access",
				"patient/*.rs", "patient/*.cruds", "user/*.rs", "user/*.cruds", "system/*.rs", "system/*.cruds", "patient/*.read",
				"user/*.read", "system/*.read"));
		smart.put("response_types_supported", List.of("code"));
		smart.put("management_endpoint", issuer + "/account");
		smart.put("introspection_endpoint", issuer + settings.getTokenIntrospectionEndpoint());
		smart.put("revocation_endpoint", issuer + settings.getTokenRevocationEndpoint());
		smart.put("code_challenge_methods_supported", List.of("S256"));
		smart.put("capabilities", List.of("launch-ehr", "launch-standalone", "client-public", "client-confidential-symmetric",
				"context-ehr-patient", "context-standalone-patient", "context-banner",
				"sso-openid-connect", "permission-offline", "permission-online", "permission-patient", "permission-user", "permission-v1", "permission-v2"));
		return smart;
	}
}
