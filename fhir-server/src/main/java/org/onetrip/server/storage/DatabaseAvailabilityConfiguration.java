package org.onetrip.server.storage;

import ca.uhn.fhir.context.FhirContext;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.onetrip.server.hapi.FhirEndpointConfiguration;
import org.springframework.beans.factory.ObjectProvider;
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
