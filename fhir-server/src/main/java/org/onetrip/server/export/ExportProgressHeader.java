package org.onetrip.server.export;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The {@code X-Progress} of a running export says how far it got. HAPI writes the header straight onto the response
 * ("Status set to IN_PROGRESS at ..."), so this filter swaps its text for the one {@link ExportPolling} worked out
 * from the job (a request attribute), when there is one.
 */
public class ExportProgressHeader extends OncePerRequestFilter {

	static final String PROGRESS = "onetrip.export.progress";
	private static final String HEADER = "X-Progress";

	@Override
	protected boolean shouldNotFilter(HttpServletRequest request) {
		String uri = request.getRequestURI();
		return !(uri.endsWith("$export-poll-status") || uri.endsWith("%24export-poll-status"));
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		chain.doFilter(request, new HttpServletResponseWrapper(response) {
			@Override
			public void addHeader(String name, String value) {
				super.addHeader(name, progress(name, value));
			}

			@Override
			public void setHeader(String name, String value) {
				super.setHeader(name, progress(name, value));
			}

			private String progress(String name, String value) {
				return HEADER.equalsIgnoreCase(name) && request.getAttribute(PROGRESS) instanceof String ours ? ours : value;
			}
		});
	}
}
