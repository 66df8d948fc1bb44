package org.onetrip.server.inputcheck;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.PayloadTooLargeException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.onetrip.server.hapi.OperationOutcomeResponse;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses FHIR request bodies over the configured size, and lets large ones in only as the heap allows
 * ({@link LargeBodyBudget}). The body is cut off while it is read, so a chunked upload without Content-Length is
 * stopped too; the exception surfaces inside HAPI's request handling, which answers 413 with an OperationOutcome and
 * stores nothing. A large body that finds the budget taken by others waits, then gets 503 with Retry-After, unread
 * (Tomcat reads past it, server.tomcat.max-swallow-size, so the client receives the answer).
 */
public class RequestBodyLimitFilter extends OncePerRequestFilter {

	private static final int RETRY_AFTER_SECONDS = 30;

	private final long maxBytes;
	private final LargeBodyBudget budget;
	private final FhirContext fhirContext;

	public RequestBodyLimitFilter(long maxBytes, LargeBodyBudget budget, FhirContext fhirContext) {
		this.maxBytes = maxBytes;
		this.budget = budget;
		this.fhirContext = fhirContext;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		Optional<LargeBodyBudget.Reservation> reservation;
		try {
			reservation = budget.reserve(heldBytes(request));
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IOException("interrupted while waiting for heap for the request body", e);
		}
		if (reservation.isEmpty()) {
			response.setHeader("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
			OperationOutcomeResponse.write(fhirContext, request, response, 503, OperationOutcome.IssueType.TRANSIENT,
					"Other large requests are being stored and hold the memory this body needs; nothing was stored,"
							+ " send it again in " + RETRY_AFTER_SECONDS + " s");
			return;
		}
		try (LargeBodyBudget.Reservation held = reservation.get()) {
			chain.doFilter(new LimitedRequest(request, maxBytes), response);
		}
	}

	/**
	 * What the body may hold: its declared length, or the limit for a chunked body of unknown length; nothing for one
	 * over the limit, which is refused before it is parsed.
	 */
	private long heldBytes(HttpServletRequest request) {
		long declared = request.getContentLengthLong();
		if (declared > maxBytes) {
			return 0;
		}
		if (declared >= 0) {
			return declared;
		}
		return request.getHeader("Transfer-Encoding") != null ? maxBytes : 0;
	}

	private PayloadTooLargeException tooLarge(long seen) {
		return new PayloadTooLargeException("Request body of " + (seen >= 0 ? seen + " bytes" : "unknown size")
				+ " exceeds the limit of " + maxBytes + " bytes (onetrip.max-request-body); split the Bundle or raise the limit");
	}

	private final class LimitedRequest extends HttpServletRequestWrapper {
		private final long limit;
		private ServletInputStream stream;

		LimitedRequest(HttpServletRequest request, long limit) {
			super(request);
			this.limit = limit;
		}

		@Override
		public ServletInputStream getInputStream() throws IOException {
			if (stream == null) {
				stream = new LimitedInputStream(super.getInputStream(), getContentLengthLong(), limit);
			}
			return stream;
		}

		@Override
		public BufferedReader getReader() throws IOException {
			return readerOver(this, getInputStream());
		}
	}

	/**
	 * A reader over a request's body in the charset it declares, UTF-8 when it declares none (FHIR's encoding): for the
	 * request wrappers that hand HAPI a body other than the container's stream.
	 */
	static BufferedReader readerOver(HttpServletRequest request, java.io.InputStream body) {
		String encoding = request.getCharacterEncoding();
		Charset charset = encoding != null ? Charset.forName(encoding) : StandardCharsets.UTF_8;
		return new BufferedReader(new InputStreamReader(body, charset));
	}

	private final class LimitedInputStream extends ServletInputStream {
		private final ServletInputStream delegate;
		private final long declaredLength;
		private final long limit;
		private long read;

		LimitedInputStream(ServletInputStream delegate, long declaredLength, long limit) {
			this.delegate = delegate;
			this.declaredLength = declaredLength;
			this.limit = limit;
		}

		private void check(long more) {
			if (declaredLength > limit) {
				throw tooLarge(declaredLength);
			}
			read += more;
			if (read > limit) {
				throw tooLarge(-1);
			}
		}

		@Override
		public int read() throws IOException {
			check(0);
			int b = delegate.read();
			if (b >= 0) check(1);
			return b;
		}

		@Override
		public int read(byte[] buffer, int offset, int length) throws IOException {
			check(0);
			int n = delegate.read(buffer, offset, length);
			if (n > 0) check(n);
			return n;
		}

		@Override
		public boolean isFinished() {
			return delegate.isFinished();
		}

		@Override
		public boolean isReady() {
			return delegate.isReady();
		}

		@Override
		public void setReadListener(ReadListener listener) {
			delegate.setReadListener(listener);
		}
	}
}
