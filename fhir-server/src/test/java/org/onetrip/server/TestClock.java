package org.onetrip.server;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

/**
 * The clock the shared test server's workflow rules read: the wall clock, moved on for the length of a test that
 * needs time to pass (a hold to expire) instead of sleeping. Tests run one after another on the shared server, and
 * every move is undone when its block ends, so the others see the wall clock.
 */
public final class TestClock extends Clock {

	private volatile Duration offset = Duration.ZERO;

	/** Time as the server sees it is {@code by} later until the returned handle is closed. */
	public Moved movedOn(Duration by) {
		Duration before = offset;
		offset = before.plus(by);
		return () -> offset = before;
	}

	@FunctionalInterface
	public interface Moved extends AutoCloseable {
		@Override
		void close();
	}

	@Override
	public Instant instant() {
		return Instant.now().plus(offset);
	}

	@Override
	public ZoneId getZone() {
		return ZoneOffset.UTC;
	}

	@Override
	public Clock withZone(ZoneId zone) {
		throw new UnsupportedOperationException("the test clock is UTC, like the server's");
	}

	@TestConfiguration(proxyBeanMethods = false)
	public static class Configuration {
		@Bean
		@Primary
		public TestClock testClock() {
			return new TestClock();
		}
	}
}
