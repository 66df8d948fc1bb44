package org.onetrip.server.hapi;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.IOException;
import java.util.function.Supplier;

/**
 * A filter registered with Tomcat before the filter it stands for is built: the filter, and the beans it is made of,
 * are made on the first request, from singletons that exist by then. For filters whose parts reach into HAPI's storage;
 * {@link DeferredServlet} says why building them while Tomcat starts costs seconds.
 */
public final class DeferredFilter implements Filter {

	private final Supplier<? extends Filter> target;
	private volatile FilterConfig config;
	private volatile Filter filter;

	public DeferredFilter(Supplier<? extends Filter> target) {
		this.target = target;
	}

	@Override
	public void init(FilterConfig filterConfig) {
		this.config = filterConfig;
	}

	@Override
	public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
			throws IOException, ServletException {
		Filter current = filter;
		if (current == null) {
			current = start();
		}
		current.doFilter(request, response, chain);
	}

	private synchronized Filter start() throws ServletException {
		if (filter == null) {
			Filter created = target.get();
			if (config != null) {
				created.init(config);
			}
			filter = created;
		}
		return filter;
	}

	@Override
	public void destroy() {
		Filter current = filter;
		if (current != null) {
			current.destroy();
		}
	}
}
