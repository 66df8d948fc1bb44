package org.onetrip.bench;

import java.net.http.HttpRequest;

/**
 * The bearer token the benchmarks and the demo loader present to OneTrip: {@code ONETRIP_TOKEN}, which the
 * launcher mints ({@code ./onetrip token}) with the key the servers it starts are given. Without it requests go
 * unauthenticated (a server in open mode).
 */
public final class BearerToken {

	private static final String TOKEN = System.getenv("ONETRIP_TOKEN");

	private BearerToken() {}

	public static HttpRequest.Builder on(HttpRequest.Builder request) {
		String authorization = authorization();
		return authorization == null ? request : request.header("Authorization", authorization);
	}

	/** The Authorization header's value, or null without a token. */
	public static String authorization() {
		return TOKEN == null || TOKEN.isBlank() ? null : "Bearer " + TOKEN.trim();
	}
}
