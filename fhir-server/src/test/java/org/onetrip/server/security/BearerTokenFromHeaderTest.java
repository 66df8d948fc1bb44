package org.onetrip.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;

/** The quick resolver answers every request as Spring's own resolver does: the same token, or the same error. */
class BearerTokenFromHeaderTest {

	private static final String JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIiwic2NvcGUiOiJ1c2VyLyoucnMifQ.c2lnbmF0dXJl-_~+/";

	@Test
	void answersEveryHeaderAsSpringDoes() {
		List<String> headers = new ArrayList<>(List.of("Bearer " + JWT, "bearer " + JWT, "BEARER " + JWT, "Bearer " + JWT + "==",
				"Bearer abc=", "Bearer =", "Bearer ", "Bearer", "Bearer  " + JWT, "Bearer " + JWT + " ", "Bearer " + JWT + "\n",
				"Bearer " + JWT + "=x", "Bearer a b", "Bearer a,b", "Bearer é", "Bearerx" + JWT, "Basic dXNlcjpwYXNz",
				"Token " + JWT, "", " Bearer " + JWT, "Bearer\t" + JWT));
		for (char c = 0; c < 128; c++) {
			headers.add("Bearer ab" + c + "cd");
		}
		for (String method : List.of("POST", "GET", "PUT")) {
			for (String header : headers) {
				for (boolean parameter : List.of(false, true)) {
					MockHttpServletRequest request = new MockHttpServletRequest(method, "/fhir/Appointment");
					request.setContentType("application/fhir+json");
					request.addHeader("Authorization", header);
					if (parameter) {
						request.addParameter("access_token", JWT);
					}
					assertThat(answer(new BearerTokenFromHeader()::resolve, request))
							.as("%s with '%s'%s", method, header, parameter ? " and a token parameter" : "")
							.isEqualTo(answer(new DefaultBearerTokenResolver()::resolve, request));
				}
			}
		}
	}

	@Test
	void aRequestWithoutAHeaderHasNoToken() {
		assertThat(new BearerTokenFromHeader().resolve(new MockHttpServletRequest("POST", "/fhir/Appointment"))).isNull();
	}

	/** The token, or the error code and description the resolver threw. */
	private static String answer(java.util.function.Function<jakarta.servlet.http.HttpServletRequest, String> resolver,
			MockHttpServletRequest request) {
		try {
			return "token " + resolver.apply(request);
		} catch (OAuth2AuthenticationException e) {
			return "error " + e.getError().getErrorCode() + ": " + e.getError().getDescription();
		}
	}
}
