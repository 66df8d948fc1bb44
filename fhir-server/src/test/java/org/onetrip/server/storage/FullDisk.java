package org.onetrip.server.storage;

import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Makes PostgreSQL fail inserts into some tables as it does on a full disk (SQLSTATE 53100, its own message and hint),
 * by a trigger: filling the test machine's disk is no option. Closing it drops the triggers: the disk has space again.
 */
public final class FullDisk implements AutoCloseable {

	private final JdbcTemplate jdbc;
	private final List<String> tables;

	private FullDisk(JdbcTemplate jdbc, List<String> tables) {
		this.jdbc = jdbc;
		this.tables = tables;
	}

	/** From now on every insert into these tables fails with PostgreSQL's answer for a table that cannot grow. */
	public static FullDisk under(JdbcTemplate jdbc, String... tables) {
		jdbc.execute("CREATE OR REPLACE FUNCTION OT_TEST_DISK_FULL() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
				+ "RAISE EXCEPTION 'could not extend file \"base/16384/16999\": No space left on device' "
				+ "USING ERRCODE = 'disk_full', HINT = 'Check free disk space.'; END $$");
		FullDisk full = new FullDisk(jdbc, List.of(tables));
		for (String table : full.tables) {
			jdbc.execute("CREATE TRIGGER OT_TEST_DISK_FULL BEFORE INSERT ON " + table
					+ " FOR EACH ROW EXECUTE FUNCTION OT_TEST_DISK_FULL()");
		}
		return full;
	}

	@Override
	public void close() {
		for (String table : tables) {
			jdbc.execute("DROP TRIGGER IF EXISTS OT_TEST_DISK_FULL ON " + table);
		}
	}
}
