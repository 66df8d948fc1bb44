package org.onetrip.server.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.List;
import java.util.Optional;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/** The {@link Caller} of the request being served, from the bearer token Spring Security verified. */
public final class Callers {

	/** The hospital the token speaks for (its key in config/region.yaml); absent for region-level callers. */
	public static final String HOSPITAL_CLAIM = "hospital";
	/** A patient token: the Patient id whose records it opens. */
	public static final String PATIENT_CLAIM = "patient";
	/** SMART's signed-in person: a practitioner's token names their Practitioner (an absolute or relative URL). */
	public static final String FHIR_USER_CLAIM = "fhirUser";

	/**
	 * The Caller of each verified token, made once per token object (the verified-token cache hands back the same
	 * object for the same token): a request asked for its caller several times, each time parsing the token's scopes
	 * anew (2-3 % of a booking storm's request CPU). Weak keys: an entry lives as long as its token object does.
	 */
	private static final Cache<Jwt, Caller> CALLER_OF_TOKEN = Caffeine.newBuilder().weakKeys().maximumSize(10_000).build();

	private Callers() {}

	/** The verified caller; empty when the request carried no token (open mode, or a public endpoint). */
	public static Optional<Caller> current() {
		Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
		if (authentication instanceof JwtAuthenticationToken token) {
			return Optional.of(CALLER_OF_TOKEN.get(token.getToken(), Callers::of));
		}
		if (authentication != null && authentication.getPrincipal() instanceof Caller caller) {
			return Optional.of(caller);
		}
		return Optional.empty();
	}

	static Caller of(Jwt jwt) {
		// One space-separated string (RFC 9068, and what OneTrip issues); a list from other issuers.
		Object claim = jwt.getClaim("scope");
		String scope = claim instanceof java.util.Collection<?> list ? String.join(" ", list.stream().map(String::valueOf).toList())
				: jwt.getClaimAsString("scope");
		List<SmartScope> scopes = List.copyOf(SmartScope.parseAll(scope));
		String patient = jwt.getClaimAsString(PATIENT_CLAIM);
		SmartScope.Context context;
		if (patient != null && !patient.isBlank()) {
			context = SmartScope.Context.PATIENT;
			patient = patient.startsWith("Patient/") ? patient.substring("Patient/".length()) : patient;
		} else {
			context = scopes.stream().anyMatch(s -> s.context() == SmartScope.Context.SYSTEM) ? SmartScope.Context.SYSTEM
					: SmartScope.Context.USER;
			patient = null;
		}
		String hospital = jwt.getClaimAsString(HOSPITAL_CLAIM);
		return new Caller(jwt.getSubject() == null ? "unknown" : jwt.getSubject(),
				hospital == null || hospital.isBlank() ? null : hospital, context, scopes, patient,
				context == SmartScope.Context.PATIENT ? null : practitionerOf(jwt.getClaimAsString(FHIR_USER_CLAIM)));
	}

	/** The Practitioner id a fhirUser claim names ({@code .../Practitioner/x}), or null for anyone else. */
	static String practitionerOf(String fhirUser) {
		if (fhirUser == null) {
			return null;
		}
		String[] parts = fhirUser.replaceFirst("/_history/.*$", "").split("/");
		return parts.length >= 2 && "Practitioner".equals(parts[parts.length - 2]) && !parts[parts.length - 1].isBlank()
				? parts[parts.length - 1] : null;
	}
}
