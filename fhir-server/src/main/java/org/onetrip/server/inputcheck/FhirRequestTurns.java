package org.onetrip.server.inputcheck;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.onetrip.server.hapi.FhirEndpointConfiguration;
import org.onetrip.server.hapi.OperationOutcomeResponse;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * FHIR requests are worked on a few at a time, in the order they came, once their bodies are in.
 *
 * <p>Why: with every request thread working at once, two cores are shared among dozens of requests, so each one takes
 * as long as all of them together, and the slowest (a booking's create beside many short refusals) much longer. In
 * turns, a request waits in line and then runs with few others. In a booking storm of 64 clients, each on its own
 * kept-alive connection, through two instances: p99 320-415 ms in turns against 800-1,084 ms without (bench/HISTORY.md,
 * 2026-12-05 stop 49). The price, not explained: 8-16 % fewer attempts per second on the hot slots with two instances
 * sharing two cores (their request and compiler threads spend more CPU), none with one instance. A smaller Tomcat pool
 * is no substitute: a thread that has answered a kept-alive connection reads that connection's next request at once
 * when it is already there, so quick clients keep the threads and the others wait (8 threads: p50 40 ms, p99 1,170 ms);
 * and a few clients sending their bodies slowly would hold every thread. Here a small body is read before the request
 * takes its turn, and a large one (over {@link #SMALL_BODY_BYTES}, or chunked) is not made to wait in this line at all:
 * the large-body budget ({@link RequestBodyLimitFilter}) already lets only as many in as the heap holds. Reads of
 * Binary (export files, which a slow client downloads slowly) do not take a turn either. The answer is kept in memory
 * during the turn and sent after it ({@link AnswerKeptInMemory}), so a client reading slowly holds no turn either. A
 * request that waits longer than {@code maxWait} gets 503 with Retry-After.
 */
public class FhirRequestTurns extends OncePerRequestFilter {

	/** Bodies up to this size are read into memory before the request waits for its turn. */
	static final int SMALL_BODY_BYTES = 256 * 1024;
	/** Answers up to this size are kept in memory during the turn and sent after it. */
	static final int KEPT_ANSWER_BYTES = 1024 * 1024;
	private static final int RETRY_AFTER_SECONDS = 1;

	private final Semaphore turns;
	private final int concurrent;
	private final Duration maxWait;
	private final FhirContext fhirContext;

	/** @param concurrent how many FHIR requests are worked on at once */
	public FhirRequestTurns(int concurrent, Duration maxWait, FhirContext fhirContext) {
		if (concurrent < 1) {
			throw new IllegalArgumentException("onetrip.fhir.concurrent-requests must be 1 or more (0: four per processor), not " + concurrent);
		}
		this.turns = new Semaphore(concurrent, true);
		this.concurrent = concurrent;
		this.maxWait = maxWait;
		this.fhirContext = fhirContext;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		long length = request.getContentLengthLong();
		boolean chunked = length < 0 && request.getHeader("Transfer-Encoding") != null;
		if (chunked || length > SMALL_BODY_BYTES || isBinaryRead(request)) {
			chain.doFilter(request, response);
			return;
		}
		HttpServletRequest inTurn = length > 0 ? new ReadBody(request, request.getInputStream().readNBytes((int) length)) : request;
		boolean taken;
		try {
			taken = turns.tryAcquire(maxWait.toMillis(), TimeUnit.MILLISECONDS);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IOException("interrupted while waiting for a turn", e);
		}
		if (!taken) {
			response.setHeader("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
			OperationOutcomeResponse.write(fhirContext, request, response, 503, OperationOutcome.IssueType.TRANSIENT,
					"The server is working on " + concurrent + " requests and more were waiting for " + maxWait.toSeconds()
							+ " s; nothing of this request was done, send it again");
			return;
		}
		AnswerKeptInMemory answer = new AnswerKeptInMemory(response);
		try {
			chain.doFilter(inTurn, answer);
		} finally {
			turns.release();
		}
		answer.send();
	}

	/**
	 * The body this filter read before the request's turn, found through the wrappers later filters put around the
	 * request; empty for a request whose body was not read here (large, chunked, none).
	 */
	public static Optional<byte[]> bodyReadInAdvance(ServletRequest request) {
		for (ServletRequest next = request; next != null;
				next = next instanceof ServletRequestWrapper wrapper ? wrapper.getRequest() : null) {
			if (next instanceof ReadBody read) {
				return Optional.of(read.body);
			}
		}
		return Optional.empty();
	}

	private static boolean isBinaryRead(HttpServletRequest request) {
		String path = request.getRequestURI().substring(request.getContextPath().length());
		return "GET".equals(request.getMethod()) && path.startsWith(FhirEndpointConfiguration.FHIR_PATH + "/Binary/");
	}

	/**
	 * The answer kept in memory while the request has its turn and sent once the turn is given back, so a client that
	 * reads slowly holds a Tomcat thread but no turn. An answer that grows past {@link #KEPT_ANSWER_BYTES} is sent
	 * from then on as it is written, in the turn: what is kept per request stays small (a page of 500 Observations is
	 * about 1 MB).
	 */
	static final class AnswerKeptInMemory extends HttpServletResponseWrapper {
		/** Most answers are a resource or an OperationOutcome of well under a kilobyte; a larger one grows the buffer. */
		private final ByteArrayOutputStream kept = new ByteArrayOutputStream(1024);
		private boolean passingThrough;
		private ServletOutputStream stream;
		private PrintWriter writer;
		/**
		 * HAPI closes the writer when its answer is written (which flushes it); flushing a closed PrintWriter makes and
		 * swallows an IOException with its stack trace, once per request.
		 */
		private boolean writerClosed;

		AnswerKeptInMemory(HttpServletResponse response) {
			super(response);
		}

		@Override
		public ServletOutputStream getOutputStream() {
			if (writer != null) {
				throw new IllegalStateException("getWriter() was called for this answer already");
			}
			if (stream == null) {
				stream = new KeepingStream();
			}
			return stream;
		}

		@Override
		public PrintWriter getWriter() {
			if (writer == null) {
				if (stream != null) {
					throw new IllegalStateException("getOutputStream() was called for this answer already");
				}
				String encoding = getCharacterEncoding();
				Charset charset = encoding != null ? Charset.forName(encoding) : StandardCharsets.ISO_8859_1;
				writer = new PrintWriter(new OutputStreamWriter(new KeepingStream(), charset)) {
					@Override
					public void close() {
						writerClosed = true;
						super.close();
					}
				};
			}
			return writer;
		}

		@Override
		public boolean isCommitted() {
			return passingThrough || super.isCommitted();
		}

		@Override
		public void flushBuffer() throws IOException {
			if (writer != null && !writerClosed) {
				writer.flush();
			}
			if (passingThrough) {
				super.flushBuffer();
			}
		}

		@Override
		public void resetBuffer() {
			kept.reset();
			super.resetBuffer();
		}

		@Override
		public void reset() {
			kept.reset();
			super.reset();
		}

		@Override
		public void sendError(int status, String message) throws IOException {
			kept.reset();
			super.sendError(status, message);
		}

		@Override
		public void sendError(int status) throws IOException {
			kept.reset();
			super.sendError(status);
		}

		/** After the turn: what was kept goes to the client. */
		void send() throws IOException {
			if (writer != null && !writerClosed) {
				writer.flush();
			}
			if (passingThrough || kept.size() == 0) {
				return;
			}
			if (!getResponse().isCommitted()) {
				getResponse().setContentLengthLong(kept.size());
			}
			kept.writeTo(getResponse().getOutputStream());
		}

		private final class KeepingStream extends ServletOutputStream {
			@Override
			public void write(int b) throws IOException {
				write(new byte[] {(byte) b}, 0, 1);
			}

			@Override
			public void write(byte[] bytes, int offset, int length) throws IOException {
				if (!passingThrough && kept.size() + length > KEPT_ANSWER_BYTES) {
					passingThrough = true;
					kept.writeTo(getResponse().getOutputStream());
					kept.reset();
				}
				if (passingThrough) {
					getResponse().getOutputStream().write(bytes, offset, length);
				} else {
					kept.write(bytes, offset, length);
				}
			}

			@Override
			public void flush() throws IOException {
				if (passingThrough) {
					getResponse().getOutputStream().flush();
				}
			}

			@Override
			public boolean isReady() {
				return true;
			}

			@Override
			public void setWriteListener(WriteListener listener) {
				throw new UnsupportedOperationException("FHIR answers are written blocking");
			}
		}
	}

	/** The request with its body already read: what the FHIR server reads is that copy. */
	private static final class ReadBody extends HttpServletRequestWrapper {
		private final byte[] body;

		ReadBody(HttpServletRequest request, byte[] body) {
			super(request);
			this.body = body;
		}

		@Override
		public ServletInputStream getInputStream() {
			ByteArrayInputStream bytes = new ByteArrayInputStream(body);
			return new ServletInputStream() {
				@Override
				public int read() {
					return bytes.read();
				}

				@Override
				public int read(byte[] buffer, int offset, int length) {
					return bytes.read(buffer, offset, length);
				}

				@Override
				public boolean isFinished() {
					return bytes.available() == 0;
				}

				@Override
				public boolean isReady() {
					return true;
				}

				@Override
				public void setReadListener(ReadListener listener) {
					throw new UnsupportedOperationException("the body was read already");
				}
			};
		}

		@Override
		public BufferedReader getReader() {
			return RequestBodyLimitFilter.readerOver(this, getInputStream());
		}
	}
}
