package org.onetrip.server.inputcheck;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/**
 * FHIR requests in turns: one waits while the turns are taken and runs when one ends; a client sending its body slowly
 * holds no turn meanwhile; large bodies and export downloads do not wait in the line; a wait too long is a 503.
 * No server: the filter alone, with one turn.
 */
class FhirRequestTurnsTest {

	private static final FhirContext FHIR = FhirContext.forR4Cached();

	@Test
	void aRequestWaitsWhileTheTurnIsTakenAndRunsWhenItEnds() throws Exception {
		FhirRequestTurns turns = new FhirRequestTurns(1, Duration.ofSeconds(10), FHIR);
		TurnHeld first = holdTheTurn(turns, "/fhir/Patient");

		CountDownLatch secondInside = new CountDownLatch(1);
		CompletableFuture<Void> second = CompletableFuture.runAsync(() -> run(turns, get("/fhir/Patient"), secondInside::countDown));
		assertThat(secondInside.await(300, TimeUnit.MILLISECONDS)).as("waits for the turn").isFalse();
		first.release();
		assertThat(secondInside.await(5, TimeUnit.SECONDS)).as("runs once the first ends").isTrue();
		second.get(5, TimeUnit.SECONDS);
	}

	@Test
	void aClientSendingItsBodySlowlyHoldsNoTurnAndTheBodyReachesTheServerWhole() throws Exception {
		FhirRequestTurns turns = new FhirRequestTurns(1, Duration.ofSeconds(10), FHIR);
		byte[] body = "{\"resourceType\":\"Patient\"}".getBytes(StandardCharsets.UTF_8);
		CountDownLatch firstByteSent = new CountDownLatch(1);
		CountDownLatch restOfBodySent = new CountDownLatch(1);
		SlowBody slowBody = new SlowBody(body, firstByteSent, restOfBodySent);
		MockHttpServletRequest slowUpload = new MockHttpServletRequest("POST", "/fhir/Patient") {
			@Override
			public ServletInputStream getInputStream() {
				return slowBody;
			}

			@Override
			public long getContentLengthLong() {
				return body.length;
			}
		};
		slowUpload.setContentType("application/fhir+json");
		StringBuilder received = new StringBuilder();
		CompletableFuture<Void> upload = CompletableFuture.runAsync(() -> run(turns, slowUpload, request -> {
			try {
				received.append(request.getReader().readLine());
			} catch (java.io.IOException e) {
				throw new java.io.UncheckedIOException(e);
			}
		}));

		assertThat(firstByteSent.await(5, TimeUnit.SECONDS)).as("the upload has begun").isTrue();
		anotherRequestIsServedAtOnce(turns, "served while the upload is still arriving");
		restOfBodySent.countDown();
		upload.get(5, TimeUnit.SECONDS);
		assertThat(received.toString()).isEqualTo(new String(body, StandardCharsets.UTF_8));
	}

	@Test
	void largeBodiesAndExportDownloadsDoNotWaitInTheLineAndAWaitTooLongIsA503() throws Exception {
		FhirRequestTurns turns = new FhirRequestTurns(1, Duration.ofMillis(200), FHIR);
		TurnHeld holder = holdTheTurn(turns, "/fhir/Observation");

		MockHttpServletRequest largeBundle = new MockHttpServletRequest("POST", "/fhir");
		largeBundle.setContent(new byte[FhirRequestTurns.SMALL_BODY_BYTES + 1]);
		CountDownLatch passed = new CountDownLatch(2);
		run(turns, largeBundle, passed::countDown);
		run(turns, get("/fhir/Binary/export-file-1"), passed::countDown);
		assertThat(passed.getCount()).as("neither waited for the turn").isZero();

		MockHttpServletResponse refused = run(turns, get("/fhir/Patient"), () -> {
			throw new AssertionError("must not run: no turn came within the wait");
		});
		assertThat(refused.getStatus()).isEqualTo(503);
		assertThat(refused.getHeader("Retry-After")).isEqualTo("1");
		assertThat(refused.getContentAsString()).contains("OperationOutcome").contains("send it again");
		holder.release();
	}

	@Test
	void aClientReadingItsAnswerSlowlyHoldsNoTurnAndTheAnswerArrivesWhole() throws Exception {
		FhirRequestTurns turns = new FhirRequestTurns(1, Duration.ofSeconds(10), FHIR);
		CountDownLatch writingToClient = new CountDownLatch(1);
		CountDownLatch clientReads = new CountDownLatch(1);
		SlowReader slowReader = new SlowReader(writingToClient, clientReads);
		String bundle = "{\"resourceType\":\"Bundle\",\"id\":\"é\"}";
		CompletableFuture<Void> download = CompletableFuture.runAsync(() -> run(turns, get("/fhir/Observation"), slowReader,
				served -> {
				}, answer -> {
					try {
						answer.setContentType("application/fhir+json;charset=UTF-8");
						answer.getWriter().write(bundle);
					} catch (java.io.IOException e) {
						throw new java.io.UncheckedIOException(e);
					}
				}));

		assertThat(writingToClient.await(5, TimeUnit.SECONDS)).as("the answer is being sent").isTrue();
		anotherRequestIsServedAtOnce(turns, "served while the first answer is still on its way");
		clientReads.countDown();
		download.get(5, TimeUnit.SECONDS);
		assertThat(slowReader.getContentAsString(StandardCharsets.UTF_8)).isEqualTo(bundle);
		assertThat(slowReader.getContentLengthLong()).isEqualTo(bundle.getBytes(StandardCharsets.UTF_8).length);
	}

	@Test
	void anAnswerWrittenAndClosedThroughTheWriterArrivesWholeAndTheClosedWriterIsNotFlushedAgain() throws Exception {
		FhirRequestTurns turns = new FhirRequestTurns(1, Duration.ofSeconds(10), FHIR);
		java.util.concurrent.atomic.AtomicReference<java.io.PrintWriter> writer = new java.util.concurrent.atomic.AtomicReference<>();
		MockHttpServletResponse response = run(turns, get("/fhir/Patient/1"), new MockHttpServletResponse(), served -> {
		}, answer -> {
			try {
				writer.set(answer.getWriter());
			} catch (java.io.IOException e) {
				throw new java.io.UncheckedIOException(e);
			}
			writer.get().write("{\"resourceType\":\"Patient\"}");
			writer.get().close(); // as HAPI does once its answer is written
		});
		assertThat(response.getContentAsString()).isEqualTo("{\"resourceType\":\"Patient\"}");
		// A flush after close would make (and swallow) an IOException, which PrintWriter records as an error.
		assertThat(writer.get().checkError()).as("flushed after it was closed").isFalse();
	}

	@Test
	void anAnswerLargerThanWhatIsKeptIsSentWholeAndInOrder() throws Exception {
		FhirRequestTurns turns = new FhirRequestTurns(1, Duration.ofSeconds(10), FHIR);
		byte[] large = new byte[FhirRequestTurns.KEPT_ANSWER_BYTES * 2 + 17];
		for (int i = 0; i < large.length; i++) {
			large[i] = (byte) (i * 31);
		}
		MockHttpServletResponse response = run(turns, get("/fhir/Observation"), new MockHttpServletResponse(), served -> {
		}, answer -> {
			try {
				var out = answer.getOutputStream();
				out.write(large, 0, 1000);
				out.write(large, 1000, large.length - 1000);
				assertThat(answer.isCommitted()).as("past the kept size the answer goes out as written").isTrue();
			} catch (java.io.IOException e) {
				throw new java.io.UncheckedIOException(e);
			}
		});
		assertThat(response.getContentAsByteArray()).isEqualTo(large);
	}

	/** A request that has taken the only turn and keeps it until released. */
	private record TurnHeld(CompletableFuture<Void> request, CountDownLatch mayEnd) {
		/** Lets the request end and waits until it has, giving the turn back. */
		void release() throws Exception {
			mayEnd.countDown();
			request.get(5, TimeUnit.SECONDS);
		}
	}

	private static TurnHeld holdTheTurn(FhirRequestTurns turns, String path) throws InterruptedException {
		CountDownLatch inside = new CountDownLatch(1);
		CountDownLatch mayEnd = new CountDownLatch(1);
		CompletableFuture<Void> request = CompletableFuture.runAsync(() -> run(turns, get(path), () -> {
			inside.countDown();
			await(mayEnd);
		}));
		assertThat(inside.await(5, TimeUnit.SECONDS)).as("the request holding the turn has it").isTrue();
		return new TurnHeld(request, mayEnd);
	}

	/** Another request gets the only turn at once: the one in progress does not hold it. */
	private static void anotherRequestIsServedAtOnce(FhirRequestTurns turns, String meanwhile) {
		CountDownLatch otherInside = new CountDownLatch(1);
		run(turns, get("/fhir/Patient"), otherInside::countDown);
		assertThat(otherInside.getCount()).as(meanwhile).isZero();
	}

	private static MockHttpServletRequest get(String path) {
		return new MockHttpServletRequest("GET", path);
	}

	private static MockHttpServletResponse run(FhirRequestTurns turns, HttpServletRequest request, Runnable inside) {
		return run(turns, request, served -> inside.run());
	}

	private static MockHttpServletResponse run(FhirRequestTurns turns, HttpServletRequest request,
			java.util.function.Consumer<HttpServletRequest> inside) {
		return run(turns, request, new MockHttpServletResponse(), inside, answer -> {
		});
	}

	private static MockHttpServletResponse run(FhirRequestTurns turns, HttpServletRequest request, MockHttpServletResponse response,
			java.util.function.Consumer<HttpServletRequest> inside, java.util.function.Consumer<HttpServletResponse> answering) {
		try {
			turns.doFilter(request, response, (served, answer) -> {
				inside.accept((HttpServletRequest) served);
				answering.accept((HttpServletResponse) answer);
			});
		} catch (Exception e) {
			throw new IllegalStateException(e);
		}
		return response;
	}

	private static void await(CountDownLatch latch) {
		try {
			latch.await(10, TimeUnit.SECONDS);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}

	/** A client on a slow link: its answer's bytes are taken only once the latch opens. */
	private static final class SlowReader extends MockHttpServletResponse {
		private final CountDownLatch writing;
		private final CountDownLatch reads;

		SlowReader(CountDownLatch writing, CountDownLatch reads) {
			this.writing = writing;
			this.reads = reads;
		}

		@Override
		public ServletOutputStream getOutputStream() {
			ServletOutputStream real = super.getOutputStream();
			return new ServletOutputStream() {
				@Override
				public void write(int b) throws java.io.IOException {
					write(new byte[] {(byte) b}, 0, 1);
				}

				@Override
				public void write(byte[] bytes, int offset, int length) throws java.io.IOException {
					writing.countDown();
					await(reads);
					real.write(bytes, offset, length);
				}

				@Override
				public boolean isReady() {
					return true;
				}

				@Override
				public void setWriteListener(jakarta.servlet.WriteListener listener) {
					throw new UnsupportedOperationException();
				}
			};
		}
	}

	/** The first byte at once, the rest once the latch opens: a client on a slow link. */
	private static final class SlowBody extends ServletInputStream {
		private final byte[] body;
		private final CountDownLatch first;
		private final CountDownLatch rest;
		private int next;

		SlowBody(byte[] body, CountDownLatch first, CountDownLatch rest) {
			this.body = body;
			this.first = first;
			this.rest = rest;
		}

		@Override
		public int read() {
			if (next == 1) {
				first.countDown();
				await(rest);
			}
			return next < body.length ? body[next++] & 0xff : -1;
		}

		@Override
		public boolean isFinished() {
			return next >= body.length;
		}

		@Override
		public boolean isReady() {
			return true;
		}

		@Override
		public void setReadListener(ReadListener listener) {
			throw new UnsupportedOperationException();
		}
	}
}
