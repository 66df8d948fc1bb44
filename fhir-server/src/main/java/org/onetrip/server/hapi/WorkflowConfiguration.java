package org.onetrip.server.hapi;

import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import java.time.Clock;
import java.util.List;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The workflow pipeline on HAPI's storage interceptors, with every {@link WorkflowHandler} bean in it; the clock rules read. */
@Configuration
public class WorkflowConfiguration {

	/** The time every workflow rule is given; a test context may define its own. */
	@Bean
	@ConditionalOnMissingBean
	public Clock clock() {
		return Clock.systemUTC();
	}

	@Bean
	public WorkflowPipeline workflowPipeline(List<WorkflowHandler> handlers, DaoRegistry daos, IInterceptorService storageInterceptors,
			jakarta.persistence.EntityManagerFactory entityManagers) {
		WorkflowPipeline pipeline = new WorkflowPipeline(handlers, daos,
				org.springframework.orm.jpa.SharedEntityManagerCreator.createSharedEntityManager(entityManagers));
		storageInterceptors.registerInterceptor(pipeline);
		return pipeline;
	}
}
