package org.onetrip.server.sql;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A PostgreSQL advisory lock named by a string, held until the current transaction ends: writes deciding about the
 * same thing (one patient's check-ins, one Account's charges, one person's plan) wait for each other, on one OneTrip
 * instance or several sharing the database.
 */
public final class NamedLocks {

	private NamedLocks() {}

	public static void lockUntilCommit(JdbcTemplate jdbc, String name) {
		jdbc.query("SELECT pg_advisory_xact_lock(?)", rs -> { }, key(name));
	}

	/** As {@link #lockUntilCommit}, without waiting: false when someone else holds it now. */
	public static boolean tryLockUntilCommit(JdbcTemplate jdbc, String name) {
		return Boolean.TRUE.equals(jdbc.queryForObject("SELECT pg_try_advisory_xact_lock(?)", Boolean.class, key(name)));
	}

	private static long key(String name) {
		return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).getMostSignificantBits();
	}
}
