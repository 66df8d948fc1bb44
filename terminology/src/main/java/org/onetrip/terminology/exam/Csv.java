package org.onetrip.terminology.exam;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The CSV files operators keep in {@code config/exams/}: a header row, then one row per line; fields
 * may be double-quoted (with "" for a quote); blank lines and lines starting with '#' are comments.
 */
final class Csv {

	/** One data row, with its line number so that errors can point at it. */
	record Row(int line, Map<String, String> fields) {
		String get(String column) {
			String value = fields.get(column);
			return value == null ? "" : value;
		}
	}

	private Csv() {}

	static List<Row> read(Reader reader, String sourceName, List<String> requiredColumns) throws IOException {
		BufferedReader in = new BufferedReader(reader);
		List<String> header = null;
		List<Row> rows = new ArrayList<>();
		String line;
		int lineNumber = 0;
		while ((line = in.readLine()) != null) {
			lineNumber++;
			if (line.isBlank() || line.stripLeading().startsWith("#")) {
				continue;
			}
			List<String> cells = split(line, sourceName, lineNumber);
			if (header == null) {
				header = cells.stream().map(c -> c.trim().toLowerCase(Locale.ROOT)).toList();
				for (String required : requiredColumns) {
					if (!header.contains(required)) {
						throw new IllegalArgumentException(sourceName + ": the header has no column '" + required
								+ "' (found " + header + ")");
					}
				}
				continue;
			}
			if (cells.size() > header.size()) {
				throw new IllegalArgumentException(sourceName + " line " + lineNumber + ": " + cells.size()
						+ " fields, the header names " + header.size());
			}
			Map<String, String> fields = new HashMap<>();
			for (int i = 0; i < cells.size(); i++) {
				fields.put(header.get(i), cells.get(i).trim());
			}
			rows.add(new Row(lineNumber, fields));
		}
		if (header == null) {
			throw new IllegalArgumentException(sourceName + " is empty: it needs a header row");
		}
		return rows;
	}

	private static List<String> split(String line, String sourceName, int lineNumber) {
		List<String> cells = new ArrayList<>();
		StringBuilder cell = new StringBuilder();
		boolean quoted = false;
		for (int i = 0; i < line.length(); i++) {
			char c = line.charAt(i);
			if (quoted) {
				if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
					cell.append('"');
					i++;
				} else if (c == '"') {
					quoted = false;
				} else {
					cell.append(c);
				}
			} else if (c == '"') {
				quoted = true;
			} else if (c == ',') {
				cells.add(cell.toString());
				cell.setLength(0);
			} else {
				cell.append(c);
			}
		}
		if (quoted) {
			throw new IllegalArgumentException(sourceName + " line " + lineNumber + ": a quoted field is not closed");
		}
		cells.add(cell.toString());
		return cells;
	}
}
