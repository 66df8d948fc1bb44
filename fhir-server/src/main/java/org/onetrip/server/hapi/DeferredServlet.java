package org.onetrip.server.hapi;

import jakarta.servlet.Servlet;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import java.io.IOException;
import java.util.function.Supplier;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * A servlet registered with Tomcat before the servlet it stands for exists.
 *
 * <p>Why: Spring Boot starts Tomcat in the middle of the context's refresh, before the bean factory freezes its
 * configuration, and creates every registered servlet and filter (and everything they depend on) right then. Without the
 * frozen configuration each lookup by type walks all ~2,000 bean definitions; HAPI's DAOs do thousands of them. Measured:
 * two thirds of the start-up's main thread went to building HAPI that way (bench/HISTORY.md, 2026-12-03). Registered
 * through this class, the real servlet is built from its parts once every singleton exists (the parts then made with
 * the frozen, cached configuration) and initialised with Tomcat's ServletConfig, before Tomcat takes its first request.
 */
public final class DeferredServlet extends HttpServlet implements SmartInitializingSingleton {

	private final Supplier<? extends Servlet> target;
	private volatile boolean singletonsReady;
	private volatile Servlet servlet;

	public DeferredServlet(Supplier<? extends Servlet> target) {
		this.target = target;
	}

	@Override
	public void init(ServletConfig config) throws ServletException {
		super.init(config);
		// Tomcat initialises load-on-startup servlets during the refresh: too early for the target (see above), unless
		// the singletons are already there.
		if (servlet == null && singletonsReady) {
			start();
		}
	}

	/** Every singleton exists: the target is built, and initialised if Tomcat has given its configuration. */
	@Override
	public void afterSingletonsInstantiated() {
		singletonsReady = true;
		if (getServletConfig() != null) {
			try {
				start();
			} catch (ServletException e) {
				throw new IllegalStateException("The servlet behind " + getServletName() + " did not start: " + e.getMessage(), e);
			}
		}
	}

	private synchronized void start() throws ServletException {
		if (servlet == null) {
			Servlet created = target.get();
			created.init(getServletConfig());
			servlet = created;
		}
	}

	@Override
	public void service(ServletRequest request, ServletResponse response) throws ServletException, IOException {
		Servlet current = servlet;
		if (current == null) {
			start();
			current = servlet;
		}
		current.service(request, response);
	}

	@Override
	public void destroy() {
		Servlet current = servlet;
		if (current != null) {
			current.destroy();
		}
	}
}
