package org.onetrip.server.signin;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.onetrip.server.region.RegionDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;
import org.springframework.security.oauth2.server.authorization.settings.TokenSettings;

/**
 * The apps and systems that may ask OneTrip for tokens: those in {@code config/clients.yaml}, registered at each start,
 * and those an operator registers through {@code /admin/clients}. Three kinds:
 * <ul>
 * <li>{@code public}: an app that keeps no secret (a phone or browser app): authorization code with PKCE;</li>
 * <li>{@code confidential}: an app with a server that keeps a secret: authorization code with PKCE, refresh tokens;</li>
 * <li>{@code backend}: a hospital system with its own key pair (SMART Backend Services): client credentials with
 * {@code private_key_jwt}, system/ scopes, bound to one hospital.</li>
 * </ul>
 * Every app a person authorizes asks that person's consent.
 */
public class ClientRegistrations {

	private static final Logger log = LoggerFactory.getLogger(ClientRegistrations.class);
	private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

	/** How long what is issued lasts. An access token is a JWT the FHIR endpoint verifies alone: kept short. */
	static final Duration ACCESS_TOKEN_LIFETIME = Duration.ofMinutes(15);
	static final Duration REFRESH_TOKEN_LIFETIME = Duration.ofDays(30);
	static final Duration CODE_LIFETIME = Duration.ofMinutes(5);

	/** One client as configured (YAML) or registered (JSON). */
	@JsonIgnoreProperties(ignoreUnknown = false)
	public record Registration(String clientId, String name, String type, List<String> redirectUris, List<String> scopes,
			String secretHash, String secret, JsonNode jwks, String hospital) {}

	/** pg_advisory_xact_lock key: instances starting together register clients one at a time. */
	private static final long REGISTRATION_LOCK = 0x4f54_636c_6965_6e74L;

	private final RegisteredClientRepository repository;
	private final JdbcTemplate jdbc;
	private final org.springframework.transaction.support.TransactionTemplate transaction;
	private final PasswordEncoder passwords;
	private final RegionDirectory directory;

	public ClientRegistrations(RegisteredClientRepository repository, JdbcTemplate jdbc, PasswordEncoder passwords,
			RegionDirectory directory, org.springframework.transaction.PlatformTransactionManager transactions) {
		this.repository = repository;
		this.jdbc = jdbc;
		this.transaction = new org.springframework.transaction.support.TransactionTemplate(transactions);
		this.passwords = passwords;
		this.directory = directory;
	}

	/** Registers every client of the file (absent file: none). */
	public void registerFile(Path file) throws IOException {
		if (!Files.exists(file)) {
			log.info("No client registrations file at {}: only clients registered through /admin/clients can sign in", file);
			return;
		}
		JsonNode root = YAML.readTree(file.toFile());
		int count = 0;
		for (JsonNode entry : root.path("clients")) {
			Registration registration = YAML.treeToValue(entry, Registration.class);
			try {
				register(registration);
			} catch (IllegalArgumentException e) {
				throw new IllegalStateException(file + ": client " + registration.clientId() + ": " + e.getMessage(), e);
			}
			count++;
		}
		log.info("Registered {} OAuth clients from {}", count, file);
	}

	/** Adds or replaces a client; refuses (IllegalArgumentException, saying what) a registration that cannot work. */
	public RegisteredClient register(Registration r) {
		require(r.clientId() != null && r.clientId().matches("[A-Za-z0-9._-]{3,100}"),
				"clientId: 3 to 100 letters, digits, '.', '_' or '-'");
		require(r.name() != null && !r.name().isBlank(), "name: the app's name, shown on the consent page");
		require(r.scopes() != null && !r.scopes().isEmpty(), "scopes: what the client may ask for");
		String type = r.type() == null ? "" : r.type().toLowerCase(Locale.ROOT);
		RegisteredClient.Builder client = RegisteredClient.withId(r.clientId()).clientId(r.clientId()).clientName(r.name())
				.scopes(s -> s.addAll(r.scopes()));
		TokenSettings.Builder tokens = TokenSettings.builder().accessTokenTimeToLive(ACCESS_TOKEN_LIFETIME)
				.refreshTokenTimeToLive(REFRESH_TOKEN_LIFETIME).reuseRefreshTokens(false).authorizationCodeTimeToLive(CODE_LIFETIME);
		ClientSettings.Builder settings = ClientSettings.builder();
		switch (type) {
			case "public", "confidential" -> {
				require(r.redirectUris() != null && !r.redirectUris().isEmpty(), "redirectUris: where the app receives its code");
				r.redirectUris().forEach(client::redirectUri);
				client.authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE);
				settings.requireProofKey(true).requireAuthorizationConsent(true);
				for (String scope : r.scopes()) {
					require(!SmartScopePolicy.isSystemScope(scope), "system/ scopes are for backend services, not " + scope);
				}
				if (type.equals("public")) {
					client.clientAuthenticationMethod(ClientAuthenticationMethod.NONE);
				} else {
					String hash = r.secretHash() != null ? r.secretHash() : r.secret() != null ? passwords.encode(r.secret()) : null;
					require(hash != null, "a confidential client needs a secret (secretHash in the file, secret when registering)");
					require(r.secret() == null || r.secret().length() >= 24, "secret: at least 24 characters");
					client.clientSecret(hash).clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
							.clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_POST)
							.authorizationGrantType(AuthorizationGrantType.REFRESH_TOKEN);
				}
			}
			case "backend" -> {
				require(r.jwks() != null && r.jwks().path("keys").isArray() && !r.jwks().path("keys").isEmpty(),
						"jwks: the service's public keys, a JWK set ({\"keys\": [...]})");
				require(r.hospital() != null && directory.region().hospitals().stream().anyMatch(h -> h.key().equals(r.hospital())),
						"hospital: the region.yaml key of the hospital the service belongs to");
				for (String scope : r.scopes()) {
					require(SmartScopePolicy.isSystemScope(scope), "a backend service is registered with system/ scopes only, not " + scope);
				}
				client.clientAuthenticationMethod(ClientAuthenticationMethod.PRIVATE_KEY_JWT)
						.authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS);
				settings.setting(BackendServices.CLIENT_JWKS, r.jwks().toString());
			}
			default -> throw new IllegalArgumentException("type: public, confidential or backend");
		}
		if (r.hospital() != null) {
			settings.setting(SmartTokenClaims.CLIENT_HOSPITAL, r.hospital());
		}
		RegisteredClient built = client.clientSettings(settings.build()).tokenSettings(tokens.build()).build();
		save(built);
		return built;
	}

	/**
	 * OneTrip's own pages (the web application at /app): a public client registered by the server itself, with its own
	 * addresses as redirect URIs, and no consent page (the region's own application asks for nothing a person has not
	 * already been given by signing in to it).
	 */
	public void registerFirstParty(String clientId, String name, List<String> redirectUris, List<String> scopes) {
		inRegistrationLock(() -> {
			// Instances on other ports keep their addresses: what is registered already stays.
			java.util.Set<String> uris = new java.util.LinkedHashSet<>(redirectUris);
			RegisteredClient existing = repository.findByClientId(clientId);
			if (existing != null) {
				uris.addAll(existing.getRedirectUris());
			}
			repository.save(firstParty(clientId, name, uris, scopes));
		});
	}

	private static RegisteredClient firstParty(String clientId, String name, java.util.Set<String> redirectUris, List<String> scopes) {
		return RegisteredClient.withId(clientId).clientId(clientId).clientName(name)
				.clientAuthenticationMethod(ClientAuthenticationMethod.NONE).authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
				.redirectUris(uris -> uris.addAll(redirectUris)).scopes(s -> s.addAll(scopes))
				.clientSettings(ClientSettings.builder().requireProofKey(true).requireAuthorizationConsent(false).build())
				.tokenSettings(TokenSettings.builder().accessTokenTimeToLive(ACCESS_TOKEN_LIFETIME).authorizationCodeTimeToLive(CODE_LIFETIME)
						.build())
				.build();
	}

	/** Saved under a database lock: Spring's store reads, then inserts or updates, and two instances must not interleave. */
	private void save(RegisteredClient client) {
		inRegistrationLock(() -> repository.save(client));
	}

	private void inRegistrationLock(Runnable registration) {
		transaction.executeWithoutResult(status -> {
			jdbc.query("SELECT pg_advisory_xact_lock(?)", rs -> null, REGISTRATION_LOCK);
			registration.run();
		});
	}

	/** Removes a client and everything issued to it: its codes and tokens stop working at once, its consents go. */
	public boolean remove(String clientId) {
		RegisteredClient client = repository.findByClientId(clientId);
		if (client == null) {
			return false;
		}
		jdbc.update("DELETE FROM oauth2_authorization WHERE registered_client_id = ?", client.getId());
		jdbc.update("DELETE FROM oauth2_authorization_consent WHERE registered_client_id = ?", client.getId());
		jdbc.update("DELETE FROM oauth2_registered_client WHERE id = ?", client.getId());
		return true;
	}

	public List<String> clientIds() {
		return jdbc.queryForList("SELECT client_id FROM oauth2_registered_client ORDER BY client_id", String.class);
	}

	private static void require(boolean condition, String message) {
		if (!condition) {
			throw new IllegalArgumentException(message);
		}
	}
}
