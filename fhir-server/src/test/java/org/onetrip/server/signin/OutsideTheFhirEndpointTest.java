package org.onetrip.server.signin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

/** The sign-in chains are not asked about FHIR requests, and are still asked about everything else. */
class OutsideTheFhirEndpointTest {

	@Test
	void fhirRequestsAreTheFhirEndpointsAndNothingElseIs() {
		for (String fhir : new String[] {"/fhir", "/fhir/", "/fhir/Appointment", "/fhir/.well-known/smart-configuration",
				"/fhir/oauth2/token"}) {
			assertThat(outside("", fhir)).as(fhir).isFalse();
			assertThat(outside("/onetrip", "/onetrip" + fhir)).as("/onetrip" + fhir).isFalse();
		}
		for (String other : new String[] {"/oauth2/token", "/oauth2/authorize", "/.well-known/openid-configuration", "/userinfo",
				"/signin", "/account/activate", "/fhirx", "/fhir-assets/a.js", "/app/fhir/Patient", "/"}) {
			assertThat(outside("", other)).as(other).isTrue();
		}
		// Under a context path, only the path within it counts.
		assertThat(outside("/fhir", "/fhir/oauth2/token")).isTrue();
	}

	private static boolean outside(String contextPath, String uri) {
		MockHttpServletRequest request = new MockHttpServletRequest("GET", uri);
		request.setContextPath(contextPath);
		return SignInConfiguration.OUTSIDE_THE_FHIR_ENDPOINT.matches(request);
	}
}
