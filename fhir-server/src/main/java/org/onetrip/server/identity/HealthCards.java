package org.onetrip.server.identity;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Health-card QR tokens (seed 001): one code a person shows at any hospital of the region.
 * A token is opaque (random, it says nothing about the person) and signed (a forged or mistyped one is
 * refused before any lookup); the database keeps only its hash, with the Patient it was issued for, its
 * expiry and whether it was revoked. The signing key is {@code onetrip.health-card.key} when configured,
 * else one generated once and kept in the database, so every instance on one database shares it.
 */
public class HealthCards {

	private static final String PREFIX = "OTHC1.";
	private static final int RANDOM_BYTES = 18;
	private static final int MAC_BYTES = 16;
	private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
	private static final Base64.Decoder B64_IN = Base64.getUrlDecoder();

	public record Issued(String token, Instant expiresAt) {}

	public sealed interface Resolution {}

	public record Valid(String patientId, Instant expiresAt) implements Resolution {}

	/** Why a token is refused: not ours (forged, mistyped), unknown, expired, or revoked. */
	public enum RefusalKind { MALFORMED, UNKNOWN, EXPIRED, REVOKED }

	public record Refused(RefusalKind kind, String reason) implements Resolution {}

	private final JdbcTemplate jdbc;
	private final SecretKeySpec key;
	private final SecureRandom random = new SecureRandom();

	public HealthCards(JdbcTemplate jdbc, String configuredKey) {
		this.jdbc = jdbc;
		jdbc.execute("CREATE TABLE IF NOT EXISTS OT_HEALTH_CARD (TOKEN_HASH VARCHAR(64) NOT NULL PRIMARY KEY, "
				+ "PATIENT_ID VARCHAR(128) NOT NULL, ISSUED_AT BIGINT NOT NULL, EXPIRES_AT BIGINT NOT NULL, REVOKED_AT BIGINT)");
		jdbc.execute("CREATE INDEX IF NOT EXISTS OT_HEALTH_CARD_PATIENT ON OT_HEALTH_CARD (PATIENT_ID)");
		jdbc.execute("CREATE TABLE IF NOT EXISTS OT_SECRET (NAME VARCHAR(64) NOT NULL PRIMARY KEY, SECRET VARCHAR(256) NOT NULL)");
		byte[] keyBytes = configuredKey == null || configuredKey.isBlank() ? sharedKey() : Base64.getDecoder().decode(configuredKey.trim());
		if (keyBytes.length < 32) {
			throw new IllegalArgumentException("onetrip.health-card.key must be at least 32 bytes (base64)");
		}
		this.key = new SecretKeySpec(keyBytes, "HmacSHA256");
	}

	public Issued issue(String patientId, Duration validity, Instant now) {
		byte[] secret = new byte[RANDOM_BYTES];
		random.nextBytes(secret);
		String body = PREFIX + B64.encodeToString(secret);
		String token = body + "." + B64.encodeToString(mac(body));
		Instant expires = now.plus(validity);
		jdbc.update("INSERT INTO OT_HEALTH_CARD (TOKEN_HASH, PATIENT_ID, ISSUED_AT, EXPIRES_AT) VALUES (?, ?, ?, ?)",
				hash(body), patientId, now.toEpochMilli(), expires.toEpochMilli());
		return new Issued(token, expires);
	}

	public Resolution resolve(String token, Instant now) {
		String body = signedBody(token);
		if (body == null) {
			return new Refused(RefusalKind.MALFORMED, "this is not a OneTrip health card (its signature does not match)");
		}
		List<Object[]> rows = jdbc.query("SELECT PATIENT_ID, EXPIRES_AT, REVOKED_AT FROM OT_HEALTH_CARD WHERE TOKEN_HASH = ?",
				(rs, i) -> new Object[] {rs.getString(1), rs.getLong(2), rs.getObject(3)}, hash(body));
		if (rows.isEmpty()) {
			return new Refused(RefusalKind.UNKNOWN, "this health card was not issued here");
		}
		Object[] row = rows.get(0);
		if (row[2] != null) {
			return new Refused(RefusalKind.REVOKED, "this health card was revoked; ask for a new one");
		}
		Instant expires = Instant.ofEpochMilli((Long) row[1]);
		if (!now.isBefore(expires)) {
			return new Refused(RefusalKind.EXPIRED, "this health card expired at " + expires + "; ask for a new one");
		}
		return new Valid((String) row[0], expires);
	}

	/** Revokes the token; false when it was not a valid token of ours or was revoked already. */
	public boolean revoke(String token, Instant now) {
		String body = signedBody(token);
		return body != null && jdbc.update("UPDATE OT_HEALTH_CARD SET REVOKED_AT = ? WHERE TOKEN_HASH = ? AND REVOKED_AT IS NULL",
				now.toEpochMilli(), hash(body)) == 1;
	}

	/** The part of the token that was signed, when the signature matches; null otherwise. */
	private String signedBody(String token) {
		if (token == null) {
			return null;
		}
		String trimmed = token.trim();
		int dot = trimmed.lastIndexOf('.');
		if (!trimmed.startsWith(PREFIX) || dot <= PREFIX.length()) {
			return null;
		}
		String body = trimmed.substring(0, dot);
		try {
			byte[] given = B64_IN.decode(trimmed.substring(dot + 1));
			return MessageDigest.isEqual(given, mac(body)) ? body : null;
		} catch (IllegalArgumentException e) {
			return null;
		}
	}

	private byte[] mac(String body) {
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(key);
			return java.util.Arrays.copyOf(mac.doFinal(body.getBytes(StandardCharsets.US_ASCII)), MAC_BYTES);
		} catch (GeneralSecurityException e) {
			throw new IllegalStateException("HmacSHA256 unavailable", e);
		}
	}

	private static String hash(String body) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.US_ASCII)));
		} catch (GeneralSecurityException e) {
			throw new IllegalStateException("SHA-256 unavailable", e);
		}
	}

	/** The key all instances on this database use: made by the first one, read by the others. */
	private byte[] sharedKey() {
		List<String> existing = jdbc.queryForList("SELECT SECRET FROM OT_SECRET WHERE NAME = 'health-card'", String.class);
		if (!existing.isEmpty()) {
			return Base64.getDecoder().decode(existing.get(0));
		}
		byte[] fresh = new byte[32];
		random.nextBytes(fresh);
		try {
			jdbc.update("INSERT INTO OT_SECRET (NAME, SECRET) VALUES ('health-card', ?)", Base64.getEncoder().encodeToString(fresh));
			return fresh;
		} catch (DuplicateKeyException raced) {
			return Base64.getDecoder().decode(jdbc.queryForObject("SELECT SECRET FROM OT_SECRET WHERE NAME = 'health-card'", String.class));
		}
	}
}
