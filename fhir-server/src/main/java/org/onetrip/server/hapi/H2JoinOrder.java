package org.onetrip.server.hapi;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hibernate.resource.jdbc.spi.StatementInspector;

/**
 * Puts the filtered index table first in HAPI's search SQL on H2.
 *
 * <p>HAPI writes a per-patient search as {@code FROM HFJ_RESOURCE t1 INNER JOIN HFJ_RES_LINK t0 ...
 * LEFT OUTER JOIN HFJ_SPIDX_DATE t2 ... WHERE t0.TARGET_RESOURCE_ID = ? ORDER BY t2...}. H2 does not
 * reorder joins once an outer join is present, so it scans every row of HFJ_RESOURCE to find the few
 * that link to the patient (45,789 page reads against 19 for the swapped order, on 340k resources;
 * ~350 ms per search). Swapping the two inner-joined tables is the same query, led by the index
 * table that carries the WHERE conditions. PostgreSQL plans this itself and is left alone.
 */
public class H2JoinOrder implements StatementInspector {

	private static final Pattern RESOURCE_FIRST = Pattern.compile(
			"FROM HFJ_RESOURCE (\\w+) INNER JOIN (HFJ_[A-Z_]+) (\\w+) ON \\(\\1\\.RES_ID = \\3\\.(\\w+)\\)");

	@Override
	public String inspect(String sql) {
		if (!sql.contains("LEFT OUTER JOIN") || !sql.contains("FROM HFJ_RESOURCE ")) {
			return sql;
		}
		Matcher m = RESOURCE_FIRST.matcher(sql);
		if (!m.find()) {
			return sql;
		}
		String swapped = "FROM " + m.group(2) + " " + m.group(3) + " INNER JOIN HFJ_RESOURCE " + m.group(1)
				+ " ON (" + m.group(1) + ".RES_ID = " + m.group(3) + "." + m.group(4) + ")";
		return sql.substring(0, m.start()) + swapped + sql.substring(m.end());
	}
}
