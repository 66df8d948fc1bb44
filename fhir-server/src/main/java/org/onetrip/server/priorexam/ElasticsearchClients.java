package org.onetrip.server.priorexam;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.http.HttpHost;
import org.elasticsearch.client.RestClient;

/** Connections to Elasticsearch with the JSON mapping OneTrip's documents need (times as ISO-8601 text). */
public final class ElasticsearchClients {

	private ElasticsearchClients() {}

	/** @param url e.g. {@code http://127.0.0.1:9200} */
	public static ElasticsearchClient connect(String url) {
		RestClient rest = RestClient.builder(HttpHost.create(url))
				.setRequestConfigCallback(c -> c.setConnectTimeout(2_000).setSocketTimeout(30_000))
				.build();
		return new ElasticsearchClient(new RestClientTransport(rest, new JacksonJsonpMapper(mapper())));
	}

	/** Instants as "2026-12-01T10:00:00Z", which Elasticsearch's date fields read without a format. */
	static ObjectMapper mapper() {
		return new ObjectMapper().findAndRegisterModules().disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
	}
}
