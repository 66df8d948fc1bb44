package org.onetrip.server.signin;

import java.time.Clock;
import java.util.Optional;
import java.util.function.Consumer;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.endpoint.PkceParameterNames;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationContext;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationException;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationValidator;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.context.AuthorizationServerContextHolder;
import org.springframework.util.StringUtils;

/**
 * What SMART App Launch asks of an authorization request, on top of OAuth's redirect URI check: PKCE with S256 only,
 * {@code aud} naming this FHIR server, scopes the client is registered for (a registered {@code patient/*.rs} covers
 * {@code patient/Observation.rs}) and the signed-in person may hold, and an EHR launch that exists, is unexpired, and
 * was made at the signed-in practitioner's hospital. Runs before sign-in (client, redirect, scopes) and again after
 * (the person).
 */
public class SmartAuthorizationRequestCheck implements Consumer<OAuth2AuthorizationCodeRequestAuthenticationContext> {

	private final Accounts accounts;
	private final SmartLaunches launches;
	private final Clock clock;

	public SmartAuthorizationRequestCheck(Accounts accounts, SmartLaunches launches, Clock clock) {
		this.accounts = accounts;
		this.launches = launches;
		this.clock = clock;
	}

	@Override
	public void accept(OAuth2AuthorizationCodeRequestAuthenticationContext context) {
		// First: an unregistered redirect URI is refused without redirecting anywhere.
		OAuth2AuthorizationCodeRequestAuthenticationValidator.DEFAULT_REDIRECT_URI_VALIDATOR.accept(context);
		OAuth2AuthorizationCodeRequestAuthenticationToken request = context.getAuthentication();
		RegisteredClient client = context.getRegisteredClient();
		var parameters = request.getAdditionalParameters();

		Object method = parameters.get(PkceParameterNames.CODE_CHALLENGE_METHOD);
		if (!StringUtils.hasText((String) parameters.get(PkceParameterNames.CODE_CHALLENGE)) || !"S256".equals(method)) {
			refuse(context, OAuth2ErrorCodes.INVALID_REQUEST, "PKCE is required: code_challenge with code_challenge_method=S256");
		}
		String audience = (String) parameters.get("aud");
		String fhirBase = AuthorizationServerContextHolder.getContext().getIssuer() + "/fhir";
		if (audience == null || !withoutTrailingSlash(audience).equals(fhirBase)) {
			refuse(context, OAuth2ErrorCodes.INVALID_REQUEST, "aud must name this FHIR server: " + fhirBase);
		}
		for (String scope : request.getScopes()) {
			if (!SmartScopePolicy.covers(client.getScopes(), scope)) {
				refuse(context, OAuth2ErrorCodes.INVALID_SCOPE, "the client is not registered for the scope " + scope);
			}
		}
		String launch = (String) parameters.get("launch");
		if (request.getScopes().contains("launch") != StringUtils.hasText(launch)) {
			refuse(context, OAuth2ErrorCodes.INVALID_REQUEST,
					"an EHR launch sends both the launch scope and the launch parameter the EHR gave the app");
		}
		Optional<Account> person = signedIn(request.getPrincipal());
		if (person.isEmpty()) {
			return; // the rest is about the person: checked again once they have signed in
		}
		for (String scope : request.getScopes()) {
			if (!SmartScopePolicy.allowedFor(person.get().kind(), scope)) {
				refuse(context, OAuth2ErrorCodes.INVALID_SCOPE, "a " + person.get().kind().code() + "'s account cannot be given " + scope);
			}
		}
		if (StringUtils.hasText(launch)) {
			Optional<SmartLaunches.Launch> found = launches.find(launch, clock.instant());
			if (found.isEmpty()) {
				refuse(context, OAuth2ErrorCodes.INVALID_REQUEST, "the launch is unknown or has expired; launch the app again from the EHR");
			}
			Account account = person.get();
			boolean sameHospital = account.kind() == Account.Kind.OPERATOR
					|| (account.kind() == Account.Kind.PRACTITIONER && account.hospital() != null
							&& account.hospital().equals(found.get().hospital()));
			if (!sameHospital) {
				refuse(context, OAuth2ErrorCodes.ACCESS_DENIED, "this launch was made at another hospital's workstation");
			}
		}
	}

	private Optional<Account> signedIn(Object principal) {
		if (principal instanceof Authentication authentication && authentication.isAuthenticated()
				&& authentication.getPrincipal() instanceof User user) {
			return accounts.byId(user.getUsername());
		}
		return Optional.empty();
	}

	private static String withoutTrailingSlash(String url) {
		return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
	}

	/** Refused back to the client's (already checked) redirect URI, with the OAuth error and the request's state. */
	private static void refuse(OAuth2AuthorizationCodeRequestAuthenticationContext context, String code, String description) {
		OAuth2AuthorizationCodeRequestAuthenticationToken request = context.getAuthentication();
		String redirectUri = StringUtils.hasText(request.getRedirectUri()) ? request.getRedirectUri()
				: context.getRegisteredClient().getRedirectUris().iterator().next();
		var result = new OAuth2AuthorizationCodeRequestAuthenticationToken(request.getAuthorizationUri(), request.getClientId(),
				(Authentication) request.getPrincipal(), redirectUri, request.getState(), request.getScopes(),
				request.getAdditionalParameters());
		result.setAuthenticated(true);
		throw new OAuth2AuthorizationCodeRequestAuthenticationException(new OAuth2Error(code, description, null), result);
	}
}
