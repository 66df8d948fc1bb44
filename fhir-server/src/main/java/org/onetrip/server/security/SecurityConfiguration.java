package org.onetrip.server.security;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.onetrip.server.hapi.DeferredFilter;
import org.onetrip.server.OneTripProperties;
import org.onetrip.server.audit.AuditRecord;
import org.onetrip.server.audit.AuditTrail;
import org.onetrip.server.hapi.FhirServerContribution;
import org.onetrip.server.identity.PersonResolver;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.server.signin.SmartConfigurationEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Authentication: every request but the public ones carries an OAuth2 bearer JWT, verified against OneTrip's
 * local signing key ({@link TokenKeys}, minted by {@code ./onetrip token}) or, when configured, an external
 * issuer's JWK set. Open access ({@code onetrip.security.open=true}) switches it off, and says so loudly.
 * Authorization is FHIR's: {@link FhirAccessInterceptor}; the audit is {@link FhirAuditInterceptor}.
 */
@Configuration
public class SecurityConfiguration {

	private static final Logger log = LoggerFactory.getLogger(SecurityConfiguration.class);

	/** Readable without a token: health, metrics, the CapabilityStatement, SMART discovery, CDS Hooks discovery. */
	private static final String[] PUBLIC = {"/actuator/health", "/actuator/health/**", "/actuator/info", "/actuator/prometheus",
			"/fhir/metadata", "/error", SmartConfigurationEndpoint.PATH, "/fhir" + SmartConfigurationEndpoint.PATH,
			// The web application's files: it signs in by itself (SMART), and reads nothing without a token.
			"/app", "/app/**"};

	/**
	 * Spring Security wraps each of its filters, its authentication and its authorization in an observation of its own on
	 * every request, spans nobody collects. Switched off by the predicate alone (management.observations), the wrappers
	 * stayed and took 8 % of a booking storm's request CPU (bench/HISTORY.md, 2026-12-03); without them the chain is not
	 * decorated at all. Requests keep their timers: OneTrip's own for FHIR requests, http.server.requests for the others
	 * (ObservabilityConfiguration).
	 */
	@Bean
	public org.springframework.security.config.observation.SecurityObservationSettings noSpringSecurityObservations() {
		return org.springframework.security.config.observation.SecurityObservationSettings.noObservations();
	}

	/** Spring MVC's handler look-up only for requests Spring MVC serves (see {@link MvcLookupForMvcRequestsOnly}). */
	@Bean
	public static MvcLookupForMvcRequestsOnly.Replacement mvcLookupForMvcRequestsOnly() {
		return new MvcLookupForMvcRequestsOnly.Replacement();
	}

	@Bean
	public TokenKeys tokenKeys(OneTripProperties properties, @Value("${onetrip.security.key-file:}") String keyFile) {
		return TokenKeys.loadOrCreate(keyFile.isBlank() ? defaultKeyFile(properties.dataDirectory()) : Path.of(keyFile));
	}

	public static Path defaultKeyFile(Path dataDirectory) {
		return dataDirectory.resolve("keys").resolve("token-signing-key.pem");
	}

	/**
	 * Bearer tokens: signed with OneTrip's key (minted by {@code ./onetrip token}, issuer "onetrip", or issued by the
	 * authorization server, issuer this server's address) or, when configured, by an external issuer's keys.
	 */
	@Bean
	public JwtDecoder jwtDecoder(TokenKeys keys, @Value("${onetrip.security.jwk-set-uri:}") String jwkSetUri,
			@Value("${onetrip.security.issuer:" + TokenKeys.ISSUER + "}") String issuer,
			org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings ownServer) {
		NimbusJwtDecoder decoder = jwkSetUri.isBlank() ? NimbusJwtDecoder.withPublicKey(keys.publicKey()).build()
				: NimbusJwtDecoder.withJwkSetUri(jwkSetUri).build();
		OAuth2TokenValidator<Jwt> issuers = jwkSetUri.isBlank() ? new JwtClaimValidator<String>(JwtClaimNames.ISS,
				iss -> issuer.equals(iss) || SmartConfigurationEndpoint.issuer(ownServer).equals(iss)) : new JwtIssuerValidator(issuer);
		// An access token names its scopes; an OpenID id_token (same key, no scope) is not a bearer token.
		OAuth2TokenValidator<Jwt> scoped = new JwtClaimValidator<Object>("scope", java.util.Objects::nonNull);
		decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(JwtValidators.createDefault(), issuers, scoped));
		return new VerifiedTokenCache(decoder, java.time.Clock.systemUTC());
	}

	@Bean
	public SecurityFilterChain securityFilterChain(HttpSecurity http, JwtDecoder decoder, FhirContext fhirContext,
			AuditTrail audit, @Value("${onetrip.security.open:false}") boolean open) throws Exception {
		http.csrf(csrf -> csrf.disable())
				.sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
				.httpBasic(b -> b.disable()).formLogin(f -> f.disable()).logout(l -> l.disable()).requestCache(c -> c.disable());
		if (open) {
			http.authorizeHttpRequests(a -> a.anyRequest().permitAll());
			return http.build();
		}
		AuthenticationEntryPoint unauthenticated = (request, response, failure) -> {
			refusalAudit(audit, request, 401, failure);
			response.setHeader("WWW-Authenticate", "Bearer realm=\"onetrip\"" + (failure.getMessage() == null ? ""
					: ", error=\"invalid_token\""));
			writeOutcome(fhirContext, response, 401, failure.getMessage() == null || request.getHeader("Authorization") == null
					? "A bearer token is needed (Authorization: Bearer ...); ./onetrip token mints one for the demo"
					: "The bearer token was refused: " + failure.getMessage());
		};
		AccessDeniedHandler denied = (request, response, failure) ->
				writeOutcome(fhirContext, response, 403, "Not allowed: " + failure.getMessage());
		http.authorizeHttpRequests(a -> a
						.requestMatchers(PUBLIC).permitAll()
						.requestMatchers(org.springframework.http.HttpMethod.GET, "/cds-services").permitAll()
						.anyRequest().authenticated())
				.oauth2ResourceServer(o -> o.bearerTokenResolver(new BearerTokenFromHeader()).jwt(j -> j.decoder(decoder))
						.authenticationEntryPoint(unauthenticated)
						.accessDeniedHandler(denied))
				.exceptionHandling(e -> e.authenticationEntryPoint(unauthenticated).accessDeniedHandler(denied));
		return http.build();
	}

	private static void refusalAudit(AuditTrail audit, HttpServletRequest request, int status, AuthenticationException failure) {
		audit.record(new AuditRecord(Instant.now(), "login", "E", "bearer-token", "unauthenticated", null, request.getRemoteAddr(),
				request.getMethod() + " " + FhirAuditInterceptor.withoutSecrets(request.getRequestURI()), List.of(), List.of(), status,
				request.getHeader("Authorization") == null ? "no bearer token" : "token refused: " + failure.getMessage(), false));
	}

	static void writeOutcome(FhirContext fhirContext, HttpServletResponse response, int status, String diagnostics) throws IOException {
		org.onetrip.server.hapi.OperationOutcomeResponse.write(fhirContext, response, status,
				status == 401 ? OperationOutcome.IssueType.LOGIN : OperationOutcome.IssueType.FORBIDDEN, diagnostics);
	}

	/**
	 * Spring Security's firewall refuses some requests before any endpoint (a method it does not allow, a path with
	 * characters it will not normalise): as an OperationOutcome, 405 for a method, 400 otherwise.
	 */
	@Bean
	public org.springframework.security.web.firewall.RequestRejectedHandler requestRejectedHandler(FhirContext fhirContext) {
		return (request, response, rejected) -> {
			boolean method = rejected.getMessage() != null && rejected.getMessage().contains("HTTP method");
			int status = method ? 405 : 400;
			org.onetrip.server.hapi.OperationOutcomeResponse.write(fhirContext, request, response, status,
					org.onetrip.server.hapi.OperationOutcomeResponse.issueType(status),
					method ? "The method " + request.getMethod() + " is not served by OneTrip"
							: "The request was refused before it reached an endpoint: " + rejected.getMessage());
		};
	}

	/** Spring Security's firewall, its character rules checked without regular expressions ({@link FirewallCharacterRules}). */
	@Bean
	public org.springframework.security.web.firewall.HttpFirewall httpFirewall() {
		return FirewallCharacterRules.firewall();
	}

	/**
	 * After Spring Security: DICOMweb and CDS Hooks under the same scopes, hospital and audit as FHIR. Built on the first
	 * request ({@link DeferredFilter}): its parts reach into HAPI's storage, which is not to be built while Tomcat starts.
	 */
	@Bean
	public org.springframework.boot.web.servlet.FilterRegistrationBean<DeferredFilter> endpointAccessFilter(
			ObjectProvider<FhirContext> fhirContext, ObjectProvider<RegionDirectory> directory, ObjectProvider<AuditTrail> audit,
			@Value("${onetrip.security.open:false}") boolean open, ObjectProvider<DaoRegistry> daoRegistry,
			ObjectProvider<PersonResolver> persons, ObjectProvider<CareRelationships> care) {
		// An ImagingStudy's id is its Study Instance UID; its subject is the Patient the study was filed under.
		java.util.function.Function<String, java.util.Optional<String>> subjectOfStudy = uid -> {
			try {
				var study = daoRegistry.getObject().getResourceDao(org.hl7.fhir.r4.model.ImagingStudy.class)
						.read(new org.hl7.fhir.r4.model.IdType("ImagingStudy", uid), new ca.uhn.fhir.rest.api.server.SystemRequestDetails());
				return java.util.Optional.ofNullable(study.getSubject().getReferenceElement().getIdPart());
			} catch (ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException | ca.uhn.fhir.rest.server.exceptions.ResourceGoneException e) {
				return java.util.Optional.empty();
			}
		};
		var registration = new org.springframework.boot.web.servlet.FilterRegistrationBean<>(new DeferredFilter(
				() -> new EndpointAccessFilter(fhirContext.getObject(), directory.getObject(), audit.getObject(), open,
						subjectOfStudy, persons.getObject(), care.getObject())));
		registration.setName("endpointAccessFilter");
		registration.addUrlPatterns("/dicomweb/*", "/cds-services/*", "/cds-services");
		registration.setOrder(org.springframework.core.Ordered.LOWEST_PRECEDENCE - 10);
		return registration;
	}

	@Bean
	public org.onetrip.server.audit.AuditEventStore auditEventStore(javax.sql.DataSource dataSource) {
		return new org.onetrip.server.audit.AuditEventStore(new org.springframework.jdbc.core.JdbcTemplate(dataSource));
	}

	@Bean
	public AuditTrail auditTrail(org.onetrip.server.audit.AuditEventStore store, DaoRegistry daoRegistry, FhirContext fhirContext,
			PlatformTransactionManager transactions, MeterRegistry meters, javax.sql.DataSource dataSource) {
		return new AuditTrail(store, daoRegistry, fhirContext, transactions, meters, new org.springframework.jdbc.core.JdbcTemplate(dataSource));
	}

	/** AuditEvents are read and searched from OneTrip's own audit table, not HAPI's resource tables. */
	@Bean
	public FhirServerContribution auditEvents(org.onetrip.server.audit.AuditEventStore store, RegionDirectory directory,
			FhirContext fhirContext, org.onetrip.server.hapi.StoredResources storedResources,
			ca.uhn.fhir.interceptor.api.IInterceptorService storageInterceptors) {
		var rendering = new org.onetrip.server.audit.AuditEventRendering(directory, storedResources, fhirContext);
		return FhirServerContribution.resourceProviderInsteadOfHapis(
				new org.onetrip.server.audit.AuditEventProvider(store, rendering, storageInterceptors));
	}

	/** On the storage interceptors: deletes of audited records are judged by their other referrers only. */
	@Bean
	public org.onetrip.server.audit.AuditReferencesDoNotPin auditReferencesDoNotPin(org.springframework.jdbc.core.JdbcTemplate jdbc,
			ca.uhn.fhir.interceptor.api.IInterceptorService storageInterceptors) {
		var interceptor = new org.onetrip.server.audit.AuditReferencesDoNotPin(jdbc);
		storageInterceptors.registerInterceptor(interceptor);
		return interceptor;
	}

	@Bean
	public Ownership ownership(RegionDirectory directory) {
		return new Ownership(directory);
	}

	@Bean
	public FhirAccessInterceptor fhirAccessInterceptor(FhirContext fhirContext, Ownership ownership, RegionDirectory directory,
			PersonResolver persons, CareRelationships care, @Value("${onetrip.security.open:false}") boolean open) {
		return new FhirAccessInterceptor(fhirContext, ownership, directory, persons, care, open);
	}

	@Bean
	public FhirServerContribution fhirAccess(FhirAccessInterceptor fhirAccessInterceptor) {
		return FhirServerContribution.interceptor(fhirAccessInterceptor);
	}

	/** What a practitioner reads of other hospitals: their hospital's part in the person's care, or a consult they took. */
	@Bean
	public CareRelationships careRelationships(org.springframework.jdbc.core.JdbcTemplate jdbc, PersonResolver persons,
			org.onetrip.server.consultation.ConsultationLedger consults) {
		return new CareRelationships(jdbc, persons, consults::openConsultTakenBy);
	}

	@Bean
	public FhirServerContribution fhirAudit(AuditTrail trail) {
		return FhirServerContribution.interceptor(new FhirAuditInterceptor(trail));
	}

	@EventListener(ApplicationReadyEvent.class)
	public void warnWhenOpen(ApplicationReadyEvent ready) {
		if (ready.getApplicationContext().getEnvironment().getProperty("onetrip.security.open", Boolean.class, false)) {
			String line = "*".repeat(100);
			log.warn("\n{}\n*  OPEN ACCESS: onetrip.security.open=true. No bearer token is checked; every caller acts for the whole\n"
					+ "*  region with every permission (X-OneTrip-Hospital names a hospital). Never run a real region like this.\n{}",
					line, line);
		}
	}
}
