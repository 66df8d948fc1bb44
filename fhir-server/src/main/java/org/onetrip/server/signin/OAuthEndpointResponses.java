package org.onetrip.server.signin;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.onetrip.server.audit.AuditTrail;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.ServletServerHttpResponse;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.http.converter.OAuth2ErrorHttpMessageConverter;
import org.springframework.security.oauth2.core.endpoint.OAuth2ParameterNames;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AccessTokenAuthenticationContext;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AccessTokenAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationException;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.web.authentication.OAuth2AccessTokenResponseAuthenticationSuccessHandler;
import org.springframework.security.web.authentication.AuthenticationFailureHandler;
import org.springframework.security.web.authentication.AuthenticationSuccessHandler;
import org.springframework.web.util.HtmlUtils;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * How OneTrip's OAuth endpoints answer, and the audit record of each answer: every code and token issued, every
 * refusal with the error the specification names. The token response carries SMART's context ({@code patient},
 * {@code need_patient_banner}).
 */
public class OAuthEndpointResponses {

	private final AuditTrail audit;
	private final Clock clock;
	private final OAuth2AuthorizationService authorizations;
	private final SmartTokenClaims claims;

	public OAuthEndpointResponses(AuditTrail audit, Clock clock, OAuth2AuthorizationService authorizations, SmartTokenClaims claims) {
		this.audit = audit;
		this.clock = clock;
		this.authorizations = authorizations;
		this.claims = claims;
	}

	/**
	 * The token endpoint's answer: the OAuth JSON with SMART's context, and its audit record. The grant and its context
	 * are read once per answer, for both.
	 */
	public AuthenticationSuccessHandler tokenIssued() {
		return (request, response, authentication) -> {
			var token = (OAuth2AccessTokenAuthenticationToken) authentication;
			Set<String> scopes = token.getAccessToken().getScopes();
			OAuth2Authorization authorization = authorizations.findByToken(token.getAccessToken().getTokenValue(), OAuth2TokenType.ACCESS_TOKEN);
			Optional<SmartTokenClaims.Context> context = claims.contextOf(authorization, scopes);
			OAuth2AccessTokenResponseAuthenticationSuccessHandler json = new OAuth2AccessTokenResponseAuthenticationSuccessHandler();
			json.setAccessTokenResponseCustomizer(answer -> context.ifPresent(who -> smartContext(answer, who)));
			json.onAuthenticationSuccess(request, response, authentication);
			String who = authorization == null ? token.getRegisteredClient().getClientId() : authorization.getPrincipalName();
			List<String> patients = context.map(SmartTokenClaims.Context::patientId).map(p -> List.of("Patient/" + p)).orElse(List.of());
			audit.record(SignInAudit.record(clock, "oauth-token", who, null, request.getRemoteAddr(),
					"POST /oauth2/token " + request.getParameter(OAuth2ParameterNames.GRANT_TYPE) + " client="
							+ token.getRegisteredClient().getClientId() + " scope=" + String.join(" ", scopes),
					patients, 200, null));
		};
	}

	/** SMART's launch context in the token response: the patient, and whether the app should show a patient banner. */
	private static void smartContext(OAuth2AccessTokenAuthenticationContext answer, SmartTokenClaims.Context who) {
		if (who.patientId() != null) {
			OAuth2AccessTokenAuthenticationToken token = answer.getAuthentication();
			var extra = new java.util.HashMap<String, Object>(token.getAdditionalParameters());
			extra.put("patient", who.patientId());
			extra.put("need_patient_banner", who.account().kind() != Account.Kind.PATIENT);
			answer.getAccessTokenResponse().additionalParameters(extra);
		}
	}

	/**
	 * A refusal at the token, revocation or introspection endpoint: audited, then the OAuth error JSON; 401 for a client
	 * that failed to authenticate (RFC 6749 5.2), 400 otherwise.
	 */
	public AuthenticationFailureHandler refused(String subtype) {
		return (request, response, failure) -> {
			auditRefusal(subtype, request, failure);
			OAuth2Error error = failure instanceof OAuth2AuthenticationException oauth ? oauth.getError()
					: new OAuth2Error(OAuth2ErrorCodes.INVALID_REQUEST, failure.getMessage(), null);
			ServletServerHttpResponse http = new ServletServerHttpResponse(response);
			http.setStatusCode(OAuth2ErrorCodes.INVALID_CLIENT.equals(error.getErrorCode()) ? HttpStatus.UNAUTHORIZED : HttpStatus.BAD_REQUEST);
			ERROR_JSON.write(error, null, http);
		};
	}

	private static final OAuth2ErrorHttpMessageConverter ERROR_JSON = new OAuth2ErrorHttpMessageConverter();

	/** The authorization endpoint's code: redirected to the client, audited. */
	public AuthenticationSuccessHandler codeIssued() {
		return (request, response, authentication) -> {
			var result = (OAuth2AuthorizationCodeRequestAuthenticationToken) authentication;
			UriComponentsBuilder redirect = UriComponentsBuilder.fromUriString(result.getRedirectUri())
					.queryParam(OAuth2ParameterNames.CODE, "{code}");
			String state = result.getState();
			if (state != null) {
				redirect.queryParam(OAuth2ParameterNames.STATE, "{state}");
			}
			String location = redirect.build(java.util.Map.of("code", result.getAuthorizationCode().getTokenValue(),
					"state", state == null ? "" : state)).toString();
			String who = result.getPrincipal() instanceof Authentication user ? user.getName() : result.getClientId();
			audit.record(SignInAudit.record(clock, "oauth-authorize", who, null, request.getRemoteAddr(),
					"GET /oauth2/authorize client=" + result.getClientId() + " scope=" + String.join(" ", result.getScopes()), List.of(), 302,
					null));
			response.sendRedirect(location);
		};
	}

	/**
	 * A refused authorization request: back to the client with the OAuth error when its redirect URI is known to be
	 * the client's; otherwise (unknown client, wrong redirect URI) a page here, since the error must not be sent to an
	 * address nobody vouched for.
	 */
	public AuthenticationFailureHandler authorizationRefused() {
		return (request, response, failure) -> {
			auditRefusal("oauth-authorize", request, failure);
			OAuth2Error error = ((OAuth2AuthenticationException) failure).getError();
			OAuth2AuthorizationCodeRequestAuthenticationToken refused = failure instanceof OAuth2AuthorizationCodeRequestAuthenticationException e
					? e.getAuthorizationCodeRequestAuthentication() : null;
			// Spring Authorization Server leaves the redirect URI out of a refusal that must not be redirected.
			if (refused == null || refused.getRedirectUri() == null || refused.getRedirectUri().isBlank()) {
				writeErrorPage(response, error);
				return;
			}
			UriComponentsBuilder redirect = UriComponentsBuilder.fromUriString(refused.getRedirectUri())
					.queryParam(OAuth2ParameterNames.ERROR, "{error}");
			var values = new java.util.HashMap<String, String>();
			values.put("error", error.getErrorCode());
			if (error.getDescription() != null) {
				redirect.queryParam(OAuth2ParameterNames.ERROR_DESCRIPTION, "{description}");
				values.put("description", error.getDescription());
			}
			if (refused.getState() != null) {
				redirect.queryParam(OAuth2ParameterNames.STATE, "{state}");
				values.put("state", refused.getState());
			}
			response.sendRedirect(redirect.build(values).toString());
		};
	}

	private static void writeErrorPage(HttpServletResponse response, OAuth2Error error) throws IOException {
		response.setStatus(400);
		response.setContentType("text/html;charset=UTF-8");
		String description = error.getDescription() == null ? "" : error.getDescription();
		response.getWriter().write("<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
				+ "content=\"width=device-width, initial-scale=1\"><title>OneTrip: the app's request was refused</title>"
				+ "<link rel=\"icon\" href=\"/signin-assets/favicon.svg\" type=\"image/svg+xml\">"
				+ "<link rel=\"stylesheet\" href=\"/signin-assets/onetrip.css\"></head><body><main class=\"card\">"
				+ "<h1>The app's request was refused · 应用的请求被拒绝</h1><p class=\"error\" id=\"oauth-error\">"
				+ HtmlUtils.htmlEscape(error.getErrorCode()) + "</p><p>" + HtmlUtils.htmlEscape(description) + "</p>"
				+ "<p>Tell the app's maker; nothing was shared. · 请告知应用开发方；未共享任何数据。</p></main></body></html>");
	}

	private void auditRefusal(String subtype, HttpServletRequest request, AuthenticationException failure) {
		String error = failure instanceof OAuth2AuthenticationException oauth ? oauth.getError().getErrorCode()
				+ (oauth.getError().getDescription() == null ? "" : ": " + oauth.getError().getDescription()) : failure.getMessage();
		String client = clientOf(request).orElse("unknown client");
		audit.record(SignInAudit.record(clock, subtype, client, null, request.getRemoteAddr(),
				request.getMethod() + " " + request.getRequestURI() + " client=" + client, List.of(), 400, error));
	}

	/** Who the request says it is: client_id, a client assertion's subject is not trusted here, or the Basic user. */
	private static Optional<String> clientOf(HttpServletRequest request) {
		String id = request.getParameter(OAuth2ParameterNames.CLIENT_ID);
		if (id != null) {
			return Optional.of(id);
		}
		String header = request.getHeader("Authorization");
		if (header != null && header.regionMatches(true, 0, "Basic ", 0, 6)) {
			try {
				String decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
				return Optional.of(java.net.URLDecoder.decode(decoded.substring(0, Math.max(0, decoded.indexOf(':'))), StandardCharsets.UTF_8));
			} catch (IllegalArgumentException e) {
				return Optional.empty();
			}
		}
		return Optional.empty();
	}
}
