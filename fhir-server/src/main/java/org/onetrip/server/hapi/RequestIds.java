package org.onetrip.server.hapi;

import java.util.concurrent.ThreadLocalRandom;

/** Request ids for correlating a request's log lines and its X-Request-ID: random letters and digits, not secrets. */
final class RequestIds {

	private static final char[] ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

	private RequestIds() {}

	static String next(int length) {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		char[] id = new char[length];
		for (int i = 0; i < length; i++) {
			id[i] = ALPHANUMERIC[random.nextInt(ALPHANUMERIC.length)];
		}
		return new String(id);
	}
}
