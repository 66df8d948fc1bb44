package org.onetrip.server.signin;

import java.util.Optional;
import java.util.Set;
import org.onetrip.server.security.Callers;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.endpoint.OAuth2AuthorizationRequest;
import org.springframework.security.oauth2.core.oidc.endpoint.OidcParameterNames;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;

/**
 * The claims that make a token issued here the same kind of token the FHIR endpoint already understands (the ones
 * {@code ./onetrip token} mints): {@code scope} as one space-separated string, {@code hospital} for a hospital's staff
 * or system, {@code patient} for a patient's own token or an app launched on one patient; and SMART's
 * {@code fhirUser} (access and id token).
 * <p>
 * Only a patient's own token carries {@code patient} (the FHIR endpoint then holds it to that person's records). A
 * practitioner's EHR launch gives the patient as the app's context (the token response), never as a claim: their token
 * stays a hospital user's, with their hospital's ownership rules and cross-hospital audit.
 */
public class SmartTokenClaims implements OAuth2TokenCustomizer<JwtEncodingContext> {

	/** Client setting: the hospital (region.yaml key) a backend service or a hospital's app speaks for. */
	public static final String CLIENT_HOSPITAL = "settings.client.onetrip.hospital";

	private final Accounts accounts;
	private final SmartLaunches launches;

	public SmartTokenClaims(Accounts accounts, SmartLaunches launches) {
		this.accounts = accounts;
		this.launches = launches;
	}

	/** Whose token it is and in which patient's context. */
	public record Context(Account account, String hospital, String patientId, boolean patientRestricted) {}

	@Override
	public void customize(JwtEncodingContext context) {
		String issuer = context.getAuthorizationServerContext().getIssuer();
		if (AuthorizationGrantType.CLIENT_CREDENTIALS.equals(context.getAuthorizationGrantType())) {
			if (OAuth2TokenType.ACCESS_TOKEN.equals(context.getTokenType())) {
				context.getClaims().claim("scope", String.join(" ", context.getAuthorizedScopes()));
				String hospital = clientHospital(context.getRegisteredClient());
				if (hospital != null) {
					context.getClaims().claim(Callers.HOSPITAL_CLAIM, hospital);
				}
			}
			return;
		}
		Context who = contextOf(context.getAuthorization(), context.getAuthorizedScopes())
				.orElseThrow(() -> new OAuth2AuthenticationException(new OAuth2Error(OAuth2ErrorCodes.INVALID_GRANT,
						"the account this grant was given by no longer exists", null)));
		String fhirUser = issuer + "/fhir/" + who.account().fhirUser();
		if (OAuth2TokenType.ACCESS_TOKEN.equals(context.getTokenType())) {
			context.getClaims().claim("scope", String.join(" ", context.getAuthorizedScopes()));
			context.getClaims().claim("fhirUser", fhirUser);
			if (who.hospital() != null) {
				context.getClaims().claim(Callers.HOSPITAL_CLAIM, who.hospital());
			}
			if (who.patientRestricted()) {
				context.getClaims().claim(Callers.PATIENT_CLAIM, who.patientId());
			}
		} else if (OidcParameterNames.ID_TOKEN.equals(context.getTokenType().getValue())) {
			context.getClaims().claim("fhirUser", fhirUser);
			if (who.account().displayName() != null) {
				context.getClaims().claim("name", who.account().displayName());
			}
		}
	}

	/** The context of a person's grant: their account, their hospital, and the patient in context (theirs, or the launch's). */
	public Optional<Context> contextOf(OAuth2Authorization authorization, Set<String> scopes) {
		if (authorization == null) {
			return Optional.empty();
		}
		return accounts.byId(authorization.getPrincipalName()).map(account -> {
			if (account.kind() == Account.Kind.PATIENT) {
				return new Context(account, null, account.patientId(), true);
			}
			String patient = launchOf(authorization).flatMap(launches::recorded).map(SmartLaunches.Launch::patientId).orElse(null);
			return new Context(account, account.hospital(), patient, false);
		});
	}

	static Optional<String> launchOf(OAuth2Authorization authorization) {
		OAuth2AuthorizationRequest request = authorization.getAttribute(OAuth2AuthorizationRequest.class.getName());
		if (request == null) {
			return Optional.empty();
		}
		return Optional.ofNullable((String) request.getAdditionalParameters().get("launch"));
	}

	public static String clientHospital(RegisteredClient client) {
		Object hospital = client.getClientSettings().getSetting(CLIENT_HOSPITAL);
		return hospital == null || hospital.toString().isBlank() ? null : hospital.toString();
	}
}
