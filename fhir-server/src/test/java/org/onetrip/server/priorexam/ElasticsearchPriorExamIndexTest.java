package org.onetrip.server.priorexam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.onetrip.terminology.exam.PriorExam;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The Elasticsearch prior-exam index against a real node: the same answers as the relational index, a write
 * visible the moment it is made, and no write lost while Elasticsearch is unreachable.
 */
class ElasticsearchPriorExamIndexTest {

	static ElasticsearchNode node;
	static CuttableProxy proxy;
	/** The relational side of each comparison: a fresh database per index, on one PostgreSQL of this class's own. */
	static org.onetrip.server.storage.LocalPostgres postgres;

	@BeforeAll
	static void startNode() throws Exception {
		node = ElasticsearchNode.start();
		proxy = new CuttableProxy(node.httpPort());
		postgres = org.onetrip.server.storage.LocalPostgres.start(org.onetrip.server.storage.LocalPostgres.Settings
				.under(java.nio.file.Files.createTempDirectory(java.nio.file.Path.of("target"), "es-index-pg-").toAbsolutePath()));
	}

	@AfterAll
	static void stopNode() throws Exception {
		if (proxy != null) proxy.close();
		if (node != null) node.close();
		if (postgres != null) postgres.close();
	}

	private static JdbcTemplate database() {
		String name = "t_" + UUID.randomUUID().toString().replace("-", "");
		new JdbcTemplate(new DriverManagerDataSource(postgres.jdbcUrl(), postgres.user(), postgres.password()))
				.execute("CREATE DATABASE " + name);
		return new JdbcTemplate(new DriverManagerDataSource(postgres.jdbcUrl().replace("/" + org.onetrip.server.storage.LocalPostgres.DATABASE + "?", "/" + name + "?"),
				postgres.user(), postgres.password()));
	}

	private static ElasticsearchPriorExamIndex elastic(String url) {
		return new ElasticsearchPriorExamIndex(ElasticsearchClients.connect(url), "prior-exams-" + UUID.randomUUID(), database())
				.start();
	}

	private static PriorExam exam(String source, String patient, String code, Instant when) {
		return new PriorExam(source, patient, code, when.truncatedTo(ChronoUnit.MILLIS), "hospital-b", "final", source, null, null,
				null, null, "No nodules.");
	}

	@Test
	void answersLikeTheRelationalIndexForTheSameWrites() throws Exception {
		ElasticsearchPriorExamIndex elastic = elastic(node.url());
		RelationalPriorExamIndex relational = new RelationalPriorExamIndex(database());
		Instant now = Instant.now();
		List<PriorExam> writes = List.of(
				exam("DiagnosticReport/1", "p1", "24627-2", now.minus(10, ChronoUnit.DAYS)),
				exam("DiagnosticReport/2", "p1", "30799-1", now.minus(100, ChronoUnit.DAYS)),
				exam("DiagnosticReport/3", "p2", "24627-2", now.minus(3, ChronoUnit.DAYS)),
				exam("ImagingStudy/4", "p3", "24627-2", now.minus(1, ChronoUnit.DAYS)),
				exam("DiagnosticReport/1", "p1", "24627-2", now.minus(12, ChronoUnit.DAYS))); // replaced
		for (PriorExam write : writes) {
			elastic.put(write);
			relational.put(write);
		}
		elastic.remove("ImagingStudy/4");
		relational.remove("ImagingStudy/4");

		Instant since = now.minus(60, ChronoUnit.DAYS);
		for (Set<String> person : List.of(Set.of("p1"), Set.of("p1", "p2"), Set.of("p3"), Set.of("nobody"))) {
			assertThat(elastic.findByPatients(person, since)).as("before shipping, " + person)
					.isEqualTo(relational.findByPatients(person, since));
		}
		await(() -> elastic.pending() == 0, "the outbox shipped");
		for (Set<String> person : List.of(Set.of("p1"), Set.of("p1", "p2"), Set.of("p3"), Set.of("nobody"))) {
			assertThat(elastic.findByPatients(person, since)).as("from Elasticsearch, " + person)
					.isEqualTo(relational.findByPatients(person, since));
		}
		assertThat(elastic.count()).isEqualTo(relational.count()).isEqualTo(3);
		elastic.destroy();
	}

	@Test
	void writesMadeWhileElasticsearchIsDownWaitInTheOutboxAndArriveWhenItIsBack() throws Exception {
		ElasticsearchPriorExamIndex index = elastic(proxy.url());
		Instant now = Instant.now();
		proxy.cut();
		try {
			for (int i = 0; i < 3; i++) {
				index.put(exam("DiagnosticReport/down-" + i, "p-down", "24627-2", now.minus(i, ChronoUnit.DAYS)));
			}
			await(() -> index.lastShipFailure() != null, "the shipper noticed Elasticsearch is gone");
			assertThat(index.pending()).isEqualTo(3);
			assertThatThrownBy(() -> index.findByPatients(Set.of("p-down"), now.minus(30, ChronoUnit.DAYS)))
					.isInstanceOf(ElasticsearchPriorExamIndex.IndexUnavailable.class);
		} finally {
			proxy.restore();
		}
		await(() -> index.pending() == 0, "the outbox shipped once Elasticsearch was back");
		assertThat(index.findByPatients(Set.of("p-down"), now.minus(30, ChronoUnit.DAYS))).hasSize(3);
		index.destroy();
	}

	private static void await(BooleanSupplier condition, String what) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > deadline) {
				throw new AssertionError("not within 30 s: " + what);
			}
			Thread.sleep(100);
		}
	}
}
