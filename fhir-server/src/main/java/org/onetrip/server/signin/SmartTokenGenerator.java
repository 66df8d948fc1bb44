package org.onetrip.server.signin;

import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.OAuth2RefreshToken;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.security.oauth2.server.authorization.token.DelegatingOAuth2TokenGenerator;
import org.springframework.security.oauth2.server.authorization.token.JwtGenerator;
import org.springframework.security.oauth2.server.authorization.token.OAuth2RefreshTokenGenerator;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenGenerator;

/**
 * What the authorization server issues: JWT access and id tokens (with {@link SmartTokenClaims}), and a refresh token
 * only when the grant asked for one (SMART: offline_access or online_access). Deciding here, rather than discarding a
 * refresh token after the fact, leaves the access token of the same grant untouched.
 */
final class SmartTokenGenerator {

	private SmartTokenGenerator() {}

	static OAuth2TokenGenerator<?> create(JWKSource<SecurityContext> keys, SmartTokenClaims claims) {
		JwtGenerator jwt = new JwtGenerator(new NimbusJwtEncoder(keys));
		jwt.setJwtCustomizer(claims);
		OAuth2RefreshTokenGenerator refresh = new OAuth2RefreshTokenGenerator();
		OAuth2TokenGenerator<OAuth2RefreshToken> onlyWhenAsked = context ->
				// A refresh grant rotates what the person granted before, whatever narrower scope the app asks now.
				AuthorizationGrantType.REFRESH_TOKEN.equals(context.getAuthorizationGrantType())
						|| SmartScopePolicy.asksForRefresh(context.getAuthorizedScopes()) ? refresh.generate(context) : null;
		return new DelegatingOAuth2TokenGenerator(jwt, onlyWhenAsked);
	}
}
