package org.onetrip.server.signin;

import com.nimbusds.jwt.JWTParser;
import jakarta.servlet.http.HttpServletRequest;
import java.text.ParseException;
import java.util.HashMap;
import java.util.Map;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.endpoint.OAuth2ParameterNames;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientAuthenticationToken;
import org.springframework.security.web.authentication.AuthenticationConverter;

/**
 * SMART Backend Services send a client assertion without {@code client_id} (the assertion's {@code sub} names the
 * client, RFC 7523); Spring Authorization Server's converter wants the parameter. This one reads the client from the
 * assertion when the parameter is absent; nothing is trusted before the assertion's signature is checked against that
 * client's registered keys ({@link BackendServices}).
 */
class SmartClientAssertionConverter implements AuthenticationConverter {

	private static final String JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

	@Override
	public Authentication convert(HttpServletRequest request) {
		String type = request.getParameter(OAuth2ParameterNames.CLIENT_ASSERTION_TYPE);
		String assertion = request.getParameter(OAuth2ParameterNames.CLIENT_ASSERTION);
		if (!JWT_BEARER.equals(type) || assertion == null || request.getParameter(OAuth2ParameterNames.CLIENT_ID) != null
				|| request.getParameterValues(OAuth2ParameterNames.CLIENT_ASSERTION).length != 1) {
			return null; // Spring's own converters take it from here
		}
		String clientId;
		try {
			clientId = JWTParser.parse(assertion).getJWTClaimsSet().getSubject();
		} catch (ParseException e) {
			return null; // not a JWT: Spring's converter answers invalid_request
		}
		if (clientId == null || clientId.isBlank()) {
			return null;
		}
		Map<String, Object> additional = new HashMap<>();
		request.getParameterMap().forEach((name, values) -> {
			if (!name.equals(OAuth2ParameterNames.CLIENT_ASSERTION_TYPE) && !name.equals(OAuth2ParameterNames.CLIENT_ASSERTION)) {
				additional.put(name, values.length == 1 ? values[0] : values);
			}
		});
		return new OAuth2ClientAuthenticationToken(clientId, new ClientAuthenticationMethod(JWT_BEARER), assertion, additional);
	}
}
