package org.onetrip.server;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The settings an operator is expected to change, under {@code onetrip.*} in config/application.yaml.
 *
 * @param dataDir where the embedded database, logs and (later) DICOM files live
 * @param region the region file: hospitals, levels, identifier systems, AE titles
 * @param maxRequestBody FHIR request bodies above this size are refused with 413
 */
@ConfigurationProperties(prefix = "onetrip")
public record OneTripProperties(Path dataDir, Path region, DataSize maxRequestBody) {

	public OneTripProperties {
		if (dataDir == null) dataDir = Path.of("data");
		if (region == null) region = Path.of("config", "region.yaml");
		if (maxRequestBody == null) maxRequestBody = DataSize.ofMegabytes(20);
	}
}
