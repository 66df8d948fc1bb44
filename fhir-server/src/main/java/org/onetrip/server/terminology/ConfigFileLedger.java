package org.onetrip.server.terminology;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Remembers, in the database, the content of each config file last written to FHIR, so that a
 * restart re-applies a config file only when the operator changed it.
 */
@Component
public class ConfigFileLedger {

	private final JdbcTemplate jdbc;

	public ConfigFileLedger(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
		jdbc.execute("CREATE TABLE IF NOT EXISTS OT_CONFIG_LOADED ("
				+ "NAME VARCHAR(200) NOT NULL PRIMARY KEY, CONTENT_SHA256 VARCHAR(64) NOT NULL, LOADED_AT BIGINT NOT NULL)");
	}

	public boolean changedSinceLastLoad(String name, String content) {
		List<String> recorded = jdbc.queryForList(
				"SELECT CONTENT_SHA256 FROM OT_CONFIG_LOADED WHERE NAME = ?", String.class, name);
		return recorded.isEmpty() || !recorded.get(0).equals(sha256(content));
	}

	public void recordLoaded(String name, String content) {
		// One statement: two instances starting together may record the same name at once.
		jdbc.update("INSERT INTO OT_CONFIG_LOADED (NAME, CONTENT_SHA256, LOADED_AT) VALUES (?, ?, ?) ON CONFLICT (NAME) "
				+ "DO UPDATE SET CONTENT_SHA256 = EXCLUDED.CONTENT_SHA256, LOADED_AT = EXCLUDED.LOADED_AT",
				name, sha256(content), System.currentTimeMillis());
	}

	private static String sha256(String content) {
		try {
			MessageDigest digest = MessageDigest.getInstance("SHA-256");
			return HexFormat.of().formatHex(digest.digest(content.getBytes(StandardCharsets.UTF_8)));
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}
}
