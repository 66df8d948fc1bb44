package org.onetrip.server.hapi;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.RestfulServer;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.onetrip.server.inputcheck.FhirRequestTurns;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/**
 * HAPI is handed the body the turns filter read, behind the wrappers later filters add; a gzip body and a body the
 * filter did not read are read by HAPI as before. No server: the filter and HAPI's request details alone.
 */
class RequestDetailsOverReadBodyTest {

	private static final FhirContext FHIR = FhirContext.forR4Cached();
	private static final byte[] PATIENT = "{\"resourceType\":\"Patient\",\"active\":true}".getBytes(StandardCharsets.UTF_8);

	@Test
	void hapiIsHandedTheBodyReadBeforeTheTurnNotACopyOfIt() throws Exception {
		MockHttpServletRequest post = post(PATIENT);
		AtomicReference<byte[]> readInAdvance = new AtomicReference<>();
		byte[] handedToHapi = throughTheTurns(post, served -> {
			HttpServletRequest wrappedBySecurity = new HttpServletRequestWrapper(served);
			readInAdvance.set(FhirRequestTurns.bodyReadInAdvance(wrappedBySecurity).orElseThrow());
			return wrappedBySecurity;
		});
		assertThat(handedToHapi).isSameAs(readInAdvance.get()).isEqualTo(PATIENT);
	}

	@Test
	void aGzipBodyIsUnpackedByHapiAsBefore() throws Exception {
		ByteArrayOutputStream packed = new ByteArrayOutputStream();
		try (GZIPOutputStream gzip = new GZIPOutputStream(packed)) {
			gzip.write(PATIENT);
		}
		MockHttpServletRequest post = post(packed.toByteArray());
		post.addHeader("Content-Encoding", "gzip");
		assertThat(throughTheTurns(post, served -> served)).isEqualTo(PATIENT);
	}

	@Test
	void aBodyTheTurnsDidNotReadIsReadByHapi() throws Exception {
		MockHttpServletRequest chunked = new MockHttpServletRequest("POST", "/fhir/Patient") {
			@Override
			public long getContentLengthLong() {
				return -1;
			}
		};
		chunked.setContent(PATIENT);
		chunked.addHeader("Transfer-Encoding", "chunked");
		chunked.setContentType("application/fhir+json");
		AtomicReference<Boolean> readInAdvance = new AtomicReference<>();
		byte[] handedToHapi = throughTheTurns(chunked, served -> {
			readInAdvance.set(FhirRequestTurns.bodyReadInAdvance(served).isPresent());
			return served;
		});
		assertThat(readInAdvance.get()).isFalse();
		assertThat(handedToHapi).isEqualTo(PATIENT);
	}

	private static MockHttpServletRequest post(byte[] body) {
		MockHttpServletRequest post = new MockHttpServletRequest("POST", "/fhir/Patient");
		post.setContent(body);
		post.setContentType("application/fhir+json");
		return post;
	}

	/** The request through the turns filter, then (as HAPI's servlet would) its body read through the request details. */
	private static byte[] throughTheTurns(MockHttpServletRequest request,
			java.util.function.UnaryOperator<HttpServletRequest> laterFilters) throws Exception {
		FhirRequestTurns turns = new FhirRequestTurns(1, Duration.ofSeconds(5), FHIR);
		AtomicReference<byte[]> contents = new AtomicReference<>();
		turns.doFilter(request, new MockHttpServletResponse(), (served, answer) -> {
			RequestDetailsOverReadBody details = new RequestDetailsOverReadBody(null);
			details.setServer(new RestfulServer(FHIR));
			details.setServletRequest(laterFilters.apply((HttpServletRequest) served));
			contents.set(details.loadRequestContents());
		});
		return contents.get();
	}
}
