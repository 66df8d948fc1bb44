package org.onetrip.server.signin;

import java.util.Collection;
import java.util.Optional;
import org.onetrip.server.security.SmartScope;

/**
 * Which SMART scopes a client and a person may be given. A client is registered with broad scopes
 * ({@code patient/*.rs}); an app asks for what it needs ({@code patient/Observation.rs}, or the v1
 * {@code patient/Observation.read}), and is given it when a registered scope covers it.
 */
public final class SmartScopePolicy {

	private SmartScopePolicy() {}

	/** Whether one of {@code registered} covers {@code requested} (the same scope, or a resource scope that grants more). */
	public static boolean covers(Collection<String> registered, String requested) {
		if (registered.contains(requested)) {
			return true;
		}
		Optional<SmartScope> asked = SmartScope.parse(requested);
		if (asked.isEmpty()) {
			return false;
		}
		return registered.stream().map(SmartScope::parse).flatMap(Optional::stream).anyMatch(allowed ->
				allowed.context() == asked.get().context()
						&& ("*".equals(allowed.resourceType()) || allowed.resourceType().equals(asked.get().resourceType()))
						&& allowed.interactions().containsAll(asked.get().interactions()));
	}

	/**
	 * Whether this kind of account may hold {@code scope} at all: a patient only patient/ scopes (their own records),
	 * staff only user/ scopes (what their hospital may see; an EHR launch's patient is the app's context, not a limit
	 * that would make a practitioner's token a patient's); system/ scopes belong to backend services, never to a person.
	 */
	public static boolean allowedFor(Account.Kind kind, String scope) {
		Optional<SmartScope> resource = SmartScope.parse(scope);
		if (resource.isEmpty()) {
			return !scope.startsWith("system/") && !(kind == Account.Kind.PATIENT && scope.startsWith("user/"));
		}
		return switch (resource.get().context()) {
			case PATIENT -> kind == Account.Kind.PATIENT;
			case USER -> kind != Account.Kind.PATIENT;
			case SYSTEM -> false;
		};
	}

	/** Whether every scope is a system/ resource scope: what a backend service may ask for. */
	public static boolean isSystemScope(String scope) {
		return SmartScope.parse(scope).map(s -> s.context() == SmartScope.Context.SYSTEM).orElse(false);
	}

	/** SMART: a refresh token only with offline_access (kept) or online_access (while the user's session lasts). */
	public static boolean asksForRefresh(Collection<String> scopes) {
		return scopes.contains("offline_access") || scopes.contains("online_access");
	}
}
