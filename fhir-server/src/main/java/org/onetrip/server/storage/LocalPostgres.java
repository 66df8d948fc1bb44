package org.onetrip.server.storage;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL server OneTrip starts, watches and stops itself when no external database is configured: a cluster
 * under {@code <data-dir>/postgres}, the binaries OneTrip ships ({@link PostgresBinaries}), listening on loopback only,
 * with a password generated at the first start ({@code <data-dir>/keys/postgres-password}).
 *
 * <p>Durable settings, always: fsync, synchronous commit and full-page writes on, so a commit OneTrip acknowledged is
 * on disk before the client hears of it. The server runs under a small shell that stops it (fast shutdown) when its
 * standard input closes, i.e. when OneTrip's process ends in any way, kill -9 included; a server left from a killed
 * OneTrip is stopped at the next start. If PostgreSQL itself dies while OneTrip runs, it is started again on the same
 * port and the connection pool reconnects.
 *
 * <p>PostgreSQL refuses to run as root; as root it runs in a user namespace of its own ({@code unshare -U}), where it
 * is an unprivileged user and the files it writes still belong to the user who started OneTrip.
 */
public final class LocalPostgres implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(LocalPostgres.class);

	public static final String DATABASE = "onetrip";
	public static final String USER = "onetrip";
	private static final Duration READY_TIMEOUT = Duration.ofMinutes(10);

	/**
	 * What a caller chooses: where, which port (0 = any free one), how much memory for PostgreSQL's page cache.
	 *
	 * @param serverSettings further PostgreSQL settings from the operator ({@code onetrip.storage.embedded.server-settings},
	 *                       e.g. {@code log_min_duration_statement}); never the ones OneTrip decides (see {@link #OWN_SETTINGS})
	 */
	public record Settings(Path dataDir, Path logFile, Path passwordFile, int port, String sharedBuffers,
			Map<String, String> serverSettings) {

		/** The layout under OneTrip's data directory. */
		public static Settings under(Path onetripDataDir) {
			Path root = onetripDataDir.toAbsolutePath().normalize();
			return new Settings(root.resolve("postgres"), root.resolve("logs").resolve("postgres.log"),
					root.resolve("keys").resolve("postgres-password"), 0, "256MB", Map.of());
		}

		public Settings withPort(int newPort) {
			return new Settings(dataDir, logFile, passwordFile, newPort, sharedBuffers, serverSettings);
		}

		public Settings withSharedBuffers(String size) {
			return new Settings(dataDir, logFile, passwordFile, port, size, serverSettings);
		}

		/**
		 * Takes settings by PostgreSQL's names, written as PostgreSQL reads them (lower case, {@code -} as {@code _}, so
		 * {@code max-connections} in a YAML file is {@code max_connections}). Refuses, naming it, anything that is no
		 * setting name, and a setting OneTrip decides itself: durability, where the server listens, which files it reads.
		 */
		public Settings withServerSettings(Map<String, String> more) {
			Map<String, String> named = new TreeMap<>();
			for (Map.Entry<String, String> setting : more.entrySet()) {
				String name = setting.getKey().strip().toLowerCase(java.util.Locale.ROOT).replace('-', '_');
				if (!name.matches("[a-z_][a-z0-9_.]*")) {
					throw new StorageStartException("onetrip.storage.embedded.server-settings." + setting.getKey()
							+ " is not accepted: not a PostgreSQL setting name");
				}
				if (OWN_SETTINGS.contains(name)) {
					throw new StorageStartException("onetrip.storage.embedded.server-settings." + setting.getKey() + " is not accepted: OneTrip "
							+ "sets " + name + " itself (durability, the listening address, the files and the log of its PostgreSQL are not "
							+ "options; the port is onetrip.storage.embedded.port, the page cache onetrip.storage.embedded.shared-buffers)");
				}
				named.put(name, setting.getValue());
			}
			return new Settings(dataDir, logFile, passwordFile, port, sharedBuffers, Map.copyOf(named));
		}
	}

	/** The settings {@link #launch} decides, which {@link Settings#withServerSettings} refuses to take from outside. */
	static final java.util.Set<String> OWN_SETTINGS = java.util.Set.of("listen_addresses", "port", "unix_socket_directories",
			"fsync", "synchronous_commit", "full_page_writes", "shared_buffers", "wal_level", "max_wal_senders",
			// Which cluster, which authentication, and the log OneTrip reads to explain a failed start.
			"data_directory", "config_file", "hba_file", "ident_file", "external_pid_file", "logging_collector", "log_destination");

	private final Settings settings;
	private final PostgresBinaries binaries;
	private final String password;
	private final int port;
	private final FileChannel lockChannel;
	private final FileLock lock;
	private final Thread watcher;
	private volatile Process server;
	private volatile boolean closing;
	private volatile java.util.function.Consumer<String> whenItStops = why -> {};

	private LocalPostgres(Settings settings, PostgresBinaries binaries, String password, int port, FileChannel lockChannel,
			FileLock lock) {
		this.settings = settings;
		this.binaries = binaries;
		this.password = password;
		this.port = port;
		this.lockChannel = lockChannel;
		this.lock = lock;
		this.watcher = new Thread(this::restartWhenItDies, "onetrip-postgres-watch");
		this.watcher.setDaemon(true);
	}

	/** Servers this process runs, by data directory: a second start in one JVM (a second Spring context) shares one. */
	private static final Map<Path, LocalPostgres> RUNNING = new java.util.HashMap<>();
	private int users = 1;

	/**
	 * Starts (creating the cluster on first use) and returns once PostgreSQL accepts connections. In a process that
	 * already runs the server of this data directory, returns that one; it stops when its last user closes it.
	 */
	public static LocalPostgres start(Settings settings) {
		synchronized (RUNNING) {
			LocalPostgres running = RUNNING.get(settings.dataDir());
			if (running != null) {
				synchronized (running) {
					running.users++;
				}
				return running;
			}
			LocalPostgres postgres = startServer(settings);
			RUNNING.put(settings.dataDir(), postgres);
			return postgres;
		}
	}

	private static LocalPostgres startServer(Settings settings) {
		long started = System.nanoTime();
		try {
			Files.createDirectories(settings.dataDir().getParent());
			Files.createDirectories(settings.logFile().getParent());
			Files.createDirectories(settings.passwordFile().getParent());
			Path lockFile = settings.dataDir().resolveSibling(settings.dataDir().getFileName() + ".lock");
			FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
			FileLock lock;
			try {
				lock = channel.tryLock();
			} catch (OverlappingFileLockException e) {
				lock = null;
			}
			if (lock == null) {
				channel.close();
				throw new StorageStartException("another OneTrip process is using the database in " + settings.dataDir()
						+ "; stop it, or give this one its own data directory (ONETRIP_DATA)");
			}
			LocalPostgres postgres = null;
			try {
				PostgresBinaries binaries = PostgresBinaries.prepare();
				String password = passwordOf(settings.passwordFile());
				initialiseIfNew(settings, binaries, password);
				refuseOtherVersion(settings.dataDir(), binaries);
				stopServerLeftByAKilledProcess(settings.dataDir());
				int port = settings.port() != 0 ? settings.port() : freePort();
				postgres = new LocalPostgres(settings, binaries, password, port, channel, lock);
				postgres.launch();
				postgres.createDatabaseIfMissing();
				postgres.watcher.start();
				log.info("PostgreSQL {} ready on 127.0.0.1:{} (data in {}) after {} ms", binaries.majorVersion(), port,
						settings.dataDir(), (System.nanoTime() - started) / 1_000_000);
				return postgres;
			} catch (RuntimeException | IOException failed) {
				// Nothing half-started stays behind: the server (if it came up) stops and the directory is free again.
				if (postgres != null) {
					postgres.close();
				} else {
					lock.release();
					channel.close();
				}
				throw failed;
			}
		} catch (IOException e) {
			throw new StorageStartException("could not start PostgreSQL in " + settings.dataDir() + ": " + e.getMessage(), e);
		}
	}

	public String jdbcUrl() {
		// reWriteBatchedInserts: HAPI and the ledgers insert index rows in JDBC batches; one multi-row INSERT each.
		return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE + "?reWriteBatchedInserts=true";
	}

	public String user() {
		return USER;
	}

	public String password() {
		return password;
	}

	public int port() {
		return port;
	}

	private static String passwordOf(Path file) throws IOException {
		if (Files.exists(file)) {
			return Files.readString(file, StandardCharsets.US_ASCII).strip();
		}
		byte[] random = new byte[24];
		new SecureRandom().nextBytes(random);
		String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
		Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
		Files.deleteIfExists(tmp);
		Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
		Files.writeString(tmp, password + "\n", StandardCharsets.US_ASCII);
		Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
		return password;
	}

	/**
	 * A new cluster is made beside its final place and renamed into it, so a start killed half-way through leaves
	 * no half-made cluster that the next start would take for a real one.
	 */
	private static void initialiseIfNew(Settings settings, PostgresBinaries binaries, String password) throws IOException {
		Path dataDir = settings.dataDir();
		if (Files.exists(dataDir.resolve("PG_VERSION"))) {
			return;
		}
		if (Files.isDirectory(dataDir) && hasFiles(dataDir)) {
			throw new StorageStartException(dataDir + " is not empty but holds no PostgreSQL cluster (no PG_VERSION): "
					+ "move it aside; OneTrip makes a new cluster there on the next start");
		}
		Path making = dataDir.resolveSibling(dataDir.getFileName() + ".initdb");
		deleteRecursively(making);
		Path pwfile = Files.createTempFile(dataDir.getParent(), "pw", ".tmp",
				PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
		try {
			Files.writeString(pwfile, password + "\n", StandardCharsets.US_ASCII);
			log.info("creating a new PostgreSQL cluster in {}", dataDir);
			List<String> command = binaries.command("initdb", "-D", making.toString(), "-U", USER,
					"--pwfile=" + pwfile, "-A", "scram-sha-256", "-E", "UTF8", "--locale=C");
			Process initdb = new ProcessBuilder(command).redirectErrorStream(true)
					.redirectOutput(ProcessBuilder.Redirect.appendTo(settings.logFile().toFile())).start();
			if (!initdb.waitFor(5, TimeUnit.MINUTES) || initdb.exitValue() != 0) {
				throw new StorageStartException("initdb failed for " + dataDir + ": " + lastLines(settings.logFile(), 10));
			}
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new StorageStartException("interrupted while creating the PostgreSQL cluster", e);
		} finally {
			Files.deleteIfExists(pwfile);
		}
		Files.deleteIfExists(dataDir); // an empty directory is allowed, and in the way of the rename
		Files.move(making, dataDir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
	}

	private static void refuseOtherVersion(Path dataDir, PostgresBinaries binaries) throws IOException {
		String clusterVersion = Files.readString(dataDir.resolve("PG_VERSION")).strip();
		if (!clusterVersion.equals(binaries.majorVersion())) {
			throw new StorageStartException(dataDir + " was made by PostgreSQL " + clusterVersion + "; this OneTrip runs "
					+ "PostgreSQL " + binaries.majorVersion() + ". Upgrade the cluster with PostgreSQL's pg_upgrade (or "
					+ "start the OneTrip version that made it) before starting this one on it");
		}
	}

	/**
	 * OneTrip holds the data directory's lock, so a postmaster still alive on it is one a killed OneTrip left behind
	 * (before its shell noticed): stop it, so this start owns the cluster. Its committed work is on disk.
	 */
	private static void stopServerLeftByAKilledProcess(Path dataDir) throws IOException {
		Path pidFile = dataDir.resolve("postmaster.pid");
		if (!Files.exists(pidFile)) {
			return;
		}
		List<String> lines = Files.readAllLines(pidFile);
		if (lines.isEmpty() || lines.get(0).isBlank()) {
			return;
		}
		long pid = Long.parseLong(lines.get(0).strip());
		Optional<ProcessHandle> left = ProcessHandle.of(pid)
				.filter(p -> p.info().command().map(c -> c.endsWith("/postgres")).orElse(false));
		if (left.isEmpty()) {
			return; // a stale file after a crash: PostgreSQL recovers by itself
		}
		log.warn("a PostgreSQL server (pid {}) from an earlier OneTrip is still running on {}: stopping it", pid, dataDir);
		left.get().destroy(); // SIGTERM: its clients died with that OneTrip, so it ends at once
		try {
			left.get().onExit().get(60, TimeUnit.SECONDS);
		} catch (Exception e) {
			left.get().destroyForcibly(); // crash recovery at the next start keeps every commit
		}
	}

	private void launch() throws IOException {
		Map<String, String> config = new TreeMap<>();
		config.put("listen_addresses", "127.0.0.1");
		config.put("port", Integer.toString(port));
		config.put("unix_socket_directories", "");
		// Durability is not negotiable: a commit is on disk before OneTrip answers.
		config.put("fsync", "on");
		config.put("synchronous_commit", "on");
		config.put("full_page_writes", "on");
		config.put("max_connections", "200");
		config.put("shared_buffers", settings.sharedBuffers());
		// No replicas of the embedded cluster: minimal WAL makes bulk loads cheaper.
		config.put("wal_level", "minimal");
		config.put("max_wal_senders", "0");
		config.put("max_wal_size", "2GB");
		config.put("timezone", "UTC");
		config.put("log_timezone", "UTC");
		config.put("logging_collector", "off");
		config.put("log_min_messages", "warning");
		config.putAll(settings.serverSettings()); // none of OWN_SETTINGS (Settings.withServerSettings)
		StringBuilder postgres = new StringBuilder(shellQuoted(binaries.bin("postgres").toString())).append(" -D ")
				.append(shellQuoted(settings.dataDir().toString()));
		// Names are checked (Settings.withServerSettings); values are quoted for the shell, whatever they hold.
		config.forEach((k, v) -> postgres.append(" -c ").append(k).append('=').append(shellQuoted(v)));
		// The shell starts PostgreSQL and a watcher of the shell's standard input, which closes when the JVM holding the
		// other end ends, however it ends (kill -9 too): then the watcher asks PostgreSQL for a fast shutdown. The
		// shell itself ends when PostgreSQL does, which is how OneTrip notices a PostgreSQL that died.
		// (A background job's standard input is /dev/null in sh: the pipe is handed to the watcher as fd 3.)
		String script = "exec 3<&0 </dev/null\n"
				+ postgres + " 3<&- &\n"
				+ "pg=$!\n"
				+ "(cat <&3 >/dev/null; kill -INT $pg 2>/dev/null) &\n"
				+ "watch=$!\n"
				+ "exec 3<&-\n"
				+ "trap 'kill -INT $pg' TERM INT\n"
				+ "wait $pg; status=$?\n"
				+ "kill $watch 2>/dev/null\n"
				+ "exit $status\n";
		List<String> command = binaries.command("/bin/sh", "-c", script);
		Process process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(settings.logFile().toFile())).start();
		server = process;
		awaitReady(process);
	}

	/** One shell word, taken literally: in single quotes, each single quote written as '\''. */
	static String shellQuoted(String text) {
		return "'" + text.replace("'", "'\\''") + "'";
	}

	private void awaitReady(Process process) {
		long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
		long nextNotice = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		SQLException last = null;
		while (System.nanoTime() < deadline) {
			if (!process.isAlive()) {
				throw new StorageStartException("PostgreSQL stopped while starting (exit " + process.exitValue() + "): "
						+ lastLines(settings.logFile(), 8) + explainCommonCauses(settings.logFile()));
			}
			try (Connection c = connect("postgres")) {
				return;
			} catch (SQLException e) {
				last = e;
			}
			if (System.nanoTime() > nextNotice) {
				log.info("waiting for PostgreSQL to accept connections (recovering after a crash takes a while on a big "
						+ "database): {}", last.getMessage());
				nextNotice = System.nanoTime() + Duration.ofSeconds(10).toNanos();
			}
			sleep(50);
		}
		throw new StorageStartException("PostgreSQL did not accept connections within " + READY_TIMEOUT + ": "
				+ (last == null ? "" : last.getMessage()) + "; see " + settings.logFile());
	}

	private static String explainCommonCauses(Path logFile) {
		String tail = lastLines(logFile, 20);
		if (tail.contains("could not bind") || tail.contains("Address already in use")) {
			return " -- the port is taken by another program: choose another with onetrip.storage.embedded.port";
		}
		if (tail.contains("No space left on device")) {
			return " -- the disk is full: free space on the data directory's disk";
		}
		if (tail.contains("incorrect checksum") || tail.contains("invalid") || tail.contains("corrupt")) {
			return " -- the cluster looks damaged: restore the data directory from a backup";
		}
		return "";
	}

	private void createDatabaseIfMissing() {
		try (Connection c = connect("postgres");
				var exists = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
			exists.setString(1, DATABASE);
			if (!exists.executeQuery().next()) {
				try (var create = c.createStatement()) {
					create.execute("CREATE DATABASE " + DATABASE);
				}
			}
		} catch (SQLException e) {
			throw new StorageStartException("could not create the database " + DATABASE + ": " + e.getMessage(), e);
		}
	}

	private Connection connect(String database) throws SQLException {
		Properties properties = new Properties();
		properties.setProperty("user", USER);
		properties.setProperty("password", password);
		properties.setProperty("connectTimeout", "2");
		return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, properties);
	}

	/** Told when the server stops unexpectedly (before it is started again), with why. */
	public void whenItStops(java.util.function.Consumer<String> listener) {
		this.whenItStops = listener;
	}

	/** While OneTrip runs, a PostgreSQL that died (out of memory, killed by an operator) is started again. */
	private void restartWhenItDies() {
		while (!closing) {
			Process current = server;
			try {
				current.waitFor();
			} catch (InterruptedException e) {
				return;
			}
			if (closing) {
				return;
			}
			log.error("PostgreSQL stopped unexpectedly (exit {}); starting it again. Its last words: {}",
					current.exitValue(), lastLines(settings.logFile(), 5));
			whenItStops.accept("PostgreSQL stopped unexpectedly (exit " + current.exitValue() + ")");
			while (!closing) {
				try {
					stopServerLeftByAKilledProcess(settings.dataDir());
					launch();
					log.warn("PostgreSQL is back on 127.0.0.1:{}", port);
					break;
				} catch (RuntimeException | IOException e) {
					log.error("PostgreSQL could not be started again, retrying in 5 s: {}", e.getMessage());
					sleep(5000);
				}
			}
		}
	}

	/** Fast shutdown (open transactions roll back; everything committed is kept), then the lock is released. */
	@Override
	public void close() {
		synchronized (RUNNING) {
			synchronized (this) {
				if (closing || --users > 0) {
					return;
				}
				closing = true;
			}
			RUNNING.remove(settings.dataDir(), this);
		}
		watcher.interrupt();
		Process process = server;
		if (process != null && process.isAlive()) {
			try {
				OutputStream stdin = process.getOutputStream();
				stdin.close();
				if (!process.waitFor(60, TimeUnit.SECONDS)) {
					log.warn("PostgreSQL did not stop within 60 s; killing it (it recovers at the next start)");
					process.descendants().forEach(ProcessHandle::destroyForcibly);
					process.destroyForcibly();
				}
			} catch (IOException e) {
				throw new UncheckedIOException(e);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
		}
		try {
			lock.release();
			lockChannel.close();
		} catch (IOException e) {
			log.warn("could not release the lock of {}: {}", settings.dataDir(), e.getMessage());
		}
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

	static String lastLines(Path file, int count) {
		try {
			List<String> lines = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
			return String.join(" | ", new ArrayList<>(lines.subList(Math.max(0, lines.size() - count), lines.size())));
		} catch (IOException | UncheckedIOException e) {
			return "(log " + file + " unreadable: " + e.getMessage() + ")";
		}
	}

	private static boolean hasFiles(Path dir) throws IOException {
		try (var entries = Files.list(dir)) {
			return entries.findAny().isPresent();
		}
	}

	static void deleteRecursively(Path path) throws IOException {
		if (!Files.exists(path)) {
			return;
		}
		try (var walk = Files.walk(path)) {
			for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
				Files.delete(p);
			}
		}
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new StorageStartException("interrupted while waiting for PostgreSQL", e);
		}
	}
}
