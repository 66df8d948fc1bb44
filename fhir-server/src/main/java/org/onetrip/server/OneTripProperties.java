package org.onetrip.server;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The settings an operator is expected to change, under {@code onetrip.*} in config/application.yaml.
 * Paths are kept as strings here because Spring's String-to-Path conversion treats them as resource
 * URLs and rejects "../config/region.yaml"; {@link #dataDirectory()} and {@link #regionFile()} convert.
 *
 * @param dataDir where the embedded database, logs and (later) DICOM files live
 * @param region the region file: hospitals, levels, identifier systems, AE titles
 * @param maxRequestBody FHIR request bodies above this size are refused with 413; unset: the largest body the heap
 *                       holds while it is stored (see inputcheck.LargeBodyBudget)
 * @param exams the exam terminology directory: catalogue.csv, rules.yaml, code-maps/*.csv
 */
@ConfigurationProperties(prefix = "onetrip")
public record OneTripProperties(String dataDir, String region, DataSize maxRequestBody, String exams) {

	public OneTripProperties {
		if (dataDir == null) dataDir = "data";
		if (region == null) region = "config/region.yaml";
		if (exams == null) exams = "config/exams";
	}

	public Path dataDirectory() {
		return Path.of(dataDir);
	}

	public Path examsDirectory() {
		return Path.of(exams);
	}

	public Path regionFile() {
		return Path.of(region);
	}
}
