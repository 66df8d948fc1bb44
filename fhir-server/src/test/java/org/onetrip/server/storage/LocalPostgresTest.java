package org.onetrip.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * OneTrip's own PostgreSQL, without a OneTrip server around it: durable settings, one owner per data directory,
 * a clear refusal for every directory it must not start on, and a server that comes back when it dies.
 */
class LocalPostgresTest {

	private static Path freshDataDir() throws Exception {
		return Files.createTempDirectory(Path.of("target"), "local-pg-").toAbsolutePath();
	}

	@Test
	void runsWithEveryDurabilitySettingOnAndKeepsWhatWasCommittedAcrossAStop() throws Exception {
		Path data = freshDataDir();
		try (LocalPostgres postgres = LocalPostgres.start(LocalPostgres.Settings.under(data))) {
			try (Connection c = connect(postgres)) {
				for (String setting : new String[] {"fsync", "synchronous_commit", "full_page_writes"}) {
					ResultSet rs = c.createStatement().executeQuery("SHOW " + setting);
					rs.next();
					assertThat(rs.getString(1)).as(setting).isEqualTo("on");
				}
				c.createStatement().execute("CREATE TABLE kept (v INT)");
				c.createStatement().execute("INSERT INTO kept VALUES (42)");
			}
		}
		assertThat(Files.readString(data.resolve("keys/postgres-password"))).isNotBlank();
		try (LocalPostgres again = LocalPostgres.start(LocalPostgres.Settings.under(data));
				Connection c = connect(again)) {
			ResultSet rs = c.createStatement().executeQuery("SELECT v FROM kept");
			assertThat(rs.next()).isTrue();
			assertThat(rs.getInt(1)).isEqualTo(42);
		}
	}

	@Test
	void aSecondProcessOnTheSameDataDirectoryIsRefusedAndASecondUserInThisOneSharesTheServer() throws Exception {
		Path data = freshDataDir();
		try (LocalPostgres first = LocalPostgres.start(LocalPostgres.Settings.under(data))) {
			try (LocalPostgres second = LocalPostgres.start(LocalPostgres.Settings.under(data))) {
				assertThat(second.port()).isEqualTo(first.port());
			}
			try (Connection stillServing = connect(first)) {
				assertThat(stillServing.isValid(2)).as("the first user's server outlives the second user").isTrue();
			}
			Process other = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
					System.getProperty("java.class.path"), StartOn.class.getName(), data.toString())
					.redirectErrorStream(true).start();
			String said = new String(other.getInputStream().readAllBytes());
			assertThat(other.waitFor(60, TimeUnit.SECONDS)).isTrue();
			assertThat(other.exitValue()).as(said).isEqualTo(3);
			assertThat(said).contains("another OneTrip process is using");
		}
	}

	/** Another process starting on a data directory: exit 3 with the refusal printed, 0 if it started. */
	public static final class StartOn {
		public static void main(String[] args) {
			try (LocalPostgres postgres = LocalPostgres.start(LocalPostgres.Settings.under(Path.of(args[0])))) {
				System.exit(0);
			} catch (StorageStartException refused) {
				System.out.println(refused.getMessage());
				System.exit(3);
			}
		}
	}

	@Test
	void aPostgresThatDiesWhileOneTripRunsIsStartedAgainOnItsPort() throws Exception {
		try (LocalPostgres postgres = LocalPostgres.start(LocalPostgres.Settings.under(freshDataDir()))) {
			long pid = postmasterPid(postgres);
			ProcessHandle.of(pid).orElseThrow().destroyForcibly(); // SIGKILL: PostgreSQL recovers from its WAL
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
			while (true) {
				try (Connection c = connect(postgres)) {
					assertThat(postmasterPid(postgres)).isNotEqualTo(pid);
					break;
				} catch (java.sql.SQLException notYet) {
					assertThat(System.nanoTime()).as("back within 60 s").isLessThan(deadline);
					Thread.sleep(100);
				}
			}
		}
	}

	@Test
	void anOperatorsServerSettingIsAppliedButDurabilityIsNotAnOption() throws Exception {
		// Written as in a YAML file, and a value the shell must not read: both reach PostgreSQL as they are.
		try (LocalPostgres postgres = LocalPostgres.start(LocalPostgres.Settings.under(freshDataDir())
				.withServerSettings(java.util.Map.of("Log-Min-Duration-Statement", "250", "cluster_name", "it's $(echo OneTrip)")));
				Connection c = connect(postgres)) {
			ResultSet rs = c.createStatement().executeQuery("SHOW log_min_duration_statement");
			rs.next();
			assertThat(rs.getString(1)).isEqualTo("250ms");
			rs = c.createStatement().executeQuery("SHOW cluster_name");
			rs.next();
			assertThat(rs.getString(1)).isEqualTo("it's $(echo OneTrip)");
		}
		for (String own : new String[] {"fsync", "synchronous-commit", "full_page_writes", "listen_addresses", "Port", "hba_file"}) {
			assertThatThrownBy(() -> LocalPostgres.Settings.under(freshDataDir()).withServerSettings(java.util.Map.of(own, "off")))
					.as(own).isInstanceOf(StorageStartException.class).hasMessageContaining(own + " is not accepted");
		}
		assertThatThrownBy(() -> LocalPostgres.Settings.under(freshDataDir()).withServerSettings(java.util.Map.of("x=1 -c fsync", "off")))
				.isInstanceOf(StorageStartException.class).hasMessageContaining("not a PostgreSQL setting name");
	}

	@Test
	void aTakenPortIsNamedAsTheCause() throws Exception {
		try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			assertThatThrownBy(() -> LocalPostgres.start(LocalPostgres.Settings.under(freshDataDir())
					.withPort(taken.getLocalPort()))).isInstanceOf(StorageStartException.class)
					.hasMessageContaining("the port is taken");
		}
	}

	@Test
	void aClusterOfAnotherPostgresVersionIsRefusedWithWhatToDo() throws Exception {
		Path data = freshDataDir();
		try (LocalPostgres postgres = LocalPostgres.start(LocalPostgres.Settings.under(data))) {
			// made, stopped
		}
		Files.writeString(data.resolve("postgres/PG_VERSION"), "15\n");
		assertThatThrownBy(() -> LocalPostgres.start(LocalPostgres.Settings.under(data)))
				.isInstanceOf(StorageStartException.class).hasMessageContaining("made by PostgreSQL 15")
				.hasMessageContaining("pg_upgrade");
	}

	@Test
	void aDirectoryThatIsNoClusterIsNotTouched() throws Exception {
		Path data = freshDataDir();
		Files.createDirectories(data.resolve("postgres"));
		Files.writeString(data.resolve("postgres/notes.txt"), "someone's files");
		assertThatThrownBy(() -> LocalPostgres.start(LocalPostgres.Settings.under(data)))
				.isInstanceOf(StorageStartException.class).hasMessageContaining("holds no PostgreSQL cluster");
		assertThat(data.resolve("postgres/notes.txt")).hasContent("someone's files");
	}

	@Test
	void aDataDirectoryOfTheH2EraIsRefusedRatherThanShownEmpty() throws Exception {
		Path data = freshDataDir();
		Files.createDirectories(data.resolve("h2"));
		Files.writeString(data.resolve("h2/onetrip.mv.db"), "an old database");
		assertThatThrownBy(() -> DatabaseConfiguration.refuseDataFromBeforePostgres(data))
				.isInstanceOf(StorageStartException.class).hasMessageContaining("earlier OneTrip")
				.hasMessageContaining("Data from an earlier version");
	}

	private static long postmasterPid(LocalPostgres postgres) throws Exception {
		try (Connection c = connect(postgres)) {
			ResultSet rs = c.createStatement().executeQuery("SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'");
			rs.next();
			long checkpointer = rs.getLong(1);
			return ProcessHandle.of(checkpointer).orElseThrow().parent().orElseThrow().pid();
		}
	}

	private static Connection connect(LocalPostgres postgres) throws Exception {
		return DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
	}
}
