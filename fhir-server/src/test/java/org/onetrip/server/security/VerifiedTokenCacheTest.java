package org.onetrip.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;

class VerifiedTokenCacheTest {

	private Instant now = Instant.parse("2026-12-01T10:00:00Z");
	private final Clock clock = new Clock() {
		@Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
		@Override public Clock withZone(java.time.ZoneId zone) { return this; }
		@Override public Instant instant() { return now; }
	};
	private final AtomicInteger verifications = new AtomicInteger();

	/** Verifies like the real decoder would: "good" tokens expire in ten minutes, others are refused. */
	private final JwtDecoder verifier = token -> {
		verifications.incrementAndGet();
		if (!token.startsWith("good")) {
			throw new BadJwtException("bad signature");
		}
		Instant expiry = Instant.parse("2026-12-01T10:10:00Z");
		if (!now.isBefore(expiry)) {
			throw new BadJwtException("expired");
		}
		return Jwt.withTokenValue(token).header("alg", "RS256").subject("hospital-a").issuedAt(expiry.minusSeconds(600))
				.expiresAt(expiry).build();
	};

	@Test
	void aTokenVerifiedOnceIsNotVerifiedAgainWhileValid() {
		VerifiedTokenCache cache = new VerifiedTokenCache(verifier, clock);
		assertThat(cache.decode("good-1").getSubject()).isEqualTo("hospital-a");
		assertThat(cache.decode("good-1").getSubject()).isEqualTo("hospital-a");
		assertThat(verifications).hasValue(1);
		cache.decode("good-2");
		assertThat(verifications).hasValue(2);
	}

	@Test
	void anExpiredTokenIsVerifiedAgainAndRefused() {
		VerifiedTokenCache cache = new VerifiedTokenCache(verifier, clock);
		cache.decode("good-1");
		now = now.plus(Duration.ofMinutes(10));
		assertThatThrownBy(() -> cache.decode("good-1")).isInstanceOf(BadJwtException.class).hasMessageContaining("expired");
		assertThat(verifications).hasValue(2);
	}

	@Test
	void aRefusedTokenIsNeverRemembered() {
		VerifiedTokenCache cache = new VerifiedTokenCache(verifier, clock);
		assertThatThrownBy(() -> cache.decode("forged")).isInstanceOf(BadJwtException.class);
		assertThatThrownBy(() -> cache.decode("forged")).isInstanceOf(BadJwtException.class);
		assertThat(verifications).hasValue(2);
	}
}
