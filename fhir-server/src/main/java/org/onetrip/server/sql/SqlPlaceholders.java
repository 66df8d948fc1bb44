package org.onetrip.server.sql;

import java.util.Collections;

/** The {@code ?, ?, ?} of an SQL {@code IN (...)} list with one parameter per value. */
public final class SqlPlaceholders {

	private SqlPlaceholders() {}

	public static String of(int count) {
		return String.join(", ", Collections.nCopies(count, "?"));
	}
}
