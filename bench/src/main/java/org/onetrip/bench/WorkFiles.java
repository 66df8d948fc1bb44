package org.onetrip.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/** The benchmarks' files under the work directory ({@code .cache}). */
public final class WorkFiles {

	private WorkFiles() {}

	/** Deletes a directory and everything under it; nothing when it does not exist. */
	public static void deleteTree(Path directory) throws IOException {
		if (!Files.exists(directory)) {
			return;
		}
		try (var walk = Files.walk(directory)) {
			for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
				Files.delete(path);
			}
		}
	}
}
