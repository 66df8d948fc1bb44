package org.onetrip.server.audit;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A row of another table that belongs with a request's audit record, such as the attempt a booking refused at the
 * door counts as: inserted by the record's own statement, so the two are stored together or not at all, with one
 * commit instead of two (a refused booking's second commit was ~0.1 ms of PostgreSQL's CPU; bench/HISTORY.md, stop 53).
 * Put beside a request's record with {@link AuditTrail#writeBesideTheRecord}.
 *
 * @param table and {@code columns}: plain SQL names, checked; {@code values}: one per column, bound as parameters
 */
public record RowBesideTheRecord(String table, List<String> columns, List<Object> values) {

	private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

	public RowBesideTheRecord {
		if (!NAME.matcher(table).matches() || !columns.stream().allMatch(column -> NAME.matcher(column).matches())) {
			throw new IllegalArgumentException("not plain SQL names: " + table + " " + columns);
		}
		if (columns.isEmpty() || columns.size() != values.size()) {
			throw new IllegalArgumentException(columns.size() + " columns but " + values.size() + " values for " + table);
		}
		columns = List.copyOf(columns);
		values = Arrays.asList(values.toArray()); // may hold nulls: the table's constraints judge them
	}

	/** The insert, with one parameter per column. */
	public String insert() {
		return "INSERT INTO " + table + " (" + String.join(", ", columns) + ") VALUES (" + "?, ".repeat(columns.size() - 1) + "?)";
	}
}
