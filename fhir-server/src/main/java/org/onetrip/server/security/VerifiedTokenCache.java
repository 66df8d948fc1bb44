package org.onetrip.server.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;

/**
 * Remembers tokens that were verified, so a hospital system sending the same bearer token with every request does
 * not pay its signature check (RSA, and Nimbus's constant-time Base64) each time: a CDS hook spends milliseconds on
 * what matters, and the token was a visible share of them.
 *
 * <p>A token is taken from memory only while it is still valid (its {@code exp}, and {@code nbf} reached) and for
 * at most {@link #KEEP}, so a signing key withdrawn from the JWK set stops being honoured within that time, as
 * Spring's own JWK-set cache would. A token that fails verification is never remembered. The cache is keyed by the
 * whole token text: a token differing in one byte is verified afresh.
 */
public class VerifiedTokenCache implements JwtDecoder {

	static final Duration KEEP = Duration.ofMinutes(5);

	private final JwtDecoder verifier;
	private final Clock clock;
	private final Cache<String, Jwt> verified;

	public VerifiedTokenCache(JwtDecoder verifier, Clock clock) {
		this.verifier = verifier;
		this.clock = clock;
		this.verified = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(KEEP).build();
	}

	@Override
	public Jwt decode(String token) throws JwtException {
		Jwt known = verified.getIfPresent(token);
		if (known != null && stillValid(known)) {
			return known;
		}
		verified.invalidate(token);
		Jwt jwt = verifier.decode(token);
		if (stillValid(jwt)) {
			verified.put(token, jwt);
		}
		return jwt;
	}

	private boolean stillValid(Jwt jwt) {
		Instant now = clock.instant();
		// Without an expiry a token is verified every time: nothing says how long it may be trusted.
		return jwt.getExpiresAt() != null && now.isBefore(jwt.getExpiresAt())
				&& (jwt.getNotBefore() == null || !now.isBefore(jwt.getNotBefore()));
	}
}
