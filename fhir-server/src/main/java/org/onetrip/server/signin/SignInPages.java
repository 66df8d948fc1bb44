package org.onetrip.server.signin;

import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.onetrip.server.audit.AuditTrail;
import org.onetrip.server.security.Interaction;
import org.onetrip.server.security.SmartScope;
import org.springframework.context.MessageSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.oauth2.core.oidc.OidcScopes;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationConsent;
import org.springframework.security.oauth2.core.endpoint.OAuth2AuthorizationRequest;
import org.springframework.security.oauth2.core.endpoint.OAuth2ParameterNames;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationConsentService;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * The pages a person sees: sign in, activate an account with the code from the desk, consent to what an app asks,
 * and see (and withdraw) what was granted. Server-rendered (Thymeleaf), in English or Chinese, usable on a phone.
 */
@Controller
public class SignInPages {

	static final int MIN_PASSWORD_LENGTH = 10;

	private final Accounts accounts;
	private final PasswordEncoder passwords;
	private final RegisteredClientRepository clients;
	private final OAuth2AuthorizationConsentService consents;
	private final OAuth2AuthorizationService authorizations;
	private final JdbcTemplate jdbc;
	private final MessageSource messages;
	private final AuditTrail audit;
	private final Clock clock;

	public SignInPages(Accounts accounts, PasswordEncoder passwords, RegisteredClientRepository clients,
			OAuth2AuthorizationConsentService consents, OAuth2AuthorizationService authorizations, JdbcTemplate jdbc, MessageSource messages, AuditTrail audit, Clock clock) {
		this.accounts = accounts;
		this.passwords = passwords;
		this.clients = clients;
		this.consents = consents;
		this.authorizations = authorizations;
		this.jdbc = jdbc;
		this.messages = messages;
		this.audit = audit;
		this.clock = clock;
	}

	/** The same page in the other language (every page has the link; the choice is then kept in a cookie). */
	@ModelAttribute("otherLanguageLink")
	public String otherLanguageLink(HttpServletRequest request, Locale locale) {
		String other = "zh".equals(locale.getLanguage()) ? "en" : "zh";
		return UriComponentsBuilder.fromUriString(request.getRequestURI()).query(request.getQueryString())
				.replaceQueryParam("lang", other).build().toUriString();
	}

	@GetMapping(SignInConfiguration.SIGN_IN_PAGE)
	public String signIn(@RequestParam Optional<String> error, @RequestParam Optional<String> signedout,
			@RequestParam Optional<String> activated, Model model) {
		model.addAttribute("refused", error.isPresent());
		model.addAttribute("signedOut", signedout.isPresent());
		model.addAttribute("activated", activated.isPresent());
		return "signin";
	}

	@GetMapping("/account/activate")
	public String activation(Model model) {
		return "activate";
	}

	@PostMapping("/account/activate")
	public String activate(@RequestParam String login, @RequestParam String code, @RequestParam String password,
			@RequestParam String confirm, HttpServletRequest request, Model model) {
		model.addAttribute("login", login);
		String problem = password.length() < MIN_PASSWORD_LENGTH ? "activate.password.short"
				: !password.equals(confirm) ? "activate.password.mismatch"
				: password.trim().equalsIgnoreCase(login.trim()) ? "activate.password.login" : null;
		if (problem != null) {
			model.addAttribute("problem", problem);
			return "activate";
		}
		Optional<Account> account = accounts.redeemActivation(login, code, passwords.encode(password), clock.instant());
		audit.record(SignInAudit.record(clock, "activation", account.map(Account::id).orElse("login:" + Accounts.normalise(login)),
				account.map(Account::hospital).orElse(null), request.getRemoteAddr(), "POST /account/activate",
				account.map(Account::patientId).map(p -> List.of("Patient/" + p)).orElse(List.of()), account.isPresent() ? 200 : 401,
				account.isPresent() ? null : "unknown login, wrong or expired code, or a locked account"));
		if (account.isEmpty()) {
			model.addAttribute("problem", "activate.refused");
			return "activate";
		}
		return "redirect:" + SignInConfiguration.SIGN_IN_PAGE + "?activated";
	}

	/** Spring Authorization Server sends the person here with the scopes to approve; the form posts back to it. */
	@GetMapping(SignInConfiguration.CONSENT_PAGE)
	public String consent(Principal principal, @RequestParam("client_id") String clientId, @RequestParam("scope") String scope,
			@RequestParam("state") String state, Locale locale, Model model) {
		RegisteredClient client = clients.findByClientId(clientId);
		if (client == null) {
			model.addAttribute("problem", "consent.unknown-client");
			return "consent";
		}
		OAuth2AuthorizationConsent previous = consents.findById(client.getId(), principal.getName());
		Set<String> alreadyGranted = previous == null ? Set.of() : previous.getScopes();
		List<ScopeLine> toApprove = new ArrayList<>();
		List<ScopeLine> granted = new ArrayList<>();
		for (String requested : new LinkedHashSet<>(List.of(scope.trim().split("\\s+")))) {
			if (OidcScopes.OPENID.equals(requested)) {
				continue; // granted with the sign-in itself: nothing to choose
			}
			(alreadyGranted.contains(requested) ? granted : toApprove).add(new ScopeLine(requested, describe(requested, locale)));
		}
		model.addAttribute("clientId", clientId);
		model.addAttribute("clientName", client.getClientName());
		model.addAttribute("state", state);
		model.addAttribute("toApprove", toApprove);
		model.addAttribute("granted", granted);
		model.addAttribute("person", accounts.byId(principal.getName()).map(Account::displayName).orElse(""));
		return "consent";
	}

	/**
	 * Deny: the app is told access_denied at its redirect URI, with its own state, and the pending request is dropped.
	 * (Posting no scope to the authorization endpoint would not do: Spring Authorization Server adds back what the
	 * person granted earlier and answers with a code.)
	 */
	@PostMapping(SignInConfiguration.CONSENT_PAGE + "/deny")
	public String deny(Principal principal, @RequestParam("state") String consentState, HttpServletRequest request) {
		OAuth2Authorization pending = authorizations.findByToken(consentState, new OAuth2TokenType(OAuth2ParameterNames.STATE));
		OAuth2AuthorizationRequest asked = pending == null ? null : pending.getAttribute(OAuth2AuthorizationRequest.class.getName());
		if (asked == null || !pending.getPrincipalName().equals(principal.getName())) {
			return "redirect:/account";
		}
		authorizations.remove(pending);
		audit.record(SignInAudit.record(clock, "consent", principal.getName(), null, request.getRemoteAddr(),
				"POST /oauth2/consent/deny client=" + asked.getClientId(), List.of(), 403, "access_denied: the person said no"));
		UriComponentsBuilder back = UriComponentsBuilder.fromUriString(asked.getRedirectUri()).queryParam("error", "{error}");
		java.util.Map<String, String> values = new java.util.HashMap<>(java.util.Map.of("error", "access_denied"));
		if (asked.getState() != null) {
			back.queryParam("state", "{state}");
			values.put("state", asked.getState());
		}
		return "redirect:" + back.build(values).toString();
	}

	/** What the signed-in person granted to which app, with a button to withdraw each. */
	@GetMapping("/account")
	public String account(Principal principal, Locale locale, Model model) {
		Optional<Account> account = accounts.byId(principal.getName());
		model.addAttribute("account", account.orElse(null));
		model.addAttribute("logins", account.map(a -> accounts.logins(a.id())).orElse(List.of()));
		List<Grant> grants = new ArrayList<>();
		jdbc.query("SELECT registered_client_id, authorities FROM oauth2_authorization_consent WHERE principal_name = ? "
				+ "ORDER BY registered_client_id", rs -> {
			RegisteredClient client = clients.findById(rs.getString(1));
			if (client != null) {
				List<ScopeLine> scopes = new ArrayList<>();
				for (String authority : rs.getString(2).split(",")) {
					if (authority.startsWith("SCOPE_")) {
						String scope = authority.substring("SCOPE_".length());
						scopes.add(new ScopeLine(scope, describe(scope, locale)));
					}
				}
				grants.add(new Grant(client.getClientId(), client.getClientName(), scopes));
			}
		}, principal.getName());
		model.addAttribute("grants", grants);
		return "account";
	}

	/** Withdrawal: the consent goes, and with it every code and token the app holds for this person. */
	@PostMapping("/account/grants/withdraw")
	public String withdraw(Principal principal, @RequestParam("client_id") String clientId, HttpServletRequest request) {
		RegisteredClient client = clients.findByClientId(clientId);
		if (client != null) {
			OAuth2AuthorizationConsent consent = consents.findById(client.getId(), principal.getName());
			if (consent != null) {
				consents.remove(consent);
			}
			int revoked = jdbc.update("DELETE FROM oauth2_authorization WHERE registered_client_id = ? AND principal_name = ?",
					client.getId(), principal.getName());
			audit.record(SignInAudit.record(clock, "consent", principal.getName(), null, request.getRemoteAddr(),
					"POST /account/grants/withdraw client=" + clientId + " (" + revoked + " grants revoked)", List.of(), 200, null));
		}
		return "redirect:/account?withdrawn";
	}

	public record ScopeLine(String scope, String description) {}

	public record Grant(String clientId, String clientName, List<ScopeLine> scopes) {}

	/** A scope in words: "Read and search your Observation records" (or the Chinese), "Stay signed in" ... */
	String describe(String scope, Locale locale) {
		Optional<SmartScope> resource = SmartScope.parse(scope);
		if (resource.isEmpty()) {
			return messages.getMessage("scope." + scope, null, scope, locale);
		}
		List<String> actions = new ArrayList<>();
		for (Interaction interaction : Interaction.values()) {
			if (resource.get().interactions().contains(interaction)) {
				actions.add(messages.getMessage("scope.action." + interaction.name().toLowerCase(Locale.ROOT), null, locale));
			}
		}
		String type = "*".equals(resource.get().resourceType()) ? messages.getMessage("scope.type.all", null, locale)
				: resource.get().resourceType();
		String whose = "scope.whose." + resource.get().context().name().toLowerCase(Locale.ROOT);
		return messages.getMessage(whose, new Object[] {String.join(messages.getMessage("scope.action.separator", null, locale), actions),
				type}, locale);
	}
}
