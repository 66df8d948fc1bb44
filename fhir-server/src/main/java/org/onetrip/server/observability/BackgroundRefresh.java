package org.onetrip.server.observability;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a refresh (of gauges read from the database, say) at once and then every interval on a daemon thread of its
 * own; a failed round is logged and the next one tries again. Closed with its owner.
 */
public final class BackgroundRefresh implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(BackgroundRefresh.class);

	private final ScheduledExecutorService worker;

	public BackgroundRefresh(String name, Duration interval, Runnable refresh) {
		this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
			Thread thread = new Thread(r, name);
			thread.setDaemon(true);
			return thread;
		});
		worker.scheduleWithFixedDelay(() -> {
			try {
				refresh.run();
			} catch (RuntimeException e) {
				log.warn("{} not refreshed: {}", name, e.toString());
			}
		}, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
	}

	@Override
	public void close() {
		worker.shutdownNow();
	}
}
