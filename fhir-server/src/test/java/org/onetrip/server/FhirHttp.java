package org.onetrip.server;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;

/** A thin HTTP client for tests: real requests to the running server, raw status and body kept. */
public final class FhirHttp {

	public static final String FHIR_JSON = "application/fhir+json";
	public static final String FHIR_XML = "application/fhir+xml";

	private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
	private final FhirContext fhirContext;
	private final String base;
	private final String bearerToken;

	/** A client acting as the region's own service (every permission). */
	public FhirHttp(FhirContext fhirContext, String base) {
		this(fhirContext, base, TestTokens.region());
	}

	/** @param bearerToken sent as {@code Authorization: Bearer}; null sends no token */
	public FhirHttp(FhirContext fhirContext, String base, String bearerToken) {
		this.fhirContext = fhirContext;
		this.base = base;
		this.bearerToken = bearerToken;
	}

	/** The same server, another caller. */
	public FhirHttp as(String otherBearerToken) {
		return new FhirHttp(fhirContext, base, otherBearerToken);
	}

	public String bearerToken() {
		return bearerToken;
	}

	public String base() {
		return base;
	}

	public record Response(int status, String body, java.net.http.HttpHeaders headers, FhirContext fhirContext) {
		public <T extends IBaseResource> T as(Class<T> type) {
			return body.trim().startsWith("<")
					? fhirContext.newXmlParser().parseResource(type, body)
					: fhirContext.newJsonParser().parseResource(type, body);
		}

		public Bundle bundle() {
			return as(Bundle.class);
		}

		public OperationOutcome outcome() {
			return as(OperationOutcome.class);
		}

		public String header(String name) {
			return headers.firstValue(name).orElse(null);
		}

		@Override
		public String toString() {
			return status + " " + (body.length() > 2000 ? body.substring(0, 2000) + "..." : body);
		}
	}

	public Response get(String path) {
		return send(request(path).GET().header("Accept", FHIR_JSON));
	}

	/**
	 * A search that must see what was written a moment ago: HAPI reuses an identical search's results for a minute
	 * (HapiJpaConfiguration) unless asked not to. For polling.
	 */
	public Response getFresh(String path) {
		return send(request(path).GET().header("Accept", FHIR_JSON).header("Cache-Control", "no-cache"));
	}

	public Response get(String path, String accept) {
		return send(request(path).GET().header("Accept", accept));
	}

	/** A GET with headers of the caller's choosing (e.g. Prefer: respond-async for a Bulk Data kick-off). */
	public Response get(String path, Map<String, String> headers) {
		HttpRequest.Builder builder = request(path).GET();
		headers.forEach(builder::header);
		return send(builder);
	}

	public Response post(String path, IBaseResource resource) {
		return post(path, json(resource), Map.of());
	}

	public Response post(String path, String body, Map<String, String> headers) {
		return send(withHeaders(request(path).POST(HttpRequest.BodyPublishers.ofString(body)), headers));
	}

	public Response put(String path, IBaseResource resource) {
		return put(path, json(resource), Map.of());
	}

	public Response put(String path, String body, Map<String, String> headers) {
		return send(withHeaders(request(path).PUT(HttpRequest.BodyPublishers.ofString(body)), headers));
	}

	public Response patch(String path, String body, String contentType) {
		return send(request(path)
				.method("PATCH", HttpRequest.BodyPublishers.ofString(body))
				.header("Content-Type", contentType));
	}

	public Response delete(String path) {
		return send(request(path).DELETE());
	}

	public String json(IBaseResource resource) {
		return fhirContext.newJsonParser().encodeResourceToString(resource);
	}

	private HttpRequest.Builder request(String path) {
		String url = path.startsWith("http") ? path : base + (path.startsWith("/") ? path : "/" + path);
		// FHIR token searches use system|value; '|' is not legal unescaped in a URI.
		url = url.replace("|", "%7C");
		HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60));
		if (bearerToken != null) {
			builder.header("Authorization", "Bearer " + bearerToken);
		}
		return builder;
	}

	private static HttpRequest.Builder withHeaders(HttpRequest.Builder builder, Map<String, String> headers) {
		if (!headers.containsKey("Content-Type")) {
			builder.header("Content-Type", FHIR_JSON);
		}
		headers.forEach(builder::header);
		return builder;
	}

	private Response send(HttpRequest.Builder builder) {
		try {
			HttpResponse<String> response = client.send(builder.build(), HttpResponse.BodyHandlers.ofString());
			return new Response(response.statusCode(), response.body(), response.headers(), fhirContext);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(e);
		}
	}
}
