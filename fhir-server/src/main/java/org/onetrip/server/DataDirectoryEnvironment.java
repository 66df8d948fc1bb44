package org.onetrip.server;

import java.nio.file.Path;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Makes {@code onetrip.data-dir} absolute before anything uses it: the database, log and DICOM paths under it must
 * not depend on the working directory of whatever reads them later.
 */
public class DataDirectoryEnvironment implements EnvironmentPostProcessor {

	static final String PROPERTY = "onetrip.data-dir";

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		String configured = environment.getProperty(PROPERTY, "./data");
		Path absolute = Path.of(configured).toAbsolutePath().normalize();
		environment.getPropertySources()
				.addFirst(new MapPropertySource("onetripDataDirectory", Map.of(PROPERTY, absolute.toString())));
	}
}
