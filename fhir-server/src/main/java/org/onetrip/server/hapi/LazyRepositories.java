package org.onetrip.server.hapi;

import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.config.DependencyDescriptor;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.context.annotation.ContextAnnotationAutowireCandidateResolver;
import org.springframework.data.repository.Repository;
import org.springframework.data.repository.core.support.RepositoryFactoryBeanSupport;

/**
 * HAPI's Spring Data repositories (~60 of them, hundreds of queries) are made when first used instead of at start-up.
 *
 * <p>Why: making a repository parses and validates every query it declares; at start-up that was a fifth of the main
 * thread (bench/HISTORY.md, 2026-12-03), mostly for queries this server never runs (HAPI's terminology, MDM, batch
 * jobs...). What Spring Data's own {@code bootstrapMode = LAZY} does, applied to repositories declared by HAPI's
 * configuration, which OneTrip does not edit: each repository bean is lazy, and every injection point of a repository
 * gets a proxy that makes the repository on its first call (once; later calls go straight to it).
 */
public final class LazyRepositories implements BeanFactoryPostProcessor {

	@Override
	public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
		int lazy = 0;
		for (String name : beanFactory.getBeanDefinitionNames()) {
			BeanDefinition definition = beanFactory.getBeanDefinition(name);
			if (isRepository(definition)) {
				definition.setLazyInit(true);
				lazy++;
			}
		}
		org.slf4j.LoggerFactory.getLogger(LazyRepositories.class).info("{} Spring Data repositories made on first use", lazy);
		if (beanFactory instanceof DefaultListableBeanFactory factory) {
			factory.setAutowireCandidateResolver(new LazyRepositoryInjection());
		}
	}

	/** Whether a bean is made by a Spring Data repository factory. */
	private static boolean isRepository(BeanDefinition definition) {
		String className = definition.getBeanClassName();
		if (className == null) {
			return false;
		}
		try {
			return RepositoryFactoryBeanSupport.class.isAssignableFrom(
					Class.forName(className, false, LazyRepositories.class.getClassLoader()));
		} catch (ClassNotFoundException | LinkageError e) {
			return false;
		}
	}

	/** Spring's usual resolver (@Lazy, @Qualifier, @Value), with every Spring Data repository injected lazily. */
	private static final class LazyRepositoryInjection extends ContextAnnotationAutowireCandidateResolver {
		@Override
		protected boolean isLazy(DependencyDescriptor descriptor) {
			return super.isLazy(descriptor) || (descriptor.getDependencyType().isInterface()
					&& Repository.class.isAssignableFrom(descriptor.getDependencyType()));
		}
	}
}
