package org.onetrip.server.storage;

import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * OneTrip's database when no external one is configured ({@code spring.datasource.url} unset, the default): the
 * PostgreSQL OneTrip runs itself under the data directory ({@link LocalPostgres}). With {@code spring.datasource.url}
 * set (the {@code postgres} profile), Spring Boot's own DataSource connects to that server instead and none of this
 * runs. The pool's settings come from {@code spring.datasource.hikari.*} either way.
 */
@Configuration
@Conditional(DatabaseConfiguration.NoExternalDatabase.class)
public class DatabaseConfiguration {

	/** Stopped after the pool (the pool depends on it), so no connection outlives its server. */
	@Bean(destroyMethod = "close")
	public LocalPostgres localPostgres(@Value("${onetrip.data-dir}") Path dataDir,
			@Value("${onetrip.storage.embedded.port:0}") int port,
			@Value("${onetrip.storage.embedded.shared-buffers:256MB}") String sharedBuffers,
			org.springframework.core.env.Environment environment) {
		refuseDataFromBeforePostgres(dataDir);
		// Any further PostgreSQL setting, by its own name: onetrip.storage.embedded.server-settings.log_min_duration_statement=250
		java.util.Map<String, String> serverSettings = org.springframework.boot.context.properties.bind.Binder.get(environment)
				.bind("onetrip.storage.embedded.server-settings",
						org.springframework.boot.context.properties.bind.Bindable.mapOf(String.class, String.class))
				.orElse(java.util.Map.of());
		return LocalPostgres.start(LocalPostgres.Settings.under(dataDir).withPort(port).withSharedBuffers(sharedBuffers)
				.withServerSettings(serverSettings));
	}

	@Bean
	@ConfigurationProperties("spring.datasource.hikari")
	public HikariDataSource dataSource(LocalPostgres postgres) {
		HikariDataSource pool = new HikariDataSource();
		pool.setJdbcUrl(postgres.jdbcUrl());
		pool.setUsername(postgres.user());
		pool.setPassword(postgres.password());
		pool.setPoolName("onetrip");
		return pool;
	}

	/**
	 * Versions before PostgreSQL kept their database in an H2 file ({@code <data-dir>/h2}). Starting on such a
	 * directory would show an empty region as if the data were gone; refuse, and say what to do.
	 */
	static void refuseDataFromBeforePostgres(Path dataDir) {
		Path h2 = dataDir.resolve("h2").resolve("onetrip.mv.db");
		if (Files.exists(h2) && !Files.exists(dataDir.resolve("postgres").resolve("PG_VERSION"))) {
			throw new StorageStartException(dataDir + " holds a database of an earlier OneTrip (H2 file " + h2 + "). "
					+ "This version stores in PostgreSQL. Either start with another data directory (ONETRIP_DATA) and load "
					+ "the region again, or move " + dataDir.resolve("h2") + " aside to start this one empty; see README.md, "
					+ "\"Data from an earlier version\"");
		}
	}

	/** True when no external database is configured. */
	static class NoExternalDatabase implements Condition {
		@Override
		public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
			String url = context.getEnvironment().getProperty("spring.datasource.url");
			return url == null || url.isBlank();
		}
	}
}
