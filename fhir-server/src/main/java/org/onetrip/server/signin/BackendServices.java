package org.onetrip.server.signin;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.sql.Timestamp;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.function.Consumer;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtDecoderFactory;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.server.authorization.authentication.JwtClientAssertionDecoderFactory;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientCredentialsAuthenticationContext;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientCredentialsAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;

/**
 * SMART Backend Services: a hospital system proves who it is with a JWT signed by its own private key
 * ({@code private_key_jwt}), verified against the JWK set registered with OneTrip for that client (not fetched from
 * anywhere), and asks for system/ scopes. Each assertion is accepted once ({@code jti}) and may live at most five
 * minutes.
 */
public class BackendServices implements JwtDecoderFactory<RegisteredClient> {

	/** Client setting: the client's public keys, a JWK set as JSON. */
	public static final String CLIENT_JWKS = "settings.client.onetrip.jwks";
	static final Duration MAX_ASSERTION_LIFETIME = Duration.ofMinutes(5);
	/** RS384 and ES384 are what SMART requires; the others cost nothing to accept. */
	private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
			JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512);

	private final JdbcTemplate jdbc;
	private final Clock clock;
	private final JwtClientAssertionDecoderFactory sharedSecretAssertions = new JwtClientAssertionDecoderFactory();

	public BackendServices(JdbcTemplate jdbc, Clock clock) {
		this.jdbc = jdbc;
		this.clock = clock;
		jdbc.execute("CREATE TABLE IF NOT EXISTS OT_CLIENT_ASSERTION (CLIENT_ID VARCHAR(100) NOT NULL, JTI VARCHAR(200) NOT NULL, "
				+ "EXPIRES TIMESTAMP WITH TIME ZONE NOT NULL, PRIMARY KEY (CLIENT_ID, JTI))");
	}

	@Override
	public JwtDecoder createDecoder(RegisteredClient client) {
		if (!client.getClientAuthenticationMethods().contains(ClientAuthenticationMethod.PRIVATE_KEY_JWT)) {
			return sharedSecretAssertions.createDecoder(client);
		}
		Object jwks = client.getClientSettings().getSetting(CLIENT_JWKS);
		JWKSet keys;
		try {
			keys = JWKSet.parse(jwks == null ? "" : jwks.toString());
		} catch (ParseException e) {
			throw new OAuth2AuthenticationException(new OAuth2Error(OAuth2ErrorCodes.INVALID_CLIENT,
					"the client " + client.getClientId() + " has no usable JWK set registered: " + e.getMessage(), null));
		}
		DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
		processor.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, new ImmutableJWKSet<>(keys)));
		processor.setJWTClaimsSetVerifier((claims, context) -> { }); // Spring's validators below check the claims
		NimbusJwtDecoder decoder = new NimbusJwtDecoder(processor);
		decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(
				JwtClientAssertionDecoderFactory.DEFAULT_JWT_VALIDATOR_FACTORY.apply(client), this::shortLivedAndUnused));
		return decoder;
	}

	private OAuth2TokenValidatorResult shortLivedAndUnused(Jwt assertion) {
		Instant now = clock.instant();
		if (assertion.getExpiresAt() == null || assertion.getExpiresAt().isAfter(now.plus(MAX_ASSERTION_LIFETIME).plusSeconds(30))) {
			return refused("the client assertion must expire within " + MAX_ASSERTION_LIFETIME.toMinutes() + " minutes");
		}
		if (assertion.getId() == null || assertion.getId().isBlank()) {
			return refused("the client assertion needs a jti");
		}
		jdbc.update("DELETE FROM OT_CLIENT_ASSERTION WHERE EXPIRES < ?", Timestamp.from(now.minus(Duration.ofMinutes(1))));
		int inserted = jdbc.update("INSERT INTO OT_CLIENT_ASSERTION (CLIENT_ID, JTI, EXPIRES) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
				assertion.getSubject(), assertion.getId(), Timestamp.from(assertion.getExpiresAt()));
		return inserted == 1 ? OAuth2TokenValidatorResult.success() : refused("this client assertion (jti) was already used");
	}

	private static OAuth2TokenValidatorResult refused(String description) {
		return OAuth2TokenValidatorResult.failure(new OAuth2Error(OAuth2ErrorCodes.INVALID_CLIENT, description, null));
	}

	/** The client credentials grant: system/ scopes only, each covered by the client's registration, at least one. */
	public static Consumer<OAuth2ClientCredentialsAuthenticationContext> scopeCheck() {
		return context -> {
			OAuth2ClientCredentialsAuthenticationToken request = context.getAuthentication();
			Set<String> requested = request.getScopes();
			if (requested.isEmpty()) {
				throw scopeError("name the system/ scopes the service needs (scope=system/Observation.rs ...)");
			}
			for (String scope : requested) {
				if (!SmartScopePolicy.isSystemScope(scope)) {
					throw scopeError("a backend service is given system/ scopes only, not " + scope);
				}
				if (!SmartScopePolicy.covers(context.getRegisteredClient().getScopes(), scope)) {
					throw scopeError("the client is not registered for the scope " + scope);
				}
			}
		};
	}

	private static OAuth2AuthenticationException scopeError(String description) {
		return new OAuth2AuthenticationException(new OAuth2Error(OAuth2ErrorCodes.INVALID_SCOPE, description, null));
	}
}
