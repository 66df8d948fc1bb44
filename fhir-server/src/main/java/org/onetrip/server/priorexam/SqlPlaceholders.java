package org.onetrip.server.priorexam;

import java.util.Collections;

/** The {@code ?, ?, ?} of an SQL {@code IN (...)} list with one parameter per value. */
final class SqlPlaceholders {

	private SqlPlaceholders() {}

	static String of(int count) {
		return String.join(", ", Collections.nCopies(count, "?"));
	}
}
