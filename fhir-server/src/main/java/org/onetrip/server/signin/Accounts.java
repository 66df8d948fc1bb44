package org.onetrip.server.signin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The accounts people sign in with, in OneTrip's database (so every instance on it sees one lock-out count).
 * An account is opened by an activation code (handed out at a hospital desk with the health card, or to a
 * practitioner by the region); redeeming the code sets the password. The same code path resets a forgotten password:
 * the desk issues a new code for the same person.
 * <p>
 * Login names: a patient signs in with any of their citizen ID and health-card numbers, staff with a user name; all
 * of them live in one table, upper-cased, each naming exactly one account.
 */
public class Accounts {

	/** Failed sign-ins (or activation codes) in a row before the account is locked for {@link #LOCK_TIME}. */
	public static final int MAX_FAILURES = 5;
	public static final Duration LOCK_TIME = Duration.ofMinutes(15);

	/** No 0/O, 1/I/L: read aloud at a desk or typed from paper without doubt. 12 of 31 symbols: ~59 bits. */
	private static final String CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
	private static final int CODE_LENGTH = 12;

	private final JdbcTemplate jdbc;
	private final TransactionTemplate transaction;
	private final SecureRandom random = new SecureRandom();

	public Accounts(JdbcTemplate jdbc, PlatformTransactionManager transactions) {
		this.jdbc = jdbc;
		this.transaction = new TransactionTemplate(transactions);
		jdbc.execute("CREATE TABLE IF NOT EXISTS OT_ACCOUNT (ID VARCHAR(64) NOT NULL PRIMARY KEY, KIND VARCHAR(16) NOT NULL, "
				+ "DISPLAY_NAME VARCHAR(200), HOSPITAL VARCHAR(64), FHIR_USER VARCHAR(200) NOT NULL, PATIENT_ID VARCHAR(128), "
				+ "PASSWORD_HASH VARCHAR(200), ACTIVATION_HASH VARCHAR(64), ACTIVATION_EXPIRES TIMESTAMP WITH TIME ZONE, "
				+ "FAILED_ATTEMPTS INT NOT NULL DEFAULT 0, LOCKED_UNTIL TIMESTAMP WITH TIME ZONE, "
				+ "CREATED TIMESTAMP WITH TIME ZONE NOT NULL)");
		jdbc.execute("CREATE TABLE IF NOT EXISTS OT_ACCOUNT_LOGIN (LOGIN VARCHAR(200) NOT NULL PRIMARY KEY, "
				+ "ACCOUNT_ID VARCHAR(64) NOT NULL REFERENCES OT_ACCOUNT (ID) ON DELETE CASCADE)");
		jdbc.execute("CREATE INDEX IF NOT EXISTS OT_ACCOUNT_LOGIN_ACCOUNT ON OT_ACCOUNT_LOGIN (ACCOUNT_ID)");
	}

	/** What an activation gives the person who opens the account. */
	public record Activation(String accountId, String code, Instant expires, List<String> logins) {}

	/** Who the new (or re-activated) account is for. */
	public record Holder(Account.Kind kind, String displayName, String hospital, String fhirUser, String patientId) {}

	/**
	 * The login names belong to an account of someone else (or to several accounts): nothing is changed, and the desk
	 * must sort out who is who first.
	 */
	public static final class LoginsOfSomeoneElse extends RuntimeException {
		LoginsOfSomeoneElse(String message) {
			super(message);
		}
	}

	public static String normalise(String login) {
		return login == null ? "" : login.trim().toUpperCase(Locale.ROOT);
	}

	/**
	 * A new activation code for the account these login names open: the account they already name (its password is
	 * replaced when the code is redeemed) when {@code sameHolder} says it is this holder's, else a new one. An account
	 * of someone else is never repointed: that would hand a stranger's account to whoever asked.
	 */
	public Activation issueActivation(Holder holder, Collection<String> logins, java.util.function.Predicate<Account> sameHolder,
			Instant now, Duration validity) {
		Set<String> names = new LinkedHashSet<>();
		logins.stream().map(Accounts::normalise).filter(s -> !s.isEmpty()).forEach(names::add);
		if (names.isEmpty()) {
			throw new IllegalArgumentException("an account needs at least one login name");
		}
		String code = newCode();
		Instant expires = now.plus(validity);
		String accountId = transaction.execute(status -> {
			List<String> owners = jdbc.queryForList("SELECT ACCOUNT_ID FROM OT_ACCOUNT_LOGIN WHERE LOGIN = ANY (?) FOR UPDATE",
					String.class, (Object) names.toArray(String[]::new)).stream().distinct().toList();
			if (owners.size() > 1) {
				throw new LoginsOfSomeoneElse("the login names " + names + " already belong to different accounts");
			}
			if (owners.size() == 1 && !byId(owners.get(0)).filter(sameHolder).isPresent()) {
				throw new LoginsOfSomeoneElse("a login name of " + names + " already belongs to another person's account");
			}
			String id = owners.isEmpty() ? UUID.randomUUID().toString() : owners.get(0);
			if (owners.isEmpty()) {
				jdbc.update("INSERT INTO OT_ACCOUNT (ID, KIND, DISPLAY_NAME, HOSPITAL, FHIR_USER, PATIENT_ID, ACTIVATION_HASH, "
						+ "ACTIVATION_EXPIRES, CREATED) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", id, holder.kind().code(), holder.displayName(),
						holder.hospital(), holder.fhirUser(), holder.patientId(), hash(code), Timestamp.from(expires), Timestamp.from(now));
			} else {
				jdbc.update("UPDATE OT_ACCOUNT SET DISPLAY_NAME = ?, HOSPITAL = ?, FHIR_USER = ?, PATIENT_ID = ?, ACTIVATION_HASH = ?, "
						+ "ACTIVATION_EXPIRES = ? WHERE ID = ?", holder.displayName(), holder.hospital(), holder.fhirUser(),
						holder.patientId(), hash(code), Timestamp.from(expires), id);
			}
			for (String name : names) {
				jdbc.update("INSERT INTO OT_ACCOUNT_LOGIN (LOGIN, ACCOUNT_ID) VALUES (?, ?) ON CONFLICT (LOGIN) DO NOTHING", name, id);
			}
			// Two desks opening the same person's account at once: the second sees the first's login names once the
			// first commits, and gives way (rolled back) rather than leave an account nobody can sign in to.
			Integer others = jdbc.queryForObject("SELECT COUNT(*) FROM OT_ACCOUNT_LOGIN WHERE LOGIN = ANY (?) AND ACCOUNT_ID <> ?",
					Integer.class, names.toArray(String[]::new), id);
			if (others != null && others > 0) {
				throw new LoginsOfSomeoneElse("the login names " + names + " were just given to another account");
			}
			return id;
		});
		return new Activation(accountId, format(code), expires, List.copyOf(names));
	}

	/**
	 * Sets the password of the account {@code login} names when {@code code} is its unexpired activation code; a wrong
	 * code counts as a failed sign-in. Empty whatever the reason (no such login, wrong or expired code, locked).
	 */
	public Optional<Account> redeemActivation(String login, String code, String passwordHash, Instant now) {
		Optional<Account> account = byLogin(login);
		if (account.isEmpty()) {
			return Optional.empty();
		}
		if (account.get().lockedAt(now)) {
			return Optional.empty();
		}
		int changed = jdbc.update("UPDATE OT_ACCOUNT SET PASSWORD_HASH = ?, ACTIVATION_HASH = NULL, ACTIVATION_EXPIRES = NULL, "
				+ "FAILED_ATTEMPTS = 0, LOCKED_UNTIL = NULL WHERE ID = ? AND ACTIVATION_HASH = ? AND ACTIVATION_EXPIRES > ?",
				passwordHash, account.get().id(), hash(normaliseCode(code)), Timestamp.from(now));
		if (changed == 0) {
			failed(account.get().id(), now);
			return Optional.empty();
		}
		return byId(account.get().id());
	}

	public Optional<Account> byLogin(String login) {
		return jdbc.query("SELECT A.* FROM OT_ACCOUNT A JOIN OT_ACCOUNT_LOGIN L ON L.ACCOUNT_ID = A.ID WHERE L.LOGIN = ?",
				Accounts::account, normalise(login)).stream().findFirst();
	}

	public Optional<Account> byId(String id) {
		return jdbc.query("SELECT * FROM OT_ACCOUNT WHERE ID = ?", Accounts::account, id).stream().findFirst();
	}

	public List<String> logins(String accountId) {
		return jdbc.queryForList("SELECT LOGIN FROM OT_ACCOUNT_LOGIN WHERE ACCOUNT_ID = ? ORDER BY LOGIN", String.class, accountId);
	}

	/**
	 * Counts a sign-in attempt before its password is checked, so that attempts in parallel (on any instance) cannot
	 * try more than {@link #MAX_FAILURES} passwords per lock period: one statement takes the row's lock and the count.
	 * False when the account is locked, or when this attempt is one too many (it then locks the account unchecked).
	 */
	public boolean beginAttempt(String accountId, Instant now) {
		Integer count = jdbc.query("UPDATE OT_ACCOUNT SET FAILED_ATTEMPTS = FAILED_ATTEMPTS + 1 WHERE ID = ? "
				+ "AND (LOCKED_UNTIL IS NULL OR LOCKED_UNTIL <= ?) RETURNING FAILED_ATTEMPTS",
				rs -> rs.next() ? rs.getInt(1) : null, accountId, Timestamp.from(now));
		if (count == null) {
			return false;
		}
		if (count > MAX_FAILURES) {
			jdbc.update("UPDATE OT_ACCOUNT SET LOCKED_UNTIL = ?, FAILED_ATTEMPTS = 0 WHERE ID = ?", Timestamp.from(now.plus(LOCK_TIME)),
					accountId);
			return false;
		}
		return true;
	}

	/**
	 * An attempt counted by {@link #beginAttempt} failed: at the {@link #MAX_FAILURES}th in a row the account is locked
	 * for {@link #LOCK_TIME} and the count starts again.
	 *
	 * @return whether this failure locked the account
	 */
	public boolean attemptFailed(String accountId, Instant now) {
		return jdbc.update("UPDATE OT_ACCOUNT SET LOCKED_UNTIL = ?, FAILED_ATTEMPTS = 0 WHERE ID = ? AND FAILED_ATTEMPTS >= ?",
				Timestamp.from(now.plus(LOCK_TIME)), accountId, MAX_FAILURES) == 1;
	}

	/**
	 * One more failure in a row outside sign-in (a wrong activation code); the {@link #MAX_FAILURES}th locks the account
	 * for {@link #LOCK_TIME} and starts the count again. One statement, so failures on two instances are both counted.
	 *
	 * @return whether this failure locked the account
	 */
	public boolean failed(String accountId, Instant now) {
		Timestamp lockedUntil = Timestamp.from(now.plus(LOCK_TIME));
		return Boolean.TRUE.equals(jdbc.queryForObject("UPDATE OT_ACCOUNT SET "
				+ "LOCKED_UNTIL = CASE WHEN FAILED_ATTEMPTS + 1 >= ? THEN ? ELSE LOCKED_UNTIL END, "
				+ "FAILED_ATTEMPTS = CASE WHEN FAILED_ATTEMPTS + 1 >= ? THEN 0 ELSE FAILED_ATTEMPTS + 1 END "
				+ "WHERE ID = ? RETURNING FAILED_ATTEMPTS = 0", Boolean.class, MAX_FAILURES, lockedUntil, MAX_FAILURES, accountId));
	}

	public void signedIn(String accountId) {
		jdbc.update("UPDATE OT_ACCOUNT SET FAILED_ATTEMPTS = 0 WHERE ID = ? AND FAILED_ATTEMPTS <> 0", accountId);
	}

	private static Account account(ResultSet rs, int row) throws SQLException {
		Timestamp locked = rs.getTimestamp("LOCKED_UNTIL");
		return new Account(rs.getString("ID"), Account.Kind.ofCode(rs.getString("KIND")), rs.getString("DISPLAY_NAME"),
				rs.getString("HOSPITAL"), rs.getString("FHIR_USER"), rs.getString("PATIENT_ID"), rs.getString("PASSWORD_HASH"),
				rs.getInt("FAILED_ATTEMPTS"), locked == null ? null : locked.toInstant());
	}

	private String newCode() {
		StringBuilder code = new StringBuilder(CODE_LENGTH);
		for (int i = 0; i < CODE_LENGTH; i++) {
			code.append(CODE_ALPHABET.charAt(random.nextInt(CODE_ALPHABET.length())));
		}
		return code.toString();
	}

	/** XXXX-XXXX-XXXX, as printed on the slip; any spacing or dashes, any case, is accepted back. */
	private static String format(String code) {
		return code.substring(0, 4) + "-" + code.substring(4, 8) + "-" + code.substring(8);
	}

	private static String normaliseCode(String code) {
		return code == null ? "" : code.replaceAll("[\\s-]", "").toUpperCase(Locale.ROOT);
	}

	/** Codes are kept only as hashes: a copy of the database opens no account. */
	private static String hash(String code) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(code.getBytes(StandardCharsets.UTF_8)));
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}
}
