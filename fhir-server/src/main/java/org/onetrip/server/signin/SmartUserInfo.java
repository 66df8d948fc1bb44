package org.onetrip.server.signin;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.security.oauth2.core.oidc.OidcUserInfo;
import org.springframework.security.oauth2.server.authorization.context.AuthorizationServerContextHolder;
import org.springframework.security.oauth2.server.authorization.oidc.authentication.OidcUserInfoAuthenticationContext;

/** OpenID Connect userinfo: who signed in, as SMART names it ({@code fhirUser}), and their name and kind. */
class SmartUserInfo {

	private final Accounts accounts;

	SmartUserInfo(Accounts accounts) {
		this.accounts = accounts;
	}

	OidcUserInfo of(OidcUserInfoAuthenticationContext context) {
		String subject = context.getAuthorization().getPrincipalName();
		Map<String, Object> claims = new LinkedHashMap<>();
		claims.put("sub", subject);
		accounts.byId(subject).ifPresent(account -> {
			String issuer = AuthorizationServerContextHolder.getContext().getIssuer();
			claims.put("fhirUser", issuer + "/fhir/" + account.fhirUser());
			if (account.displayName() != null) {
				claims.put("name", account.displayName());
			}
			claims.put("onetrip_account_kind", account.kind().code());
		});
		return new OidcUserInfo(claims);
	}
}
