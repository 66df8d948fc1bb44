package org.onetrip.bench.signin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.onetrip.bench.Args;
import org.onetrip.bench.BearerToken;
import org.onetrip.bench.Latencies;
import org.onetrip.bench.Progress;
import org.onetrip.bench.fhir.ServerProcess;

/**
 * Sign-in and the token endpoint, as people and systems use them: patients' accounts are opened (desk activation
 * code, then the activation page), then
 * <ol>
 * <li><b>sign-ins</b>: the sign-in page and its form post, as a browser does (session cookie, CSRF token), by
 * {@code --threads} people at once: sign-ins per second and latency (bcrypt's cost is most of it, by design);</li>
 * <li><b>authorization code exchanges</b>: a signed-in person's app gets a code (consent remembered) and exchanges it with
 * PKCE at the token endpoint: the exchange's latency;</li>
 * <li><b>backend services</b>: a hospital system's client-credentials grant with its own RS384-signed assertion: the
 * token endpoint's latency and grants per second.</li>
 * </ol>
 * <pre>./onetrip bench signin --people 40 --threads 4 --exchanges 300 --grants 1000</pre>
 */
public final class SignInBench {

	private static final ObjectMapper JSON = new ObjectMapper();
	private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");
	private static final String PASSWORD = "bench password 0123";

	private final Args args;
	private final String server;
	private final HttpClient region = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
	private final String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));

	private SignInBench(Args args, String server) {
		this.args = args;
		this.server = server;
	}

	public static void main(String[] argv) throws Exception {
		Args args = new Args(argv);
		Path work = Path.of(args.get("work", ".cache"));
		int port = args.integer("port", 18095);
		String heap = args.get("heap", "2g");
		Path dataDir = work.resolve("signin-bench-data-" + System.currentTimeMillis());
		try (ServerProcess process = ServerProcess.start(Path.of(args.required("server-app")), dataDir, port, heap,
				work.resolve("signin-bench-server.log"))) {
			System.err.printf(Locale.ROOT, "server ready in %.1f s%n", process.startupSeconds());
			String base = process.fhirBase().toString().replaceFirst("/fhir/?$", "");
			SignInBench bench = new SignInBench(args, base);
			System.out.println(bench.run(process));
		}
	}

	private String run(ServerProcess process) throws Exception {
		int people = args.integer("people", 40);
		int threads = args.integer("threads", 4);
		int exchanges = args.integer("exchanges", 300);
		int grants = args.integer("grants", 1000);
		StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
				"### Sign-in and token endpoint: %d patients' accounts, %d threads signing in, %d code exchanges, %d backend grants%n%n",
				people, threads, exchanges, grants));

		String redirect = "http://127.0.0.1:1/callback"; // never followed: the code is read from the Location header
		String appId = "bench-app-" + stamp;
		register(appId, "{\"name\": \"Bench app\", \"type\": \"public\", \"redirectUris\": [\"" + redirect
				+ "\"], \"scopes\": [\"openid\", \"fhirUser\", \"launch/patient\", \"patient/*.rs\"]}");
		List<String> logins = openAccounts(people);

		// 1. Sign-ins, each a new browser session: GET the page (cookie, CSRF token), POST the form.
		Latencies signIns = new Latencies();
		AtomicInteger refused = new AtomicInteger();
		int rounds = args.integer("sign-ins-per-person", 5);
		long t0 = System.nanoTime();
		try (Progress progress = new Progress("sign-ins", (long) people * rounds, "sign-ins", "sign-ins", "/s")) {
			parallel(threads, people * rounds, i -> {
				Browser browser = new Browser();
				long start = System.nanoTime();
				boolean ok = browser.signIn(logins.get(i % people), PASSWORD);
				signIns.record(System.nanoTime() - start);
				if (!ok) {
					refused.incrementAndGet();
				}
				progress.advance(1);
			});
		}
		double signInSeconds = (System.nanoTime() - t0) / 1e9;

		// 2. Code exchanges for signed-in people whose consent is remembered.
		Latencies authorize = new Latencies();
		Latencies exchange = new Latencies();
		List<Browser> signedIn = new ArrayList<>();
		for (int i = 0; i < Math.min(people, threads * 2); i++) {
			Browser browser = new Browser();
			browser.signIn(logins.get(i), PASSWORD);
			browser.consentOnce(appId, redirect);
			signedIn.add(browser);
		}
		try (Progress progress = new Progress("code exchanges", exchanges, "exchanges", "exchanges", "/s")) {
			parallel(threads, exchanges, i -> {
				Browser browser = signedIn.get(i % signedIn.size());
				synchronized (browser) {
					browser.codeFlow(appId, redirect, authorize, exchange);
				}
				progress.advance(1);
			});
		}

		// 3. Backend services: client credentials with an RS384 assertion, a fresh jti each time.
		KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
		generator.initialize(2048);
		KeyPair key = generator.generateKeyPair();
		String backendId = "bench-his-" + stamp;
		register(backendId, "{\"name\": \"Bench HIS\", \"type\": \"backend\", \"hospital\": \"hospital-a\", \"scopes\": "
				+ "[\"system/*.rs\"], \"jwks\": {\"keys\": [" + jwk((RSAPublicKey) key.getPublic()) + "]}}");
		Latencies backend = new Latencies();
		long t1 = System.nanoTime();
		try (Progress progress = new Progress("backend grants", grants, "grants", "grants", "/s")) {
			parallel(threads, grants, i -> {
				String assertion = assertion(backendId, key);
				long start = System.nanoTime();
				HttpResponse<String> response = send(region, HttpRequest.newBuilder(URI.create(server + "/oauth2/token"))
						.header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form(Map.of(
								"grant_type", "client_credentials", "scope", "system/Patient.rs",
								"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
								"client_assertion", assertion)))).build());
				backend.record(System.nanoTime() - start);
				if (response.statusCode() != 200) {
					throw new IllegalStateException("backend grant refused: " + response.body());
				}
				progress.advance(1);
			});
		}
		double backendSeconds = (System.nanoTime() - t1) / 1e9;

		report.append(Latencies.header()).append('\n');
		report.append(signIns.row("sign-in (page + form post, bcrypt)")).append('\n');
		report.append(authorize.row("authorize (signed in, consent remembered) → code")).append('\n');
		report.append(exchange.row("token: authorization_code + PKCE")).append('\n');
		report.append(backend.row("token: client_credentials, private_key_jwt (RS384)")).append('\n');
		report.append('\n').append(String.format(Locale.ROOT,
				"Sign-ins: %.1f per second with %d threads (%d refused). Backend grants: %.1f per second. "
						+ "Server start-up %.1f s, RSS at the end %d MiB.%n",
				signIns.count() / signInSeconds, threads, refused.get(), backend.count() / backendSeconds, process.startupSeconds(),
				process.rssMiB()));
		if (refused.get() > 0) {
			throw new IllegalStateException(refused.get() + " sign-ins were refused: the benchmark's accounts are wrong\n" + report);
		}
		return report.toString();
	}

	/** Patients registered at hospital A, each account activated on the activation page. */
	private List<String> openAccounts(int people) throws Exception {
		List<String> logins = new ArrayList<>();
		try (Progress progress = new Progress("accounts", people, "accounts", "accounts", "/s")) {
			for (int i = 0; i < people; i++) {
				String citizenId = "BENCH" + stamp + "-" + i;
				String patient = "{\"resourceType\": \"Patient\", \"name\": [{\"family\": \"Bench\", \"given\": [\"P" + i + "\"]}], "
						+ "\"identifier\": [{\"system\": \"urn:onetrip:citizen-id\", \"value\": \"" + citizenId + "\"}], "
						+ "\"meta\": {\"tag\": [{\"system\": \"urn:onetrip:owner\", \"code\": \"hospital-a\"}]}}";
				JsonNode created = JSON.readTree(fhir("POST", "/Patient", patient).body());
				String id = created.path("id").asText();
				JsonNode activation = JSON.readTree(fhir("POST", "/Patient/" + id + "/$account-activation",
						"{\"resourceType\": \"Parameters\"}").body());
				String code = null;
				for (JsonNode parameter : activation.path("parameter")) {
					if ("activation-code".equals(parameter.path("name").asText())) {
						code = parameter.path("valueString").asText();
					}
				}
				if (code == null) {
					throw new IllegalStateException("no activation code: " + activation);
				}
				new Browser().activate(citizenId, code, PASSWORD);
				logins.add(citizenId);
				progress.advance(1);
			}
		}
		return logins;
	}

	/** One person's browser: its own cookies (the session), no redirects followed. */
	private final class Browser {
		final HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager()).followRedirects(HttpClient.Redirect.NEVER)
				.connectTimeout(Duration.ofSeconds(5)).build();

		boolean signIn(String login, String password) {
			String csrf = csrf("/signin");
			HttpResponse<String> posted = postForm("/signin", Map.of("login", login, "password", password, "_csrf", csrf));
			return posted.statusCode() == 302 && !posted.headers().firstValue("Location").orElse("").contains("error");
		}

		void activate(String login, String code, String password) {
			String csrf = csrf("/account/activate");
			HttpResponse<String> posted = postForm("/account/activate", Map.of("login", login, "code", code, "password", password,
					"confirm", password, "_csrf", csrf));
			if (posted.statusCode() != 302 || !posted.headers().firstValue("Location").orElse("").contains("activated")) {
				throw new IllegalStateException("activation refused (" + posted.statusCode() + ")");
			}
		}

		/** The first authorization asks consent: granted in full, remembered for the runs after. */
		void consentOnce(String clientId, String redirect) {
			Pkce pkce = new Pkce();
			HttpResponse<String> asked = send(http, HttpRequest.newBuilder(URI.create(authorizeUrl(clientId, redirect, pkce))).GET().build());
			String location = asked.headers().firstValue("Location").orElse("");
			if (!location.contains("/oauth2/consent")) {
				throw new IllegalStateException("expected the consent page, got " + asked.statusCode() + " " + location);
			}
			Map<String, String> query = query(location);
			String body = "client_id=" + enc(clientId) + "&state=" + enc(query.get("state")) + Pattern.compile(" ")
					.splitAsStream(query.get("scope")).filter(s -> !s.equals("openid")).map(s -> "&scope=" + enc(s)).collect(Collectors.joining());
			HttpResponse<String> granted = send(http, HttpRequest.newBuilder(URI.create(server + "/oauth2/authorize"))
					.header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(body)).build());
			if (!granted.headers().firstValue("Location").orElse("").startsWith(redirect)) {
				throw new IllegalStateException("consent not accepted: " + granted.statusCode() + " " + granted.headers().map());
			}
		}

		void codeFlow(String clientId, String redirect, Latencies authorize, Latencies exchange) {
			Pkce pkce = new Pkce();
			long start = System.nanoTime();
			HttpResponse<String> asked = send(http, HttpRequest.newBuilder(URI.create(authorizeUrl(clientId, redirect, pkce))).GET().build());
			authorize.record(System.nanoTime() - start);
			String code = query(asked.headers().firstValue("Location").orElse("")).get("code");
			if (code == null) {
				throw new IllegalStateException("no code: " + asked.statusCode() + " " + asked.headers().map());
			}
			start = System.nanoTime();
			HttpResponse<String> token = send(http, HttpRequest.newBuilder(URI.create(server + "/oauth2/token"))
					.header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form(Map.of(
							"grant_type", "authorization_code", "code", code, "client_id", clientId, "redirect_uri", redirect,
							"code_verifier", pkce.verifier)))).build());
			exchange.record(System.nanoTime() - start);
			if (token.statusCode() != 200) {
				throw new IllegalStateException("code exchange refused: " + token.body());
			}
		}

		private String csrf(String path) {
			HttpResponse<String> page = send(http, HttpRequest.newBuilder(URI.create(server + path)).GET().build());
			Matcher matcher = CSRF.matcher(page.body());
			if (!matcher.find()) {
				throw new IllegalStateException(path + " has no CSRF token (" + page.statusCode() + ")");
			}
			return matcher.group(1);
		}

		private HttpResponse<String> postForm(String path, Map<String, String> fields) {
			return send(http, HttpRequest.newBuilder(URI.create(server + path)).header("Content-Type", "application/x-www-form-urlencoded")
					.POST(HttpRequest.BodyPublishers.ofString(form(fields))).build());
		}
	}

	private String authorizeUrl(String clientId, String redirect, Pkce pkce) {
		Map<String, String> parameters = new LinkedHashMap<>();
		parameters.put("response_type", "code");
		parameters.put("client_id", clientId);
		parameters.put("redirect_uri", redirect);
		parameters.put("scope", "openid fhirUser launch/patient patient/*.rs");
		parameters.put("state", UUID.randomUUID().toString());
		parameters.put("aud", server + "/fhir");
		parameters.put("code_challenge", pkce.challenge);
		parameters.put("code_challenge_method", "S256");
		return server + "/oauth2/authorize?" + form(parameters);
	}

	private static final class Pkce {
		final String verifier;
		final String challenge;

		Pkce() {
			byte[] bytes = new byte[32];
			new SecureRandom().nextBytes(bytes);
			verifier = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
			try {
				challenge = Base64.getUrlEncoder().withoutPadding().encodeToString(
						MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
			} catch (java.security.NoSuchAlgorithmException e) {
				throw new IllegalStateException(e);
			}
		}
	}

	private void register(String clientId, String body) {
		HttpResponse<String> response = send(region, BearerToken.on(HttpRequest.newBuilder(URI.create(server + "/admin/clients/" + clientId)))
				.header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body)).build());
		if (response.statusCode() != 200) {
			throw new IllegalStateException("client " + clientId + " not registered: " + response.body());
		}
	}

	private HttpResponse<String> fhir(String method, String path, String body) {
		HttpResponse<String> response = send(region, BearerToken.on(HttpRequest.newBuilder(URI.create(server + "/fhir" + path)))
				.header("Content-Type", "application/fhir+json").method(method, HttpRequest.BodyPublishers.ofString(body)).build());
		if (response.statusCode() >= 300) {
			throw new IllegalStateException(method + " " + path + ": " + response.statusCode() + " " + response.body());
		}
		return response;
	}

	private String assertion(String clientId, KeyPair key) {
		Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
		long now = Instant.now().getEpochSecond();
		String header = b64.encodeToString("{\"alg\":\"RS384\",\"typ\":\"JWT\",\"kid\":\"bench\"}".getBytes(StandardCharsets.UTF_8));
		String claims = b64.encodeToString(String.format(Locale.ROOT, "{\"iss\":\"%s\",\"sub\":\"%s\",\"aud\":\"%s\",\"exp\":%d,\"jti\":\"%s\"}",
				clientId, clientId, server + "/oauth2/token", now + 240, UUID.randomUUID()).getBytes(StandardCharsets.UTF_8));
		try {
			Signature signature = Signature.getInstance("SHA384withRSA");
			signature.initSign(key.getPrivate());
			String signed = header + "." + claims;
			signature.update(signed.getBytes(StandardCharsets.US_ASCII));
			return signed + "." + b64.encodeToString(signature.sign());
		} catch (java.security.GeneralSecurityException e) {
			throw new IllegalStateException(e);
		}
	}

	private static String jwk(RSAPublicKey key) {
		Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
		return "{\"kty\":\"RSA\",\"kid\":\"bench\",\"alg\":\"RS384\",\"use\":\"sig\",\"n\":\"" + b64.encodeToString(unsigned(key.getModulus()
				.toByteArray())) + "\",\"e\":\"" + b64.encodeToString(unsigned(key.getPublicExponent().toByteArray())) + "\"}";
	}

	private static byte[] unsigned(byte[] bytes) {
		return bytes.length > 1 && bytes[0] == 0 ? java.util.Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
	}

	private interface Task {
		void run(int index) throws Exception;
	}

	private static void parallel(int threads, int count, Task task) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		try {
			List<Future<?>> futures = new ArrayList<>();
			for (int i = 0; i < count; i++) {
				int index = i;
				futures.add(pool.submit(() -> {
					task.run(index);
					return null;
				}));
			}
			for (Future<?> future : futures) {
				future.get();
			}
		} finally {
			pool.shutdownNow();
		}
	}

	private static HttpResponse<String> send(HttpClient client, HttpRequest request) {
		try {
			return client.send(request, HttpResponse.BodyHandlers.ofString());
		} catch (java.io.IOException e) {
			throw new java.io.UncheckedIOException(e);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(e);
		}
	}

	private static Map<String, String> query(String url) {
		Map<String, String> parameters = new LinkedHashMap<>();
		String query = url.contains("?") ? url.substring(url.indexOf('?') + 1) : "";
		for (String pair : query.split("&")) {
			int equals = pair.indexOf('=');
			if (equals > 0) {
				parameters.put(java.net.URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
						java.net.URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
			}
		}
		return parameters;
	}

	private static String form(Map<String, String> fields) {
		return fields.entrySet().stream().map(e -> enc(e.getKey()) + "=" + enc(e.getValue())).collect(Collectors.joining("&"));
	}

	private static String enc(String value) {
		return URLEncoder.encode(value, StandardCharsets.UTF_8);
	}
}
