package org.onetrip.server.hapi;

import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.searchparam.extractor.ISearchParamExtractor;
import java.lang.reflect.Method;
import org.aopalliance.intercept.MethodInterceptor;
import org.springframework.aop.framework.autoproxy.AbstractBeanFactoryAwareAdvisingPostProcessor;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.StaticMethodMatcherPointcut;
import org.springframework.beans.factory.BeanFactory;

/**
 * HAPI extracts the composite search parameters of every resource it stores (Observation alone has eight:
 * code-value-quantity, combo-code-value-concept, component-code-value-quantity, ...), but the only reader of what it
 * extracts is its Hibernate Search indexer: a search by a composite parameter is answered from the index rows of the
 * parameter's components, which are extracted on their own. With that indexer off
 * ({@link JpaStorageSettings#isAdvancedHSearchIndexing()}, false in {@link HapiJpaConfiguration}) the extraction is
 * work for nothing, a few per cent of a Synthea load's CPU (bench/HISTORY.md, stop 45). This advice on HAPI's
 * extractor bean answers "no composites" then; with the indexer on, HAPI extracts them as before.
 */
public final class CompositesNotExtracted extends AbstractBeanFactoryAwareAdvisingPostProcessor {

	private static final String EXTRACT_COMPOSITES = "extractSearchParamComposites";

	private BeanFactory beans;
	private volatile Boolean fullTextIndexing;

	public CompositesNotExtracted() {
		StaticMethodMatcherPointcut extraction = new StaticMethodMatcherPointcut() {
			@Override
			public boolean matches(Method method, Class<?> targetClass) {
				return ISearchParamExtractor.class.isAssignableFrom(targetClass) && method.getName().equals(EXTRACT_COMPOSITES);
			}
		};
		MethodInterceptor noComposites = invocation -> fullTextIndexing()
				? invocation.proceed() : new ISearchParamExtractor.SearchParamSet<>();
		this.advisor = new DefaultPointcutAdvisor(extraction, noComposites);
		// A class-based proxy: whoever holds the extractor by its class (SearchParamExtractorR4) still can.
		setProxyTargetClass(true);
	}

	@Override
	public void setBeanFactory(BeanFactory beanFactory) {
		super.setBeanFactory(beanFactory);
		this.beans = beanFactory;
	}

	/** Read at the first extraction: the settings bean is made after this post-processor. */
	private boolean fullTextIndexing() {
		Boolean known = fullTextIndexing;
		if (known == null) {
			known = beans.getBean(JpaStorageSettings.class).isAdvancedHSearchIndexing();
			fullTextIndexing = known;
		}
		return known;
	}
}
