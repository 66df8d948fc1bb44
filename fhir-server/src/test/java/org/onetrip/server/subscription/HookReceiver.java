package org.onetrip.server.subscription;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A subscriber's rest-hook endpoint on loopback: records every request; may refuse the first few or hang. */
public final class HookReceiver implements AutoCloseable {

	public record Received(String method, String path, Map<String, List<String>> headers, String body) {
		public String header(String name) {
			return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(e -> e.getValue().get(0))
					.findFirst().orElse(null);
		}
	}

	private final HttpServer server;
	private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
	private final AtomicInteger refuseFirst = new AtomicInteger();
	private volatile Duration hang = Duration.ZERO;
	private volatile boolean refusingAll;

	static {
		// TCP_NODELAY on the receiver's sockets too (the JDK's HTTP server leaves Nagle's algorithm on unless told).
		System.setProperty("sun.net.httpserver.nodelay", "true");
	}

	public HookReceiver() throws IOException {
		server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
		server.setExecutor(Executors.newCachedThreadPool());
		server.createContext("/", exchange -> {
			String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
			int status = 200;
			if (!hang.isZero()) {
				sleep(hang);
			}
			if (refusingAll || refuseFirst.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
				status = 500;
			} else {
				received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
						Map.copyOf(exchange.getRequestHeaders()), body));
			}
			exchange.sendResponseHeaders(status, -1);
			exchange.close();
		});
		server.start();
	}

	public String url(String path) {
		return "http://127.0.0.1:" + server.getAddress().getPort() + path;
	}

	HookReceiver refusingFirst(int requests) {
		refuseFirst.set(requests);
		return this;
	}

	/** Answers 500 to everything until told otherwise (a receiver that is down). */
	public HookReceiver refusingAll(boolean refusing) {
		refusingAll = refusing;
		return this;
	}

	HookReceiver hangingFor(Duration duration) {
		hang = duration;
		return this;
	}

	/** The next accepted request, or null if none came in time. */
	public Received next(Duration within) throws InterruptedException {
		return received.poll(within.toMillis(), TimeUnit.MILLISECONDS);
	}

	List<Received> drain() {
		List<Received> all = new ArrayList<>();
		received.drainTo(all);
		return all;
	}

	private static void sleep(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public void close() {
		server.stop(0);
	}
}
