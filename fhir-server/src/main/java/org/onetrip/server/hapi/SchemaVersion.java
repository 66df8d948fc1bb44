package org.onetrip.server.hapi;

import ca.uhn.fhir.util.VersionUtil;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remembers, in the database itself, which HAPI FHIR version last brought the schema up to date.
 *
 * <p>Hibernate's schema update inspects every table on every start; on a database holding a region's
 * data that takes longer than everything else in start-up together (21 s of a 59 s restart after
 * 340k resources on H2). It is only needed when the database is new or HAPI changed, so the schema is
 * updated then and merely used otherwise. Kept in a table rather than a file so that several
 * instances sharing one PostgreSQL agree.
 */
public final class SchemaVersion {

	private static final Logger log = LoggerFactory.getLogger(SchemaVersion.class);
	private static final String TABLE = "ONETRIP_SCHEMA_VERSION";

	private SchemaVersion() {}

	/** Marker bean: the schema of this HAPI version is in place. */
	public record Recorded(String hapiVersion) {}

	/** The HAPI version whose entities define the schema this build expects. */
	public static String current() {
		return VersionUtil.getVersion();
	}

	/** True when the schema was last updated by this HAPI version, so Hibernate need not inspect it. */
	public static boolean isCurrent(DataSource dataSource) {
		try (Connection c = dataSource.getConnection();
				PreparedStatement s = c.prepareStatement("SELECT HAPI_VERSION FROM " + TABLE);
				ResultSet r = s.executeQuery()) {
			return r.next() && current().equals(r.getString(1));
		} catch (SQLException tableMissing) {
			return false;
		}
	}

	/** Called once the schema has been updated (the EntityManagerFactory is up). */
	public static void record(DataSource dataSource) {
		try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
			s.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (HAPI_VERSION VARCHAR(64) NOT NULL)");
			s.execute("DELETE FROM " + TABLE);
			try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + TABLE + " (HAPI_VERSION) VALUES (?)")) {
				insert.setString(1, current());
				insert.executeUpdate();
			}
			if (!c.getAutoCommit()) {
				c.commit();
			}
		} catch (SQLException e) {
			// Not fatal: the next start simply updates the schema again.
			log.warn("Could not record the schema version: {}", e.getMessage());
		}
	}
}
