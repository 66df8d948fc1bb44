package org.onetrip.server.signin;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import org.onetrip.server.audit.AuditTrail;
import org.onetrip.server.hapi.FhirServerContribution;
import org.onetrip.server.identity.PersonResolver;
import org.onetrip.server.security.Ownership;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.core.Ordered;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.server.security.TokenKeys;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.MessageSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.support.ResourceBundleMessageSource;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.oauth2.server.authorization.JdbcOAuth2AuthorizationConsentService;
import org.springframework.security.oauth2.server.authorization.JdbcOAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationConsentService;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.authentication.JwtClientAssertionAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientCredentialsAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.client.JdbcRegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.config.annotation.web.configurers.OAuth2AuthorizationServerConfigurer;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.util.matcher.MediaTypeRequestMatcher;
import org.springframework.security.web.util.matcher.AndRequestMatcher;
import org.springframework.security.web.util.matcher.AntPathRequestMatcher;
import org.springframework.security.web.util.matcher.OrRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.web.servlet.LocaleResolver;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.i18n.CookieLocaleResolver;
import org.springframework.web.servlet.i18n.LocaleChangeInterceptor;

/**
 * OneTrip as an OAuth 2.0 authorization server and SMART App Launch 2.0 server (Spring Authorization Server), issuing
 * the same bearer JWTs the FHIR endpoint verifies, signed with the same key ({@link TokenKeys}).
 * <p>
 * Three security filter chains, tried in order: the OAuth endpoints (/oauth2/*, OpenID discovery, /userinfo), then
 * the pages people use (/signin, /account, the consent page), then everything else (the FHIR API, DICOMweb, CDS
 * Hooks: bearer tokens only, {@code SecurityConfiguration}). Grants, codes, tokens, consents and clients live in
 * PostgreSQL (Spring Authorization Server's JDBC stores), so any instance can continue what another began; the
 * signed-in session of the pages is per instance.
 */
@Configuration
public class SignInConfiguration {

	public static final String SIGN_IN_PAGE = "/signin";
	public static final String CONSENT_PAGE = "/oauth2/consent";

	/**
	 * Put before the matchers of the two chains here: Spring Security asks each chain in turn whether a request is its
	 * own, and for every FHIR request these two walked ~20 path patterns to say no (4 % of a refused booking's request
	 * CPU; bench/HISTORY.md, stop 53). Nothing of theirs is under the FHIR endpoint: the authorization server has one
	 * issuer, at the root.
	 */
	static final RequestMatcher OUTSIDE_THE_FHIR_ENDPOINT = request -> {
		String path = request.getRequestURI().substring(request.getContextPath().length());
		return !(path.startsWith(org.onetrip.server.hapi.FhirEndpointConfiguration.FHIR_PATH + "/")
				|| path.equals(org.onetrip.server.hapi.FhirEndpointConfiguration.FHIR_PATH));
	};

	@Bean
	public PasswordEncoder passwordEncoder() {
		// bcrypt today, with its algorithm named in each hash ({bcrypt}...), so a stronger one can replace it later.
		return PasswordEncoderFactories.createDelegatingPasswordEncoder();
	}

	@Bean
	public Accounts accounts(JdbcTemplate jdbc, PlatformTransactionManager transactions) {
		return new Accounts(jdbc, transactions);
	}

	@Bean
	public SmartLaunches smartLaunches(JdbcTemplate jdbc) {
		return new SmartLaunches(jdbc);
	}

	@Bean
	public AuthorizationTables authorizationTables(JdbcTemplate jdbc) {
		return new AuthorizationTables(jdbc);
	}

	@Bean
	public RegisteredClientRepository registeredClientRepository(JdbcTemplate jdbc, AuthorizationTables tables) {
		return new JdbcRegisteredClientRepository(jdbc);
	}

	@Bean
	public OAuth2AuthorizationService authorizationService(JdbcTemplate jdbc, RegisteredClientRepository clients) {
		return new JdbcOAuth2AuthorizationService(jdbc, clients);
	}

	@Bean
	public OAuth2AuthorizationConsentService authorizationConsentService(JdbcTemplate jdbc, RegisteredClientRepository clients) {
		return new JdbcOAuth2AuthorizationConsentService(jdbc, clients);
	}

	/** The key that signs ./onetrip token's tokens signs these too: the FHIR endpoint verifies both the same way. */
	@Bean
	public JWKSource<SecurityContext> jwkSource(TokenKeys keys) {
		return new ImmutableJWKSet<>(new JWKSet(keys.jwk()));
	}

	/** Also the authorization server's token customizer (it finds the bean by its type). */
	@Bean
	public SmartTokenClaims smartTokenClaims(Accounts accounts, SmartLaunches launches) {
		return new SmartTokenClaims(accounts, launches);
	}

	/** JWTs signed with OneTrip's key and SMART's claims; a refresh token only when asked for. */
	@Bean
	public org.springframework.security.oauth2.server.authorization.token.OAuth2TokenGenerator<?> tokenGenerator(
			JWKSource<SecurityContext> keys, SmartTokenClaims claims) {
		return SmartTokenGenerator.create(keys, claims);
	}

	/** Unset: the issuer is the address each request came to (fine on one host name); set it behind a proxy. */
	@Bean
	public AuthorizationServerSettings authorizationServerSettings(@Value("${onetrip.security.public-url:}") String publicUrl) {
		AuthorizationServerSettings.Builder settings = AuthorizationServerSettings.builder();
		if (!publicUrl.isBlank()) {
			settings.issuer(publicUrl.endsWith("/") ? publicUrl.substring(0, publicUrl.length() - 1) : publicUrl);
		}
		return settings.build();
	}

	@Bean
	public ClientRegistrations clientRegistrations(RegisteredClientRepository repository, JdbcTemplate jdbc, PasswordEncoder passwords,
			RegionDirectory directory, PlatformTransactionManager transactions,
			@Value("${onetrip.security.clients:config/clients.yaml}") String clientsFile) throws IOException {
		ClientRegistrations registrations = new ClientRegistrations(repository, jdbc, passwords, directory, transactions);
		registrations.registerFile(Path.of(clientsFile));
		return registrations;
	}

	@Bean
	public BackendServices backendServices(JdbcTemplate jdbc, Clock clock) {
		return new BackendServices(jdbc, clock);
	}

	@Bean
	public AccountSignIn accountSignIn(Accounts accounts, PasswordEncoder passwords, AuditTrail audit, Clock clock) {
		return new AccountSignIn(accounts, passwords, audit, clock);
	}

	@Bean
	public OAuthEndpointResponses oauthEndpointResponses(AuditTrail audit, Clock clock, OAuth2AuthorizationService authorizations,
			SmartTokenClaims claims) {
		return new OAuthEndpointResponses(audit, clock, authorizations, claims);
	}

	@Bean
	public FhirServerContribution accountOperations(Accounts accounts, SmartLaunches launches, DaoRegistry daoRegistry,
			PersonResolver persons, RegionDirectory directory, Ownership ownership, Clock clock) {
		return FhirServerContribution.provider(new AccountOperations(accounts, launches, daoRegistry, persons, directory, ownership, clock));
	}

	@Bean
	public FhirServerContribution smartCapabilityStatement(AuthorizationServerSettings settings) {
		return FhirServerContribution.interceptor(new SmartCapabilityStatement(settings));
	}

	/** SMART discovery, at the root and under /fhir (before HAPI's servlet, which owns /fhir/*). */
	@Bean
	public FilterRegistrationBean<SmartConfigurationEndpoint> smartConfiguration(AuthorizationServerSettings settings) {
		FilterRegistrationBean<SmartConfigurationEndpoint> registration = new FilterRegistrationBean<>(new SmartConfigurationEndpoint(settings));
		registration.addUrlPatterns(SmartConfigurationEndpoint.PATH, "/fhir" + SmartConfigurationEndpoint.PATH);
		registration.setOrder(Ordered.LOWEST_PRECEDENCE - 20);
		return registration;
	}

	/** The OAuth 2.0 / OpenID Connect endpoints. A browser that is not signed in is sent to the sign-in page. */
	@Bean
	@Order(1)
	public SecurityFilterChain authorizationServerChain(HttpSecurity http, Accounts accounts, SmartLaunches launches, Clock clock,
			BackendServices backendServices, OAuthEndpointResponses responses) throws Exception {
		OAuth2AuthorizationServerConfigurer server = new OAuth2AuthorizationServerConfigurer();
		SmartAuthorizationRequestCheck requestCheck = new SmartAuthorizationRequestCheck(accounts, launches, clock);
		http.securityMatcher(new AndRequestMatcher(OUTSIDE_THE_FHIR_ENDPOINT, server.getEndpointsMatcher()))
				.with(server, s -> s
						.oidc(oidc -> oidc.userInfoEndpoint(userInfo -> userInfo.userInfoMapper(new SmartUserInfo(accounts)::of)))
						.authorizationEndpoint(a -> a.consentPage(CONSENT_PAGE)
								.authenticationProviders(providers -> providers.forEach(p -> {
									if (p instanceof OAuth2AuthorizationCodeRequestAuthenticationProvider codes) {
										codes.setAuthenticationValidator(requestCheck);
									}
								}))
								.authorizationResponseHandler(responses.codeIssued())
								.errorResponseHandler(responses.authorizationRefused()))
						.tokenEndpoint(t -> t
								.authenticationProviders(providers -> providers.forEach(p -> {
									if (p instanceof OAuth2ClientCredentialsAuthenticationProvider credentials) {
										credentials.setAuthenticationValidator(BackendServices.scopeCheck());
									}
								}))
								.accessTokenResponseHandler(responses.tokenIssued())
								.errorResponseHandler(responses.refused("oauth-token")))
						.clientAuthentication(c -> c
								.authenticationConverter(new SmartClientAssertionConverter())
								.authenticationProviders(providers -> providers.forEach(p -> {
									if (p instanceof JwtClientAssertionAuthenticationProvider assertions) {
										assertions.setJwtDecoderFactory(backendServices);
									}
								}))
								.errorResponseHandler(responses.refused("oauth-client")))
						.tokenRevocationEndpoint(r -> r.errorResponseHandler(responses.refused("oauth-revoke")))
						.tokenIntrospectionEndpoint(i -> i.errorResponseHandler(responses.refused("oauth-introspect"))))
				.authorizeHttpRequests(a -> a.anyRequest().authenticated())
				// /userinfo takes the access token as a bearer token (the same decoder as the FHIR endpoint).
				.oauth2ResourceServer(r -> r.jwt(Customizer.withDefaults()))
				.exceptionHandling(e -> e.defaultAuthenticationEntryPointFor(new LoginUrlAuthenticationEntryPoint(SIGN_IN_PAGE),
						new MediaTypeRequestMatcher(MediaType.TEXT_HTML)));
		return http.build();
	}

	/** The pages: sign in, activate an account, consent, see and withdraw what was granted. A session per browser. */
	@Bean
	@Order(2)
	public SecurityFilterChain signInPagesChain(HttpSecurity http, AccountSignIn signIn, AuditTrail audit, Clock clock) throws Exception {
		// Plain path matchers: this chain's matcher is asked about every request, and Spring MVC's kind would look up a
		// Spring MVC handler for each FHIR request too (see security.MvcLookupForMvcRequestsOnly).
		http.securityMatcher(new AndRequestMatcher(OUTSIDE_THE_FHIR_ENDPOINT, new OrRequestMatcher(java.util.stream.Stream.of(
						SIGN_IN_PAGE, "/signout", "/account", "/account/**", CONSENT_PAGE, CONSENT_PAGE + "/deny", "/signin-assets/**")
						.map(AntPathRequestMatcher::antMatcher).map(RequestMatcher.class::cast).toList())))
				.authenticationManager(new ProviderManager(signIn))
				.authorizeHttpRequests(a -> a.requestMatchers(SIGN_IN_PAGE, "/account/activate", "/signin-assets/**").permitAll()
						.anyRequest().authenticated())
				.formLogin(f -> f.loginPage(SIGN_IN_PAGE).loginProcessingUrl(SIGN_IN_PAGE).usernameParameter("login")
						.passwordParameter("password").failureUrl(SIGN_IN_PAGE + "?error").defaultSuccessUrl("/account"))
				.logout(l -> l.logoutUrl("/signout").logoutSuccessUrl(SIGN_IN_PAGE + "?signedout")
						.addLogoutHandler((request, response, signedIn) -> {
							if (signedIn != null) {
								audit.record(SignInAudit.record(clock, "sign-out", signedIn.getName(), null, request.getRemoteAddr(),
										"POST /signout", java.util.List.of(), 200, null));
							}
						}));
		return http.build();
	}

	/** OneTrip's own web application as a client, registered once the port is known. */
	@Bean
	public WebAppClient webAppClient(ClientRegistrations registrations, AuthorizationServerSettings settings,
			@Value("${server.address:127.0.0.1}") String address) {
		return new WebAppClient(registrations, settings.getIssuer(), address);
	}

	/** The pages' language: ?lang=zh or ?lang=en, remembered in a cookie; else the browser's Accept-Language. */
	@Bean
	public LocaleResolver localeResolver() {
		CookieLocaleResolver resolver = new CookieLocaleResolver("onetrip-lang");
		resolver.setDefaultLocaleFunction(request -> request.getHeader("Accept-Language") == null ? Locale.ENGLISH : request.getLocale());
		return resolver;
	}

	@Bean
	public WebMvcConfigurer pageLanguage() {
		return new WebMvcConfigurer() {
			@Override
			public void addInterceptors(InterceptorRegistry registry) {
				LocaleChangeInterceptor change = new LocaleChangeInterceptor();
				change.setParamName("lang");
				change.setIgnoreInvalidLocale(true);
				registry.addInterceptor(change);
			}
		};
	}

	/** The pages' words, English and Chinese; never the machine's language as a fallback. */
	@Bean
	public MessageSource messageSource() {
		ResourceBundleMessageSource messages = new ResourceBundleMessageSource();
		messages.setBasename("signin/messages");
		messages.setDefaultEncoding("UTF-8");
		messages.setFallbackToSystemLocale(false);
		return messages;
	}
}
