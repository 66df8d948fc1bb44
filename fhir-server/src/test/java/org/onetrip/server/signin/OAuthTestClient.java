package org.onetrip.server.signin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What an OAuth client does, for the tests: PKCE pairs, authorization URLs, form posts to the token endpoints, and a
 * real HTTP receiver at the app's redirect URI (the browser lands there with the code).
 */
final class OAuthTestClient implements AutoCloseable {

	static final ObjectMapper JSON = new ObjectMapper();

	final String server;
	final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
	private final HttpServer receiver;

	OAuthTestClient(int port) {
		this.server = "http://127.0.0.1:" + port;
		try {
			receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		receiver.createContext("/callback", exchange -> {
			byte[] body = "<html><body><p id=\"received\">The app received the answer.</p></body></html>".getBytes(StandardCharsets.UTF_8);
			exchange.getResponseHeaders().add("Content-Type", "text/html");
			exchange.sendResponseHeaders(200, body.length);
			exchange.getResponseBody().write(body);
			exchange.close();
		});
		receiver.start();
	}

	String redirectUri() {
		return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/callback";
	}

	record Pkce(String verifier, String challenge) {}

	static Pkce pkce() {
		byte[] bytes = new byte[32];
		new SecureRandom().nextBytes(bytes);
		String verifier = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
			return new Pkce(verifier, Base64.getUrlEncoder().withoutPadding().encodeToString(digest));
		} catch (java.security.NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}

	/** An authorization request as a SMART app makes it; {@code extra} adds or overrides (null removes) parameters. */
	String authorizeUrl(String clientId, String scope, String state, Pkce pkce, Map<String, String> extra) {
		Map<String, String> parameters = new LinkedHashMap<>();
		parameters.put("response_type", "code");
		parameters.put("client_id", clientId);
		parameters.put("redirect_uri", redirectUri());
		parameters.put("scope", scope);
		parameters.put("state", state);
		parameters.put("aud", server + "/fhir");
		parameters.put("code_challenge", pkce.challenge());
		parameters.put("code_challenge_method", "S256");
		parameters.putAll(extra);
		parameters.values().removeIf(java.util.Objects::isNull);
		return server + "/oauth2/authorize?" + form(parameters);
	}

	HttpResponse<String> get(String url) {
		return send(HttpRequest.newBuilder(URI.create(url)).GET().build());
	}

	HttpResponse<String> postForm(String path, Map<String, String> parameters, String basicUser, String basicPassword) {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server + path))
				.header("Content-Type", "application/x-www-form-urlencoded")
				.POST(HttpRequest.BodyPublishers.ofString(form(parameters)));
		if (basicUser != null) {
			String credentials = URLEncoder.encode(basicUser, StandardCharsets.UTF_8) + ":" + URLEncoder.encode(basicPassword, StandardCharsets.UTF_8);
			request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
		}
		return send(request.build());
	}

	HttpResponse<String> bearerGet(String path, String token) {
		return send(HttpRequest.newBuilder(URI.create(server + path)).header("Authorization", "Bearer " + token)
				.header("Accept", "application/fhir+json").GET().build());
	}

	HttpResponse<String> send(HttpRequest request) {
		try {
			return http.send(request, HttpResponse.BodyHandlers.ofString());
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(e);
		}
	}

	static JsonNode json(HttpResponse<String> response) {
		try {
			return JSON.readTree(response.body());
		} catch (IOException e) {
			throw new AssertionError("not JSON (" + response.statusCode() + "): " + response.body(), e);
		}
	}

	/** The query parameters of a redirect (Location) or of the page a browser landed on. */
	static Map<String, String> query(String url) {
		String query = URI.create(url).getRawQuery();
		Map<String, String> parameters = new LinkedHashMap<>();
		if (query != null) {
			for (String pair : query.split("&")) {
				int equals = pair.indexOf('=');
				parameters.put(URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8),
						equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
			}
		}
		return parameters;
	}

	static String form(Map<String, String> parameters) {
		return parameters.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
				+ URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
	}

	@Override
	public void close() {
		receiver.stop(0);
	}
}
