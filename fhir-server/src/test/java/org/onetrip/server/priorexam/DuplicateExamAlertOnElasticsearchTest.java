package org.onetrip.server.priorexam;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * Every duplicate-exam scenario again, on a server whose prior-exam index is Elasticsearch (a real node): the same
 * behaviour from either index. A second Spring context (own data directory), started once for this class.
 */
@TestPropertySource(properties = {"onetrip.prior-exam.index=elasticsearch", "onetrip.dicom.enabled=false"})
class DuplicateExamAlertOnElasticsearchTest extends DuplicateExamAlertTest {

	private static ElasticsearchNode node;

	@org.springframework.beans.factory.annotation.Autowired
	PriorExamIndex index;

	@org.junit.jupiter.api.Test
	void theIndexBehindTheseScenariosIsElasticsearch() {
		org.assertj.core.api.Assertions.assertThat(index).isInstanceOf(ElasticsearchPriorExamIndex.class);
	}

	@DynamicPropertySource
	static void elasticsearch(DynamicPropertyRegistry registry) {
		registry.add("onetrip.elasticsearch.url", () -> node().url());
		registry.add("onetrip.data-dir", () -> java.nio.file.Path.of("target", "it-data-es", java.util.UUID.randomUUID().toString())
				.toAbsolutePath().toString());
	}

	/** One node for the context's lifetime; stopped when the test JVM ends (the context is cached until then). */
	private static synchronized ElasticsearchNode node() {
		if (node == null) {
			try {
				node = ElasticsearchNode.start();
			} catch (Exception e) {
				throw new IllegalStateException("Elasticsearch node did not start", e);
			}
		}
		return node;
	}
}
