package org.onetrip.server.storage;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.Properties;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * Whether OneTrip's database can be reached, as this instance last found out, so that requests arriving while it is
 * away are answered 503 at once ({@link DatabaseAwayFilter}) instead of each waiting for a pool connection up to the
 * pool's timeout (30 s) before the same 503: a client's retry loop and a doctor's screen hear at once, and the request
 * threads are not all parked on the pool.
 * <p>
 * It is marked away by a request that failed for want of the database ({@link DatabaseUnavailable}, the CDS service) and
 * by the supervisor of OneTrip's own PostgreSQL when that stops. From then a probe opens a connection of its own, outside
 * the pool, at once and then every second; the first that succeeds marks it reachable again. So a pool that was only
 * busy (its wait timed out, the database fine) is back after one probe, and a database that returns is served again
 * within about a second, with nothing restarted.
 */
public final class DatabaseAvailability implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(DatabaseAvailability.class);
	private static final Duration PROBE_EVERY = Duration.ofSeconds(1);

	/** Opens a connection to the database outside the pool, or fails. */
	@FunctionalInterface
	public interface Probe {
		void connect() throws SQLException;
	}

	private final Probe probe;
	private volatile boolean away;
	/** System.nanoTime() when it was last found away. */
	private volatile long awaySince;
	private volatile String lastCause = "";
	private Thread prober;
	private volatile boolean closed;

	public DatabaseAvailability(Probe probe) {
		this.probe = probe;
	}

	/** A probe connecting as the pool does (same URL and account), with short timeouts of its own. */
	public static Probe probeOf(String jdbcUrl, String user, String password) {
		return () -> {
			Properties properties = new Properties();
			if (user != null) {
				properties.setProperty("user", user);
			}
			if (password != null) {
				properties.setProperty("password", password);
			}
			properties.setProperty("connectTimeout", "2");
			properties.setProperty("socketTimeout", "5");
			try (Connection connection = DriverManager.getConnection(jdbcUrl, properties);
					var select = connection.createStatement()) {
				select.execute("SELECT 1");
			}
		};
	}

	public boolean away() {
		return away;
	}

	/** The database could not be reached (the cause, for the log): refuse what follows at once, and watch for its return. */
	public void lost(String cause) {
		synchronized (this) {
			lastCause = cause;
			if (closed || away) {
				return;
			}
			awaySince = System.nanoTime();
			away = true;
			prober = new Thread(this::probeUntilBack, "onetrip-database-probe");
			prober.setDaemon(true);
			prober.start();
		}
	}

	private void probeUntilBack() {
		boolean told = false;
		while (!closed) {
			try {
				probe.connect();
				long awayMillis = (System.nanoTime() - awaySince) / 1_000_000;
				away = false;
				if (told) {
					log.warn("OneTrip's database is reachable again after {} s: requests are served again", awayMillis / 1000);
				}
				return;
			} catch (SQLException | RuntimeException e) {
				lastCause = e.getMessage() == null ? e.toString() : e.getMessage();
				if (!told) {
					// Only once the probe confirms it: a pool that was merely busy is not an outage worth an ERROR.
					log.error("OneTrip's database is unreachable ({}); FHIR, CDS Hooks and DICOMweb requests are answered 503 "
							+ "at once until it is back, looked for every {} s", lastCause, PROBE_EVERY.toSeconds());
					told = true;
				}
			}
			try {
				Thread.sleep(PROBE_EVERY.toMillis());
			} catch (InterruptedException e) {
				return;
			}
		}
	}

	/**
	 * {@code dataSource} for a part that does not go through the HTTP filter (the DICOM gateway): while the database is
	 * known to be away a connection is refused at once (SQLSTATE 08001) rather than after the pool's wait, and a
	 * connection the pool could not make marks it away.
	 */
	public DataSource failingFast(DataSource dataSource) {
		return new DelegatingDataSource(dataSource) {
			@Override
			public Connection getConnection() throws SQLException {
				return connecting(super::getConnection);
			}

			@Override
			public Connection getConnection(String username, String password) throws SQLException {
				return connecting(() -> super.getConnection(username, password));
			}
		};
	}

	private interface Connecting {
		Connection connect() throws SQLException;
	}

	private Connection connecting(Connecting pool) throws SQLException {
		refuseWhileAway();
		try {
			return pool.connect();
		} catch (SQLException e) {
			noticed(e);
			throw e;
		}
	}

	private void refuseWhileAway() throws SQLTransientConnectionException {
		if (away()) {
			throw new SQLTransientConnectionException("OneTrip's database is away (" + lastCause + ")", "08001");
		}
	}

	private void noticed(SQLException failure) {
		if (DatabaseUnavailable.isConnectionFailure(failure)) {
			lost(DatabaseUnavailable.rootMessage(failure));
		}
	}

	@Override
	public synchronized void close() {
		closed = true;
		if (prober != null) {
			prober.interrupt();
		}
	}
}
