package org.onetrip.server.subscription;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.matcher.InMemoryResourceMatcher;
import ca.uhn.fhir.jpa.searchparam.matcher.SearchParamMatcher;
import io.micrometer.core.instrument.MeterRegistry;
import org.onetrip.server.export.HospitalReach;
import org.onetrip.server.hapi.FhirServerContribution;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * FHIR R4 Subscriptions, delivered: rest-hook notifications of the writes that match a Subscription's criteria,
 * queued in the write's transaction and sent by any instance, retried until the receiver takes them. Why not HAPI's
 * subscription modules: their channels are in memory, so what was matched but not yet sent is lost when the server
 * stops, and each instance delivers what it matched itself with retries that end; OneTrip's queue is a table (as its
 * audit outbox), so nothing committed is lost and any instance sends it. HAPI's in-memory matcher decides "matches".
 */
@Configuration
public class SubscriptionConfiguration {

	@Bean(destroyMethod = "close")
	public ActiveSubscriptions activeSubscriptions(DaoRegistry daos, org.onetrip.server.identity.PersonResolver persons) {
		return new ActiveSubscriptions(daos, persons);
	}

	@Bean(destroyMethod = "close")
	public SubscriptionDeliveries subscriptionDeliveries(JdbcTemplate jdbc, org.springframework.transaction.PlatformTransactionManager transactions,
			DaoRegistry daos, FhirContext fhirContext, MeterRegistry meters, @Value("${onetrip.subscriptions.senders:4}") int senders) {
		return new SubscriptionDeliveries(jdbc, transactions, daos, fhirContext, meters, senders);
	}

	/** The FHIR base named in notifications: the configured public URL, else the address this server listens on. */
	@Bean
	public org.springframework.context.ApplicationListener<org.springframework.boot.web.servlet.context.ServletWebServerInitializedEvent>
			notificationBase(SubscriptionDeliveries deliveries, @Value("${onetrip.security.public-url:}") String publicUrl,
					@Value("${server.address:127.0.0.1}") String address) {
		return started -> deliveries.fhirBase(!publicUrl.isBlank() ? publicUrl + "/fhir"
				: "http://" + address + ":" + started.getWebServer().getPort() + "/fhir");
	}

	/** On the storage interceptors: every write path (REST, transactions, operations, the DICOM sync) is matched. */
	@Bean
	public SubscriptionMatching subscriptionMatching(ActiveSubscriptions subscriptions, SearchParamMatcher matcher, HospitalReach reach,
			SubscriptionDeliveries deliveries, InMemoryResourceMatcher inMemoryMatcher, FhirContext fhirContext,
			IInterceptorService storageInterceptors,
			@Value("${onetrip.subscriptions.forbid-internal-endpoints:false}") boolean forbidInternalEndpoints) {
		storageInterceptors.registerInterceptor(new SubscriptionRules(fhirContext, inMemoryMatcher, forbidInternalEndpoints));
		SubscriptionMatching matching = new SubscriptionMatching(subscriptions, matcher, reach, deliveries, fhirContext);
		storageInterceptors.registerInterceptor(matching);
		return matching;
	}

	@Bean
	public FhirServerContribution subscriptionVisibility() {
		return server -> {
			server.registerInterceptor(new SubscriptionVisibility());
			server.registerInterceptor(new TopicsCapability());
		};
	}
}
