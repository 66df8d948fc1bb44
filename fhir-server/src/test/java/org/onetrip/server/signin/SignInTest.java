package org.onetrip.server.signin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.onetrip.server.BrowserSession;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.BrowserTest;
import org.onetrip.server.TestTokens;

/**
 * Sign-in as people and apps meet it: an account activated with the desk's code, the SMART authorization code flow
 * with PKCE driven in a real browser (Debian's chromium), consent that grants less than asked, the token used against
 * FHIR, an EHR launch from a hospital workstation, refresh, revocation and introspection, a backend service signing
 * its own assertion, and every bad input refused with the OAuth error the specification names.
 */
class SignInTest extends BrowserTest {

	static final String CITIZEN = "urn:onetrip:citizen-id";
	static final String HEALTH_CARD = "urn:onetrip:health-card";
	static final String PASSWORD = "correct horse battery";

	private OAuthTestClient oauth;

	@BeforeEach
	void client() {
		oauth = new OAuthTestClient(port);
	}

	@org.junit.jupiter.api.AfterEach
	void closeClient() {
		oauth.close();
	}

	@Test
	void smartDiscoveryIsPublicAtTheRootAndUnderTheFhirBase() {
		for (String path : new String[] {"/.well-known/smart-configuration", "/fhir/.well-known/smart-configuration"}) {
			HttpResponse<String> response = oauth.get(oauth.server + path);
			assertThat(response.statusCode()).as(path).isEqualTo(200);
			JsonNode smart = OAuthTestClient.json(response);
			assertThat(smart.path("token_endpoint").asText()).isEqualTo(oauth.server + "/oauth2/token");
			assertThat(smart.path("authorization_endpoint").asText()).isEqualTo(oauth.server + "/oauth2/authorize");
			assertThat(smart.path("code_challenge_methods_supported").toString()).isEqualTo("[\"S256\"]");
			assertThat(smart.path("capabilities").toString()).contains("launch-ehr", "launch-standalone", "permission-v2");
		}
		String jwks = oauth.get(oauth.server + "/oauth2/jwks").body();
		assertThat(jwks).contains("onetrip-local").doesNotContain("\"d\"");
		HttpResponse<String> page = oauth.get(oauth.server + "/signin");
		assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
		assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
		String capabilities = fhir.as(null).get("/metadata").body();
		assertThat(capabilities).contains("SMART-on-FHIR", "oauth-uris", oauth.server + "/oauth2/token");
	}

	@Test
	void aPatientActivatesSignsInGrantsLessThanAskedAndReadsTheirRecords() {
		Person person = registerAtHospitalA();
		String clientId = registerPublicApp("openid fhirUser launch/patient offline_access patient/*.rs");
		try (BrowserContext context = browser.phone("en-GB")) {
			Page page = context.newPage();
			activate(page, person.citizenId(), person.code(), PASSWORD);

			OAuthTestClient.Pkce pkce = OAuthTestClient.pkce();
			page.navigate(oauth.authorizeUrl(clientId, "openid fhirUser launch/patient patient/Patient.rs patient/Observation.rs",
					"state-1", pkce, Map.of()));
			// Not signed in: the sign-in page first, by the health-card number this time.
			page.waitForURL(url -> url.contains("/signin"));
			page.fill("#login", person.healthCard());
			page.fill("#password", PASSWORD);
			page.click("#sign-in");
			page.waitForURL(url -> url.contains("/oauth2/consent"));
			assertThat(page.textContent("#client-name")).contains("Test app");
			BrowserSession.screenshot(page, "consent");
			// The person keeps their observations to themselves.
			page.uncheck("[id='scope-patient/Observation.rs']");
			page.click("#allow");
			page.waitForURL(url -> url.startsWith(oauth.redirectUri()));
			Map<String, String> answer = OAuthTestClient.query(page.url());
			assertThat(answer).containsEntry("state", "state-1").containsKey("code");

			HttpResponse<String> tokenResponse = exchange(clientId, answer.get("code"), pkce.verifier());
			assertThat(tokenResponse.statusCode()).as(tokenResponse.body()).isEqualTo(200);
			JsonNode token = OAuthTestClient.json(tokenResponse);
			assertThat(token.path("patient").asText()).isEqualTo(person.patientId());
			assertThat(token.path("scope").asText()).contains("patient/Patient.rs").doesNotContain("Observation");
			assertThat(token.has("id_token")).isTrue();
			assertThat(token.has("refresh_token")).as("a public client keeps no refresh token").isFalse();
			String accessToken = token.path("access_token").asText();

			assertThat(oauth.bearerGet("/fhir/Patient/" + person.patientId(), accessToken).statusCode()).isEqualTo(200);
			assertThat(oauth.bearerGet("/fhir/Observation?patient=" + person.patientId(), accessToken).statusCode())
					.as("not granted at the consent page").isEqualTo(403);
			String someoneElse = registerAtHospitalA().patientId();
			assertThat(oauth.bearerGet("/fhir/Patient/" + someoneElse, accessToken).statusCode()).isIn(403, 404);
			JsonNode userInfo = OAuthTestClient.json(oauth.bearerGet("/userinfo", accessToken));
			assertThat(userInfo.path("fhirUser").asText()).isEqualTo(oauth.server + "/fhir/Patient/" + person.patientId());

			HttpResponse<String> replay = exchange(clientId, answer.get("code"), pkce.verifier());
			assertThat(replay.statusCode()).as("a code is used once").isEqualTo(400);
			assertThat(OAuthTestClient.json(replay).path("error").asText()).isEqualTo("invalid_grant");

			// Signed in already; the earlier consent covers Patient.rs, so only what is new is asked.
			OAuthTestClient.Pkce second = OAuthTestClient.pkce();
			page.navigate(oauth.authorizeUrl(clientId, "openid fhirUser launch/patient patient/Patient.rs", "state-2", second, Map.of()));
			page.waitForURL(url -> url.startsWith(oauth.redirectUri()));
			HttpResponse<String> wrongVerifier = exchange(clientId, OAuthTestClient.query(page.url()).get("code"), pkce.verifier());
			assertThat(wrongVerifier.statusCode()).isEqualTo(400);
			assertThat(OAuthTestClient.json(wrongVerifier).path("error").asText()).isEqualTo("invalid_grant");

			// The account page lists the app; withdrawing it means the next request asks again.
			page.navigate(oauth.server + "/account");
			page.click("#withdraw-" + clientId);
			page.waitForURL(url -> url.contains("withdrawn"));
			assertThat(page.isVisible("#no-grants")).isTrue();
			page.navigate(oauth.authorizeUrl(clientId, "openid patient/Patient.rs", "state-3", OAuthTestClient.pkce(), Map.of()));
			page.waitForURL(url -> url.contains("/oauth2/consent"));
			page.click("#deny");
			page.waitForURL(url -> url.startsWith(oauth.redirectUri()));
			assertThat(OAuthTestClient.query(page.url())).containsEntry("error", "access_denied").containsEntry("state", "state-3");
		}
	}

	@Test
	void thePagesSpeakChineseAndTheSignInRefusalTellsNothing() {
		Person person = registerAtHospitalA();
		try (BrowserContext context = browser.phone("zh-CN")) {
			Page page = context.newPage();
			page.navigate(oauth.server + "/signin");
			assertThat(page.textContent("h1")).isEqualTo("登录");
			BrowserSession.screenshot(page, "sign-in-zh");
			page.fill("#login", "no-such-person-" + unique("x"));
			page.fill("#password", "whatever it is");
			page.click("#sign-in");
			page.waitForURL(url -> url.contains("error"));
			String unknown = page.textContent("#refused");
			page.fill("#login", person.citizenId());
			page.fill("#password", "not activated yet");
			page.click("#sign-in");
			page.waitForURL(url -> url.contains("error"));
			assertThat(page.textContent("#refused")).as("the same words for an account that exists").isEqualTo(unknown);
			page.click("#language");
			assertThat(page.textContent("h1")).isEqualTo("Sign in");
		}
	}

	@Test
	void repeatedFailuresLockTheAccountEvenForTheRightPassword() {
		Person person = registerAtHospitalA();
		try (BrowserContext context = browser.phone("en-GB")) {
			Page page = context.newPage();
			activate(page, person.citizenId(), person.code(), PASSWORD);
			for (int i = 0; i < Accounts.MAX_FAILURES; i++) {
				signIn(page, person.citizenId(), "wrong password " + i);
				page.waitForURL(url -> url.contains("error"));
			}
			signIn(page, person.citizenId(), PASSWORD);
			page.waitForURL(url -> url.contains("error"));
			assertThat(page.isVisible("#refused")).isTrue();
			try (var later = clock.movedOn(Accounts.LOCK_TIME.plusMinutes(1))) {
				signIn(page, person.citizenId(), PASSWORD);
				page.waitForURL(url -> url.endsWith("/account"));
			}
		}
		assertThat(audited("sign-in", "locked for")).isTrue();
	}

	@Test
	void anEhrLaunchGivesTheAppThePatientTheWorkstationHasOpen() throws Exception {
		Person person = registerAtHospitalA();
		FhirHttp hospitalA = fhir.as(TestTokens.hospital("hospital-a", "user/*.cruds"));
		Parameters activation = hospitalA.post("/PractitionerRole/hospital-a-li-na-role/$account-activation",
				new Parameters().addParameter("login", unique("li-na"))).as(Parameters.class);
		String login = activation.getParameterValue("login").primitiveValue();
		String code = activation.getParameterValue("activation-code").primitiveValue();
		// The workstation knows the patient by the citizen ID; OneTrip's identity finds the record.
		FhirHttp.Response launched = hospitalA.post("/Patient/$smart-launch", new Parameters().addParameter("identifier", CITIZEN + "|"
				+ person.citizenId()));
		assertThat(launched.status()).as(launched.body()).isEqualTo(200);
		String launch = launched.as(Parameters.class).getParameterValue("launch").primitiveValue();
		String clientId = registerPublicApp("openid fhirUser launch patient/*.rs user/*.rs");
		// Staff hold user/ scopes: patient/ ones are a patient's own.
		try (BrowserContext context = browser.phone("en-GB")) {
			Page page = context.newPage();
			activate(page, login, code, PASSWORD);
			signIn(page, login, PASSWORD);
			page.waitForURL(url -> url.endsWith("/account"));
			page.navigate(oauth.authorizeUrl(clientId, "openid launch patient/*.rs", "staff", OAuthTestClient.pkce(), Map.of("launch", launch)));
			page.waitForURL(url -> url.startsWith(oauth.redirectUri()));
			assertThat(OAuthTestClient.query(page.url())).containsEntry("error", "invalid_scope");
		}
		try (BrowserContext context = browser.phone("en-GB")) {
			Page page = context.newPage();
			OAuthTestClient.Pkce pkce = OAuthTestClient.pkce();
			page.navigate(oauth.authorizeUrl(clientId, "openid fhirUser launch user/*.rs", "ehr", pkce, Map.of("launch", launch)));
			page.waitForURL(url -> url.contains("/signin"));
			signIn(page, login, PASSWORD);
			page.waitForURL(url -> url.contains("/oauth2/consent"));
			page.click("#allow");
			page.waitForURL(url -> url.startsWith(oauth.redirectUri()));
			JsonNode token = OAuthTestClient.json(exchange(clientId, OAuthTestClient.query(page.url()).get("code"), pkce.verifier()));
			assertThat(token.path("patient").asText()).isEqualTo(person.patientId());
			assertThat(token.path("need_patient_banner").asBoolean()).isTrue();
			String accessToken = token.path("access_token").asText();
			assertThat(oauth.bearerGet("/fhir/Patient/" + person.patientId(), accessToken).statusCode()).isEqualTo(200);
			var claims = SignedJWT.parse(accessToken).getJWTClaimsSet();
			assertThat(claims.getStringClaim("patient")).as("the launch's patient is context, not a patient token").isNull();
			assertThat(claims.getStringClaim("hospital")).isEqualTo("hospital-a");
			// A desk cannot take over this practitioner's account by naming its login for another role.
			FhirHttp.Response takeover = fhir.as(TestTokens.hospital("hospital-b", "user/*.cruds")).post(
					"/PractitionerRole/hospital-b-wang-fang-role/$account-activation", new Parameters().addParameter("login", login));
			assertThat(takeover.status()).as(takeover.body()).isEqualTo(409);

			// A launch made at another hospital's workstation is refused for this practitioner.
			String otherLaunch = fhir.as(TestTokens.hospital("hospital-b", "user/*.cruds"))
					.post("/Patient/$smart-launch", new Parameters().addParameter("identifier", CITIZEN + "|" + person.citizenId()))
					.as(Parameters.class)
					.getParameterValue("launch").primitiveValue();
			page.navigate(oauth.authorizeUrl(clientId, "openid launch user/*.rs", "other", OAuthTestClient.pkce(),
					Map.of("launch", otherLaunch)));
			page.waitForURL(url -> url.startsWith(oauth.redirectUri()));
			assertThat(OAuthTestClient.query(page.url())).containsEntry("error", "access_denied");
		}
	}

	@Test
	void badAuthorizationRequestsGetTheNamedErrorAndNothingIsIssued() {
		String clientId = registerPublicApp("openid launch/patient patient/*.rs");
		OAuthTestClient.Pkce pkce = OAuthTestClient.pkce();
		// Unknown client and unregistered redirect URI: a page here, never a redirect to where nobody vouched for.
		HttpResponse<String> unknownClient = oauth.get(oauth.authorizeUrl("no-such-client", "openid", "s", pkce, Map.of()));
		assertThat(unknownClient.statusCode()).isEqualTo(400);
		assertThat(unknownClient.headers().firstValue("Location")).isEmpty();
		HttpResponse<String> wrongRedirect = oauth.get(oauth.authorizeUrl(clientId, "openid", "s", pkce,
				Map.of("redirect_uri", "https://evil.example/callback")));
		assertThat(wrongRedirect.statusCode()).isEqualTo(400);
		assertThat(wrongRedirect.body()).contains("invalid_request");
		// Known client, known redirect: back to the app with the error and the state.
		assertThat(refusal(clientId, "openid user/*.rs", Map.of())).containsEntry("error", "invalid_scope").containsEntry("state", "s");
		assertThat(refusal(clientId, "openid patient/*.rs", mapOf("code_challenge", null, "code_challenge_method", null)))
				.containsEntry("error", "invalid_request");
		assertThat(refusal(clientId, "openid patient/*.rs", Map.of("code_challenge_method", "plain"))).containsEntry("error", "invalid_request");
		assertThat(refusal(clientId, "openid patient/*.rs", Map.of("aud", "https://another.example/fhir")))
				.containsEntry("error", "invalid_request");
		// The token endpoint: an unknown client, a made-up code.
		HttpResponse<String> unknown = oauth.postForm("/oauth2/token", Map.of("grant_type", "authorization_code", "code", "made-up",
				"client_id", "no-such-client", "redirect_uri", oauth.redirectUri(), "code_verifier", pkce.verifier()), null, null);
		assertThat(unknown.statusCode()).isIn(400, 401);
		assertThat(OAuthTestClient.json(unknown).path("error").asText()).isEqualTo("invalid_client");
		HttpResponse<String> madeUp = exchange(clientId, "made-up", pkce.verifier());
		assertThat(OAuthTestClient.json(madeUp).path("error").asText()).isEqualTo("invalid_grant");
		assertThat(audited("oauth-authorize", "invalid_scope")).isTrue();
	}

	@Test
	void aConfidentialAppRefreshesWithRotationAndARevokedTokenIsRefused() {
		Person person = registerAtHospitalA();
		String clientId = unique("test-confidential");
		String secret = "a-secret-of-thirty-two-characters!";
		register(clientId, "{\"name\": \"Test clinic app\", \"type\": \"confidential\", \"secret\": \"" + secret
				+ "\", \"redirectUris\": [\"" + oauth.redirectUri() + "\"], \"scopes\": [\"openid\", \"fhirUser\", "
				+ "\"launch/patient\", \"offline_access\", \"patient/*.rs\"]}", 200);
		try (BrowserContext context = browser.phone("en-GB")) {
			Page page = context.newPage();
			activate(page, person.citizenId(), person.code(), PASSWORD);
			JsonNode token = authorizeConfidential(page, clientId, secret, "openid launch/patient offline_access patient/*.rs", true);
			String firstRefresh = token.path("refresh_token").asText();
			assertThat(firstRefresh).as("offline_access asked and granted").isNotEmpty();

			JsonNode introspected = OAuthTestClient.json(oauth.postForm("/oauth2/introspect",
					Map.of("token", token.path("access_token").asText()), clientId, secret));
			assertThat(introspected.path("active").asBoolean()).isTrue();
			assertThat(introspected.path("scope").asText()).contains("patient/*.rs");

			HttpResponse<String> refreshed = oauth.postForm("/oauth2/token", Map.of("grant_type", "refresh_token", "refresh_token",
					firstRefresh), clientId, secret);
			assertThat(refreshed.statusCode()).as(refreshed.body()).isEqualTo(200);
			JsonNode second = OAuthTestClient.json(refreshed);
			assertThat(second.path("patient").asText()).isEqualTo(person.patientId());
			String secondRefresh = second.path("refresh_token").asText();
			assertThat(secondRefresh).as("rotated").isNotEmpty().isNotEqualTo(firstRefresh);
			assertThat(oauth.bearerGet("/fhir/Patient/" + person.patientId(), second.path("access_token").asText()).statusCode())
					.isEqualTo(200);
			HttpResponse<String> oldAgain = oauth.postForm("/oauth2/token", Map.of("grant_type", "refresh_token", "refresh_token",
					firstRefresh), clientId, secret);
			assertThat(OAuthTestClient.json(oldAgain).path("error").asText()).as("a rotated refresh token is spent").isEqualTo("invalid_grant");

			assertThat(oauth.postForm("/oauth2/revoke", Map.of("token", secondRefresh, "token_type_hint", "refresh_token"), clientId, secret)
					.statusCode()).isEqualTo(200);
			HttpResponse<String> revoked = oauth.postForm("/oauth2/token", Map.of("grant_type", "refresh_token", "refresh_token",
					secondRefresh), clientId, secret);
			assertThat(OAuthTestClient.json(revoked).path("error").asText()).isEqualTo("invalid_grant");
			assertThat(OAuthTestClient.json(oauth.postForm("/oauth2/introspect", Map.of("token", secondRefresh), clientId, secret))
					.path("active").asBoolean()).isFalse();
			HttpResponse<String> wrongSecret = oauth.postForm("/oauth2/token", Map.of("grant_type", "refresh_token", "refresh_token",
					secondRefresh), clientId, "not the secret at all, no");
			assertThat(wrongSecret.statusCode()).isEqualTo(401);
			assertThat(OAuthTestClient.json(wrongSecret).path("error").asText()).isEqualTo("invalid_client");

			JsonNode online = authorizeConfidential(page, clientId, secret, "openid patient/*.rs", false);
			assertThat(online.has("refresh_token")).as("no offline_access, no refresh token").isFalse();
		}
		assertThat(audited("oauth-token", "invalid_grant")).isTrue();
	}

	@Test
	void aBackendServiceSignsItsOwnAssertionAndIsBoundToItsHospital() throws Exception {
		ECKey key = new ECKeyGenerator(Curve.P_384).keyID("hospital-b-his-1").generate();
		String clientId = unique("hospital-b-his");
		String registration = "{\"name\": \"Hospital B HIS\", \"type\": \"backend\", \"hospital\": \"hospital-b\", "
				+ "\"scopes\": [\"system/Patient.rs\", \"system/Observation.rs\"], \"jwks\": {\"keys\": ["
				+ key.toPublicJWK().toJSONString() + "]}}";
		register(clientId, registration, 200);

		String assertion = assertion(clientId, key, JWSAlgorithm.ES384);
		HttpResponse<String> issued = clientCredentials(assertion, "system/Patient.rs");
		assertThat(issued.statusCode()).as(issued.body()).isEqualTo(200);
		String accessToken = OAuthTestClient.json(issued).path("access_token").asText();
		var claims = SignedJWT.parse(accessToken).getJWTClaimsSet();
		assertThat(claims.getStringClaim("hospital")).isEqualTo("hospital-b");
		assertThat(claims.getStringClaim("scope")).isEqualTo("system/Patient.rs");
		assertThat(oauth.bearerGet("/fhir/Patient?_count=1", accessToken).statusCode()).isEqualTo(200);
		assertThat(oauth.bearerGet("/fhir/Observation?_count=1", accessToken).statusCode()).as("not asked for").isEqualTo(403);

		HttpResponse<String> replayed = clientCredentials(assertion, "system/Patient.rs");
		assertThat(OAuthTestClient.json(replayed).path("error").asText()).as("an assertion is used once").isEqualTo("invalid_client");
		ECKey stranger = new ECKeyGenerator(Curve.P_384).keyID("hospital-b-his-1").generate();
		assertThat(OAuthTestClient.json(clientCredentials(assertion(clientId, stranger, JWSAlgorithm.ES384), "system/Patient.rs"))
				.path("error").asText()).as("signed with a key not registered").isEqualTo("invalid_client");
		assertThat(OAuthTestClient.json(clientCredentials(assertion(clientId, key, JWSAlgorithm.ES384), "system/*.cruds"))
				.path("error").asText()).isEqualTo("invalid_scope");
		assertThat(OAuthTestClient.json(clientCredentials(assertion(clientId, key, JWSAlgorithm.ES384), "patient/*.rs"))
				.path("error").asText()).isEqualTo("invalid_scope");

		// Registrations that cannot work are refused, and only the region registers.
		register(unique("no-hospital"), registration.replace("\"hospital\": \"hospital-b\", ", ""), 422);
		register(unique("user-scopes"), registration.replace("system/Observation.rs", "user/Observation.rs"), 422);
		register(unique("typo"), registration.replace("\"scopes\"", "\"scope\""), 400);
		var byHospital = oauth.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(oauth.server + "/admin/clients/" + unique("x")))
				.header("Authorization", "Bearer " + TestTokens.hospital("hospital-b", "user/*.cruds")).header("Content-Type", "application/json")
				.PUT(java.net.http.HttpRequest.BodyPublishers.ofString(registration)).build());
		assertThat(byHospital.statusCode()).isEqualTo(403);
		assertThat(byHospital.body()).contains("OperationOutcome");
	}

	// ---------------------------------------------------------------------------------------------------------------

	record Person(String patientId, String citizenId, String healthCard, String code) {}

	/** A patient registered at hospital A with a citizen ID and a health card, and the desk's activation code. */
	private Person registerAtHospitalA() {
		String citizenId = unique("3301");
		String healthCard = unique("HC");
		Patient patient = new Patient();
		patient.addName().setFamily(unique("Signin")).addGiven("Mei");
		patient.addIdentifier().setSystem(CITIZEN).setValue(citizenId);
		patient.addIdentifier().setSystem(HEALTH_CARD).setValue(healthCard);
		FhirHttp hospitalA = fhir.as(TestTokens.hospital("hospital-a", "user/*.cruds"));
		FhirHttp.Response created = hospitalA.post("/Patient", patient);
		assertThat(created.status()).as(created.body()).isEqualTo(201);
		String patientId = created.as(Patient.class).getIdElement().getIdPart();
		FhirHttp.Response activation = hospitalA.post("/Patient/" + patientId + "/$account-activation", new Parameters());
		assertThat(activation.status()).as(activation.body()).isEqualTo(200);
		String code = activation.as(Parameters.class).getParameterValue("activation-code").primitiveValue();
		return new Person(patientId, citizenId, healthCard, code);
	}

	private String registerPublicApp(String scopes) {
		String clientId = unique("test-app");
		register(clientId, "{\"name\": \"Test app " + clientId + "\", \"type\": \"public\", \"redirectUris\": [\"" + oauth.redirectUri()
				+ "\"], \"scopes\": [" + String.join(",", java.util.Arrays.stream(scopes.split(" ")).map(s -> "\"" + s + "\"").toList()) + "]}",
				200);
		return clientId;
	}

	/** PUT /admin/clients/{clientId} as the region's operator. */
	private void register(String clientId, String body, int expectedStatus) {
		var response = oauth.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(oauth.server + "/admin/clients/" + clientId))
				.header("Authorization", "Bearer " + TestTokens.region()).header("Content-Type", "application/json")
				.PUT(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(expectedStatus);
	}

	/** The whole authorization code flow of a confidential app for the person signed in (or signing in) in {@code page}. */
	private JsonNode authorizeConfidential(Page page, String clientId, String secret, String scope, boolean signInFirst) {
		OAuthTestClient.Pkce pkce = OAuthTestClient.pkce();
		page.navigate(oauth.authorizeUrl(clientId, scope, "c", pkce, Map.of()));
		if (signInFirst) {
			page.waitForURL(url -> url.contains("/signin"));
			page.fill("#login", lastLogin);
			page.fill("#password", PASSWORD);
			page.click("#sign-in");
		}
		page.waitForURL(url -> url.contains("/oauth2/consent") || url.startsWith(oauth.redirectUri()));
		if (page.url().contains("/oauth2/consent")) {
			page.click("#allow");
			page.waitForURL(url -> url.startsWith(oauth.redirectUri()));
		}
		HttpResponse<String> response = oauth.postForm("/oauth2/token", Map.of("grant_type", "authorization_code", "code",
				OAuthTestClient.query(page.url()).get("code"), "redirect_uri", oauth.redirectUri(), "code_verifier", pkce.verifier()),
				clientId, secret);
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return OAuthTestClient.json(response);
	}

	private String assertion(String clientId, ECKey key, JWSAlgorithm algorithm) throws Exception {
		java.time.Instant now = java.time.Instant.now();
		JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(clientId).subject(clientId).audience(oauth.server + "/oauth2/token")
				.expirationTime(java.util.Date.from(now.plusSeconds(240))).issueTime(java.util.Date.from(now))
				.jwtID(java.util.UUID.randomUUID().toString()).build();
		SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).keyID(key.getKeyID()).build(), claims);
		jwt.sign(new ECDSASigner(key));
		return jwt.serialize();
	}

	private HttpResponse<String> clientCredentials(String assertion, String scope) {
		return oauth.postForm("/oauth2/token", Map.of("grant_type", "client_credentials", "scope", scope, "client_assertion_type",
				"urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion", assertion), null, null);
	}

	/** The login name last activated: the one authorizeConfidential signs in with. */
	private String lastLogin;

	private void activate(Page page, String login, String code, String password) {
		lastLogin = login;
		page.navigate(oauth.server + "/account/activate");
		page.fill("#login", login);
		page.fill("#code", code.toLowerCase(java.util.Locale.ROOT));
		page.fill("#password", password);
		page.fill("#confirm", password);
		page.click("#activate");
		page.waitForURL(url -> url.contains("activated"));
	}

	private static void signIn(Page page, String login, String password) {
		if (!page.url().contains("/signin")) {
			page.navigate(page.url().replaceAll("(https?://[^/]+).*", "$1") + "/signin");
		}
		page.fill("#login", login);
		page.fill("#password", password);
		page.click("#sign-in");
	}

	private HttpResponse<String> exchange(String clientId, String code, String verifier) {
		return oauth.postForm("/oauth2/token", Map.of("grant_type", "authorization_code", "code", code, "client_id", clientId,
				"redirect_uri", oauth.redirectUri(), "code_verifier", verifier), null, null);
	}

	/** The authorization endpoint's refusal, read from where it redirects (the app's redirect URI). */
	private Map<String, String> refusal(String clientId, String scope, Map<String, String> extra) {
		HttpResponse<String> response = oauth.get(oauth.authorizeUrl(clientId, scope, "s", OAuthTestClient.pkce(), extra));
		assertThat(response.statusCode()).as(response.body()).isEqualTo(302);
		String location = response.headers().firstValue("Location").orElseThrow();
		assertThat(location).startsWith(oauth.redirectUri());
		return OAuthTestClient.query(location);
	}

	private static Map<String, String> mapOf(String k1, String v1, String k2, String v2) {
		Map<String, String> map = new HashMap<>();
		map.put(k1, v1);
		map.put(k2, v2);
		return map;
	}

	/** Whether an audit record of this subtype with these words arrived (the outbox writes them within a second or so). */
	private boolean audited(String subtype, String words) {
		long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
		while (System.nanoTime() < deadline) {
			Optional<String> body = Optional.of(fhir.getFresh("/AuditEvent?subtype=urn:onetrip:audit-subtype|" + subtype
					+ "&_sort=-date&_count=50").body());
			if (body.get().contains(words)) {
				return true;
			}
			try {
				Thread.sleep(300);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				return false;
			}
		}
		return false;
	}
}
