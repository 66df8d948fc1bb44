package org.onetrip.server.signin;

import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * SMART EHR launch contexts: a hospital workstation with a patient open asks OneTrip for a {@code launch} value, opens
 * the app with it, and the app's authorization request carries it back; the token then has that patient as context.
 * Kept in the database, so the app may be authorized by any instance. A launch is good for a few minutes and for the
 * hospital that made it.
 */
public class SmartLaunches {

	public static final Duration VALIDITY = Duration.ofMinutes(10);
	static final Duration KEPT_AFTER_EXPIRY = ClientRegistrations.REFRESH_TOKEN_LIFETIME.plusDays(1);

	public record Launch(String id, String patientId, String hospital, String requestedBy, Instant expires) {}

	private final JdbcTemplate jdbc;
	private final SecureRandom random = new SecureRandom();

	public SmartLaunches(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
		jdbc.execute("CREATE TABLE IF NOT EXISTS OT_SMART_LAUNCH (ID VARCHAR(64) NOT NULL PRIMARY KEY, PATIENT_ID VARCHAR(128) NOT NULL, "
				+ "HOSPITAL VARCHAR(64), REQUESTED_BY VARCHAR(200) NOT NULL, EXPIRES TIMESTAMP WITH TIME ZONE NOT NULL)");
	}

	public Launch create(String patientId, String hospital, String requestedBy, Instant now) {
		byte[] bytes = new byte[18];
		random.nextBytes(bytes);
		Launch launch = new Launch(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes), patientId, hospital, requestedBy,
				now.plus(VALIDITY));
		// Old launches go as new ones come, once no grant can still need them: a launch checked at the authorization
		// request is read again at each token of that grant (refresh tokens live 30 days).
		jdbc.update("DELETE FROM OT_SMART_LAUNCH WHERE EXPIRES < ?", Timestamp.from(now.minus(KEPT_AFTER_EXPIRY)));
		jdbc.update("INSERT INTO OT_SMART_LAUNCH (ID, PATIENT_ID, HOSPITAL, REQUESTED_BY, EXPIRES) VALUES (?, ?, ?, ?, ?)", launch.id(),
				patientId, hospital, requestedBy, Timestamp.from(launch.expires()));
		return launch;
	}

	/** The launch, if it exists and has not expired (what an authorization request may use). */
	public Optional<Launch> find(String id, Instant now) {
		return recorded(id).filter(launch -> launch.expires().isAfter(now));
	}

	/** The launch as recorded, expired or not (what the token of an authorization already checked reads). */
	public Optional<Launch> recorded(String id) {
		if (id == null || id.isBlank()) {
			return Optional.empty();
		}
		return jdbc.query("SELECT ID, PATIENT_ID, HOSPITAL, REQUESTED_BY, EXPIRES FROM OT_SMART_LAUNCH WHERE ID = ?",
				(rs, i) -> new Launch(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getTimestamp(5).toInstant()),
				id).stream().findFirst();
	}
}
