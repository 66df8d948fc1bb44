package org.onetrip.server.signin;

import jakarta.servlet.http.HttpServletRequest;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.onetrip.server.audit.AuditRecord;
import org.onetrip.server.audit.AuditTrail;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * Checks a login name and password against {@link Accounts}. Every refusal reads the same (no answer tells whether an
 * account exists, is locked or not yet activated) and costs one password hash, so that timing does not tell either.
 * Every sign-in and refusal is audited with its true reason.
 * <p>
 * The principal is Spring's own {@link User} named by the account id: it is what the authorization server stores
 * with a grant (and reads back on another instance), and the id is the {@code sub} of every token.
 */
public class AccountSignIn implements AuthenticationProvider {

	/** What every refused sign-in says, whatever the reason. */
	public static final String REFUSED = "signin.refused";

	private final Accounts accounts;
	private final PasswordEncoder passwords;
	private final AuditTrail audit;
	private final Clock clock;
	/** Hashed once: what an unknown login is checked against, so it takes as long as a known one. */
	private final String unknownAccountHash;

	public AccountSignIn(Accounts accounts, PasswordEncoder passwords, AuditTrail audit, Clock clock) {
		this.accounts = accounts;
		this.passwords = passwords;
		this.audit = audit;
		this.clock = clock;
		this.unknownAccountHash = passwords.encode("no account has this password " + System.nanoTime());
	}

	@Override
	public Authentication authenticate(Authentication attempt) {
		String login = attempt.getName();
		String password = attempt.getCredentials() == null ? "" : attempt.getCredentials().toString();
		Instant now = clock.instant();
		Optional<Account> found = accounts.byLogin(login);
		if (found.isEmpty() || !found.get().activated() || found.get().lockedAt(now)) {
			passwords.matches(password, unknownAccountHash);
			String why = found.isEmpty() ? "no account has this login name"
					: !found.get().activated() ? "the account is not activated yet" : "the account is locked after repeated failures";
			audited(found.orElse(null), login, 401, why);
			throw new BadCredentialsException(REFUSED);
		}
		Account account = found.get();
		if (!accounts.beginAttempt(account.id(), now)) {
			passwords.matches(password, unknownAccountHash);
			audited(account, login, 401, "the account is locked after repeated failures");
			throw new BadCredentialsException(REFUSED);
		}
		if (!passwords.matches(password, account.passwordHash())) {
			boolean locked = accounts.attemptFailed(account.id(), now);
			audited(account, login, 401, locked ? "wrong password; the account is now locked for " + Accounts.LOCK_TIME.toMinutes()
					+ " minutes" : "wrong password");
			throw new BadCredentialsException(REFUSED);
		}
		accounts.signedIn(account.id());
		audited(account, login, 200, null);
		return authenticated(account);
	}

	/** The authentication a signed-in account has (also after activation, which signs the person in). */
	public static UsernamePasswordAuthenticationToken authenticated(Account account) {
		List<SimpleGrantedAuthority> authorities = List.of(new SimpleGrantedAuthority("ROLE_" + account.kind().name()));
		User principal = new User(account.id(), "", authorities);
		return UsernamePasswordAuthenticationToken.authenticated(principal, null, authorities);
	}

	@Override
	public boolean supports(Class<?> authentication) {
		return UsernamePasswordAuthenticationToken.class.isAssignableFrom(authentication);
	}

	private void audited(Account account, String login, int status, String failure) {
		audit.record(SignInAudit.record(clock, "sign-in", account == null ? "login:" + Accounts.normalise(login) : account.id(),
				account == null ? null : account.hospital(), currentAddress(), "POST /signin",
				account == null || account.patientId() == null ? List.of() : List.of("Patient/" + account.patientId()), status, failure));
	}

	static String currentAddress() {
		if (RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes attributes) {
			HttpServletRequest request = attributes.getRequest();
			return request.getRemoteAddr();
		}
		return null;
	}
}
