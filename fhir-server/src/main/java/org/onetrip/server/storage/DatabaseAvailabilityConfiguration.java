package org.onetrip.server.storage;

import ca.uhn.fhir.context.FhirContext;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.onetrip.server.hapi.FhirEndpointConfiguration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.jdbc.DataSourceHealthIndicator;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/** Requests refused at once while the database is away (see {@link DatabaseAvailability}), either database. */
@Configuration
public class DatabaseAvailabilityConfiguration {

	@Bean(destroyMethod = "close")
	public DatabaseAvailability databaseAvailability(DataSource dataSource, ObjectProvider<LocalPostgres> localPostgres)
			throws SQLException {
		HikariDataSource pool = dataSource.unwrap(HikariDataSource.class);
		DatabaseAvailability availability = new DatabaseAvailability(
				DatabaseAvailability.probeOf(pool.getJdbcUrl(), pool.getUsername(), pool.getPassword()));
		// OneTrip's own PostgreSQL: its supervisor sees it stop before any request does.
		localPostgres.ifAvailable(postgres -> postgres.whenItStops(availability::lost));
		return availability;
	}

	/**
	 * The database's part of {@code /actuator/health} ("db", in place of Spring Boot's): DOWN at once while the database
	 * is known to be away, rather than after the pool's 30 s wait for a connection, so a monitor hears the outage as
	 * quickly as the clients; otherwise Spring Boot's own check on a pool connection.
	 */
	@Bean(name = "dbHealthIndicator")
	public HealthIndicator dbHealthIndicator(DatabaseAvailability database, DataSource dataSource) {
		DataSourceHealthIndicator pooled = new DataSourceHealthIndicator(dataSource);
		return () -> database.away()
				? Health.down().withDetail("reason", "unreachable; looked for again every second").build()
				: pooled.health();
	}

	/** Before sign-in and everything else that might wait on the database. */
	@Bean
	public FilterRegistrationBean<DatabaseAwayFilter> databaseAwayFilter(DatabaseAvailability database, FhirContext fhirContext) {
		FilterRegistrationBean<DatabaseAwayFilter> registration =
				new FilterRegistrationBean<>(new DatabaseAwayFilter(database, fhirContext));
		registration.addUrlPatterns(FhirEndpointConfiguration.FHIR_PATH + "/*", "/cds-services/*", "/dicomweb/*");
		registration.addUrlPatterns(DatabaseAwayFilter.OAUTH_PATHS.toArray(String[]::new));
		registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
		return registration;
	}
}
