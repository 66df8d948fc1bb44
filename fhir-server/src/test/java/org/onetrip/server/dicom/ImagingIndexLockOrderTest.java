package org.onetrip.server.dicom;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.onetrip.dicom.store.ImagingIndex;
import org.onetrip.dicom.store.JdbcImagingIndex;
import org.onetrip.server.ServerTest;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The imaging index's writes that lock many studies at once take them in one order: an association released after
 * sending hundreds of studies ({@code sendersDone}) and the FHIR sync marking a batch of them ({@code markSynced}) at
 * the same moment do not deadlock. (The benchmark found one: PostgreSQL rolled the sync's side back and its studies
 * waited out their 30 s lease before reaching FHIR.) Runs on a database of its own on the server's PostgreSQL, so the
 * server's own sync does not take these studies.
 */
class ImagingIndexLockOrderTest extends ServerTest {

	private static final int STUDIES = 400;
	private static final int ROUNDS = 20;

	@Autowired
	DataSource dataSource;

	@Test
	void aSenderDoneWithManyStudiesAndTheSyncMarkingThemTakeTheirLocksInOneOrder() throws Exception {
		DataSource database = databaseOfItsOwn();
		JdbcImagingIndex index = new JdbcImagingIndex(database, Duration.ofHours(1), Duration.ofHours(2), Clock.systemUTC());
		index.createSchema();
		JdbcTemplate jdbc = new JdbcTemplate(database);
		// Two threads of its own: the common pool may run one task at a time (one thread on two cores).
		ExecutorService both = Executors.newFixedThreadPool(2);
		try {
			for (int round = 0; round < ROUNDS; round++) {
				oneRound(index, jdbc, both);
			}
		} finally {
			both.shutdownNow();
		}
		assertThat(index.pendingSyncCount()).as("every study marked synced, none rolled back").isZero();
		assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM OT_DICOM_STUDY WHERE PATIENT_REF IS NULL", Integer.class))
				.as("the Patient made for each study recorded").isZero();
	}

	private static void oneRound(JdbcImagingIndex index, JdbcTemplate jdbc, ExecutorService both) throws Exception {
		// Pending studies of one instance each, as C-STOREs leave them (written directly: a commit per C-STORE would
		// make the test slow and adds nothing to what is tested).
		List<String> studies = IntStream.range(0, STUDIES).mapToObj(i -> TestInstances.uid()).toList();
		jdbc.update("INSERT INTO OT_DICOM_STUDY (STUDY_UID, PATIENT_SYSTEM, PATIENT_ID, HOSPITAL, MODALITIES, SERIES_COUNT,"
				+ " INSTANCE_COUNT, CHANGE_SEQ, SYNCED_SEQ, SYNC_PENDING, UPDATED_AT)"
				+ " SELECT UID, 'urn:onetrip:mrn:hospital-b', MD5(UID), 'hospital-b', '|CT|', 1, 1, 1, 0, TRUE, NOW()"
				+ " FROM UNNEST(?::varchar[]) AS S(UID)", (Object) studies.toArray(String[]::new));
		Map<String, Integer> sent = new HashMap<>();
		studies.forEach(study -> sent.put(study, 1));
		// The sync's batch in the order the sender's set is least likely to share.
		List<ImagingIndex.Synced> synced = studies.stream().sorted(Comparator.reverseOrder())
				.map(study -> new ImagingIndex.Synced(study, 1, "p-" + study.hashCode())).toList();
		CyclicBarrier together = new CyclicBarrier(2);
		CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
			await(together);
			index.sendersDone(sent);
		}, both);
		CompletableFuture<Void> marked = CompletableFuture.runAsync(() -> {
			await(together);
			index.markSynced(synced);
		}, both);
		done.get(30, TimeUnit.SECONDS);
		marked.get(30, TimeUnit.SECONDS);
	}

	private static void await(CyclicBarrier barrier) {
		try {
			barrier.await(10, TimeUnit.SECONDS);
		} catch (Exception e) {
			throw new IllegalStateException(e);
		}
	}

	/** A new database on the server's PostgreSQL, as the server's own user. */
	private DataSource databaseOfItsOwn() throws Exception {
		String name = "lock_order_" + UUID.randomUUID().toString().replace("-", "");
		HikariDataSource server = dataSource.unwrap(HikariDataSource.class);
		try (Connection connection = server.getConnection()) {
			connection.createStatement().execute("CREATE DATABASE " + name);
		}
		return new DriverManagerDataSource(server.getJdbcUrl().replaceFirst("/[^/?]+(\\?|$)", "/" + name + "$1"),
				server.getUsername(), server.getPassword());
	}
}
