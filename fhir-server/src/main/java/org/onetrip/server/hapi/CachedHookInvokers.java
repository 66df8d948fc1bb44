package org.onetrip.server.hapi;

import ca.uhn.fhir.interceptor.api.IBaseInterceptorBroadcaster;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.interceptor.executor.InterceptorService;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * HAPI's interceptor service with the hook list of each pointcut kept between calls. HAPI's own builds the list again
 * under one global lock on every hook call (dozens per FHIR write); a booking storm of 64 clients spent 191 s of
 * its 60 s blocked on that lock (JFR, 2026-12-02). Interceptors are registered at start, so the lists rarely change:
 * every (un)registration empties the cache, and a list built while one happened is not kept.
 */
public class CachedHookInvokers extends InterceptorService {

	private static final Logger log = LoggerFactory.getLogger(CachedHookInvokers.class);

	private final Map<Pointcut, List<IBaseInterceptorBroadcaster.IInvoker>> cache = new ConcurrentHashMap<>();
	private final AtomicLong generation = new AtomicLong();

	public CachedHookInvokers(String name) {
		super(name);
	}

	@Override
	public List<IBaseInterceptorBroadcaster.IInvoker> getInvokersForPointcut(Pointcut pointcut) {
		List<IBaseInterceptorBroadcaster.IInvoker> cached = cache.get(pointcut);
		if (cached != null) {
			return cached;
		}
		long before = generation.get();
		List<IBaseInterceptorBroadcaster.IInvoker> built = List.copyOf(super.getInvokersForPointcut(pointcut));
		if (generation.get() == before) {
			cache.put(pointcut, built);
			if (generation.get() != before) {
				cache.remove(pointcut, built); // a registration slipped in between: do not keep what it changed
			}
		}
		return built;
	}

	private void changed() {
		generation.incrementAndGet();
		cache.clear();
	}

	/** A change of the registered interceptors: whatever it does, the kept lists are dropped after it. */
	private <T> T changing(Supplier<T> change) {
		try {
			return change.get();
		} finally {
			changed();
		}
	}

	private void changing(Runnable change) {
		changing(() -> {
			change.run();
			return null;
		});
	}

	@Override
	public boolean registerInterceptor(Object interceptor) {
		return changing(() -> super.registerInterceptor(interceptor));
	}

	@Override
	public boolean unregisterInterceptor(Object interceptor) {
		return changing(() -> super.unregisterInterceptor(interceptor));
	}

	@Override
	public void registerInterceptors(Collection<?> interceptors) {
		changing(() -> super.registerInterceptors(interceptors));
	}

	@Override
	public void unregisterInterceptors(Collection<?> interceptors) {
		changing(() -> super.unregisterInterceptors(interceptors));
	}

	@Override
	public void unregisterAllInterceptors() {
		changing(() -> super.unregisterAllInterceptors());
	}

	@Override
	public void unregisterAllAnonymousInterceptors() {
		changing(() -> super.unregisterAllAnonymousInterceptors());
	}

	@Override
	public void unregisterInterceptorsIf(Predicate<Object> predicate) {
		changing(() -> super.unregisterInterceptorsIf(predicate));
	}

	@Override
	protected void registerAnonymousInterceptor(Pointcut pointcut, Object interceptor, BaseInvoker invoker) {
		changing(() -> super.registerAnonymousInterceptor(pointcut, interceptor, invoker));
	}

	/** Puts one in place of HAPI's JPA interceptor service (bean {@code jpaInterceptorService}) before anyone uses it. */
	public static BeanPostProcessor forJpaStorage() {
		return new BeanPostProcessor() {
			@Override
			public Object postProcessBeforeInitialization(Object bean, String beanName) {
				if (!"jpaInterceptorService".equals(beanName) || bean instanceof CachedHookInvokers) {
					return bean;
				}
				if (bean instanceof IInterceptorService service && service.getAllRegisteredInterceptors().isEmpty()
						&& bean.getClass() == InterceptorService.class) {
					return new CachedHookInvokers("JPA");
				}
				log.warn("HAPI's JPA interceptor service is a {} with interceptors already: kept as it is", bean.getClass());
				return bean;
			}
		};
	}
}
