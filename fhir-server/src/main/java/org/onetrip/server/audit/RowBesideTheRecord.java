package org.onetrip.server.audit;

import java.util.Arrays;
import java.util.List;

/**
 * A row of another table that belongs with a request's audit record, such as the attempt a booking refused at the
 * door counts as: inserted by the record's own statement, so the two are stored together or not at all, with one
 * commit instead of two (a refused booking's second commit was ~0.1 ms of PostgreSQL's CPU; bench/HISTORY.md, stop 53).
 * Put beside a request's record with {@link AuditTrail#writeBesideTheRecord}.
 *
 * @param table and {@code columns}: plain SQL names, checked; {@code values}: one per column, bound as parameters
 */
public record RowBesideTheRecord(String table, List<String> columns, List<Object> values) {

	public RowBesideTheRecord {
		if (!plainName(table) || !columns.stream().allMatch(RowBesideTheRecord::plainName)) {
			throw new IllegalArgumentException("not plain SQL names: " + table + " " + columns);
		}
		if (columns.isEmpty() || columns.size() != values.size()) {
			throw new IllegalArgumentException(columns.size() + " columns but " + values.size() + " values for " + table);
		}
		columns = List.copyOf(columns);
		values = Arrays.asList(values.toArray()); // may hold nulls: the table's constraints judge them
	}

	/**
	 * {@code [A-Za-z_][A-Za-z0-9_]*}, checked by hand: a row is made for every booking refused at the door, and the
	 * regular expression's matcher was 1 % of a booking storm's request threads (JFR, bench/HISTORY.md stop 54).
	 */
	static boolean plainName(String name) {
		if (name == null || name.isEmpty()) {
			return false;
		}
		for (int i = 0; i < name.length(); i++) {
			char c = name.charAt(i);
			boolean letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
			if (!letter && (i == 0 || c < '0' || c > '9')) {
				return false;
			}
		}
		return true;
	}

	/** The insert, with one parameter per column. */
	public String insert() {
		return "INSERT INTO " + table + " (" + String.join(", ", columns) + ") VALUES (" + "?, ".repeat(columns.size() - 1) + "?)";
	}
}
