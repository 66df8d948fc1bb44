package org.onetrip.server.security;

import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import java.util.concurrent.atomic.LongAdder;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.autoconfigure.web.servlet.DispatcherServletAutoConfiguration;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.servlet.handler.HandlerMappingIntrospector;
import org.springframework.web.servlet.handler.MatchableHandlerMapping;

/**
 * Spring MVC's handler look-up is done only for the requests Spring MVC serves.
 *
 * <p>Spring Security puts a filter before its own chain that looks up, for every request, which Spring MVC handler
 * would serve it (so that its MVC path matchers and CORS settings can ask without looking up again). A request for
 * the FHIR endpoint goes to HAPI's servlet, not to Spring MVC's, and the look-up walked every handler mapping for
 * nothing: ~6 % of the request threads' CPU in a booking storm (bench/HISTORY.md, 2026-12-04 stop 41). Requests for
 * other servlets now pass that filter untouched. Nothing is lost: for those requests Spring Security's rules use plain
 * path matchers, and should anything still ask Spring MVC about one, the introspector answers it without the cache
 * (Spring logs that once, at INFO).
 */
public final class MvcLookupForMvcRequestsOnly extends HandlerMappingIntrospector {

	/** The name Spring MVC's configuration gives its introspector, which Spring Security asks for by name. */
	static final String INTROSPECTOR_BEAN = "mvcHandlerMappingIntrospector";

	@Override
	public Filter createCacheFilter() {
		Filter cacheFilter = super.createCacheFilter();
		return (request, response, chain) -> {
			if (request instanceof HttpServletRequest http && !servedBySpringMvc(http)) {
				chain.doFilter(request, response);
			} else {
				cacheFilter.doFilter(request, response, chain);
			}
		};
	}

	/**
	 * Look-ups asked for requests of other servlets, which the cache filter no longer prepares (each is a whole
	 * look-up): a Spring MVC matcher on a security chain that every request passes would do that. Should stay 0.
	 */
	private final LongAdder uncachedLookups = new LongAdder();

	@Override
	public MatchableHandlerMapping getMatchableHandlerMapping(HttpServletRequest request) throws Exception {
		countIfUncached(request);
		return super.getMatchableHandlerMapping(request);
	}

	@Override
	public CorsConfiguration getCorsConfiguration(HttpServletRequest request) {
		countIfUncached(request);
		return super.getCorsConfiguration(request);
	}

	private void countIfUncached(HttpServletRequest request) {
		if (!servedBySpringMvc(request)) {
			uncachedLookups.increment();
		}
	}

	long uncachedLookups() {
		return uncachedLookups.sum();
	}

	/** Tomcat maps the request to its servlet before the filters run; an unknown mapping is treated as Spring MVC's. */
	static boolean servedBySpringMvc(HttpServletRequest request) {
		HttpServletMapping mapping = request.getHttpServletMapping();
		return mapping == null || mapping.getServletName() == null
				|| DispatcherServletAutoConfiguration.DEFAULT_DISPATCHER_SERVLET_BEAN_NAME.equals(mapping.getServletName());
	}

	/**
	 * Puts this class in place of the introspector Spring MVC's configuration declares (same name, lazy as it was),
	 * before any bean is made.
	 */
	static final class Replacement implements BeanDefinitionRegistryPostProcessor {

		@Override
		public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) {
			if (!registry.containsBeanDefinition(INTROSPECTOR_BEAN)) {
				return; // no Spring MVC: no look-up filter either
			}
			BeanDefinition original = registry.getBeanDefinition(INTROSPECTOR_BEAN);
			RootBeanDefinition replacement = new RootBeanDefinition(MvcLookupForMvcRequestsOnly.class);
			replacement.setLazyInit(original.isLazyInit());
			registry.removeBeanDefinition(INTROSPECTOR_BEAN);
			registry.registerBeanDefinition(INTROSPECTOR_BEAN, replacement);
		}

		@Override
		public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
		}
	}
}
