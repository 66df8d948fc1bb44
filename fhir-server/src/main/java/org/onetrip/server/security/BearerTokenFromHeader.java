package org.onetrip.server.security;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpHeaders;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;

/**
 * Spring's {@link DefaultBearerTokenResolver}, answering the common case itself: an {@code Authorization: Bearer}
 * header holding a well-formed token. Spring's resolver checks the header with a case-insensitive regular expression
 * run over every character of the token (a SMART access token is about a kilobyte), which was 2 % of the request
 * threads' CPU in the booking storm. Here the same rule (RFC 6750's b64token: letters, digits, {@code -._~+/}, then
 * any {@code =}) is a loop. Anything else (no header, another scheme, a malformed token) goes to Spring's resolver,
 * so its answers and errors stay Spring's. As configured (Spring's defaults), neither resolver reads a token from
 * the query string or a form body.
 */
final class BearerTokenFromHeader implements BearerTokenResolver {

	private static final String SCHEME = "Bearer ";

	private final DefaultBearerTokenResolver spring = new DefaultBearerTokenResolver();

	@Override
	public String resolve(HttpServletRequest request) {
		String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
		String token = authorization == null ? null : wellFormedToken(authorization);
		return token != null ? token : spring.resolve(request);
	}

	/** The token of a header "Bearer <b64token>" (the scheme in any case, one space), or null when it is not one. */
	static String wellFormedToken(String authorization) {
		int start = SCHEME.length();
		if (authorization.length() <= start || !authorization.regionMatches(true, 0, SCHEME, 0, start)) {
			return null;
		}
		int padding = authorization.length();
		while (padding > start && authorization.charAt(padding - 1) == '=') {
			padding--;
		}
		if (padding == start) {
			return null; // at least one character before any '='
		}
		for (int i = start; i < padding; i++) {
			if (!isTokenCharacter(authorization.charAt(i))) {
				return null;
			}
		}
		return authorization.substring(start);
	}

	private static boolean isTokenCharacter(char c) {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
				|| c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
	}
}
