package org.onetrip.server;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.data.elasticsearch.ElasticsearchDataAutoConfiguration;
import org.springframework.boot.autoconfigure.data.elasticsearch.ElasticsearchRepositoriesAutoConfiguration;
import org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchClientAutoConfiguration;
import org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchRestClientAutoConfiguration;
import org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration;
import org.springframework.boot.autoconfigure.orm.jpa.HibernateJpaAutoConfiguration;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The OneTrip regional server: HAPI FHIR JPA at /fhir, plus OneTrip's own features
 * (region, identity, ...) in their feature packages.
 */
// HAPI builds its own EntityManagerFactory and owns its schema: Spring Boot's JPA and Flyway set-up stay off.
// Elasticsearch is on the classpath through HAPI only; OneTrip wires its own ES client when it needs one. Thymeleaf
// renders the sign-in pages (signin/SignInPages).
@SpringBootApplication(
		exclude = {
			HibernateJpaAutoConfiguration.class,
			FlywayAutoConfiguration.class,
			ElasticsearchClientAutoConfiguration.class,
			ElasticsearchRestClientAutoConfiguration.class,
			ElasticsearchDataAutoConfiguration.class,
			ElasticsearchRepositoriesAutoConfiguration.class
		})
@ConfigurationPropertiesScan
public class OneTripServer {

	public static void main(String[] args) {
		SpringApplication application = new SpringApplication(OneTripServer.class);
		// Where start-up time goes, bean by bean, for GET /actuator/startup (a region token): ONETRIP_STARTUP_STEPS=1.
		if (System.getenv("ONETRIP_STARTUP_STEPS") != null) {
			application.setApplicationStartup(new org.springframework.boot.context.metrics.buffering.BufferingApplicationStartup(50_000));
		}
		application.run(args);
	}
}
