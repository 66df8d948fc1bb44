package org.onetrip.dicom.store;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Procedure Code Sequence items in one index column: one "scheme TAB code TAB meaning" line per item. */
final class ProcedureCodes {

	private ProcedureCodes() {}

	static String encode(List<DicomHeader.ProcedureCode> codes) {
		return codes.stream()
				.map(c -> clean(c.codingScheme()) + "\t" + clean(c.code()) + "\t" + clean(c.meaning()))
				.collect(Collectors.joining("\n"));
	}

	static List<DicomHeader.ProcedureCode> decode(String column) {
		List<DicomHeader.ProcedureCode> codes = new ArrayList<>();
		if (column == null || column.isEmpty()) {
			return codes;
		}
		for (String line : column.split("\n")) {
			String[] parts = line.split("\t", -1);
			if (parts.length == 3) {
				codes.add(new DicomHeader.ProcedureCode(parts[0], parts[1], parts[2]));
			}
		}
		return codes;
	}

	private static String clean(String value) {
		return value.replace('\t', ' ').replace('\n', ' ');
	}
}
