package org.onetrip.server.hapi;

import ca.uhn.fhir.jpa.sched.HapiSchedulerServiceImpl;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;

/**
 * HAPI's task scheduler (its ~20 periodic jobs: resource counts, search-parameter and subscription caches, batch job
 * maintenance, terminology...) starts once the application is ready instead of when the context is refreshed.
 *
 * <p>Why: started at refresh, the jobs all run at once while OneTrip's start-up runners seed the region, and their
 * first runs make HAPI's repositories ({@link LazyRepositories}), holding Spring's singleton lock: the runners' main
 * thread waited ~1.4 s of a start for it (JFR, bench/HISTORY.md, 2026-12-04). Nothing the runners do waits for a job;
 * what they queue (the person-identifier parameter's reindex) runs once the scheduler starts, a moment later.
 */
public final class SchedulerStartsWhenReady extends HapiSchedulerServiceImpl {

	/** HAPI's own bean of this name ({@code JpaConfig.schedulerService}) is made as this class instead. */
	static final String HAPI_BEAN_NAME = "schedulerService";

	private volatile boolean ready;

	public SchedulerStartsWhenReady() {
		setDefaultGroup("HAPI"); // what JpaConfig.schedulerService() sets
	}

	/** HAPI calls this when the context is refreshed (its {@code @EventListener}): too early, see the class. */
	@Override
	public void start() {
		if (ready) {
			super.start();
		}
	}

	@EventListener(ApplicationReadyEvent.class)
	public void startWhenReady() {
		ready = true;
		super.start();
	}

	/** Registered as a static bean: replaces HAPI's scheduler bean definition before any bean is made. */
	public static final class Replacement implements BeanFactoryPostProcessor {
		@Override
		public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
			if (beanFactory instanceof BeanDefinitionRegistry registry && registry.containsBeanDefinition(HAPI_BEAN_NAME)) {
				registry.removeBeanDefinition(HAPI_BEAN_NAME);
				registry.registerBeanDefinition(HAPI_BEAN_NAME, new RootBeanDefinition(SchedulerStartsWhenReady.class));
			}
		}
	}
}
