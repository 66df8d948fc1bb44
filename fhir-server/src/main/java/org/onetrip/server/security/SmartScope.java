package org.onetrip.server.security;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * One SMART on FHIR resource scope: {@code <context>/<type or *>.<permissions>}, v2 letters ({@code .cruds},
 * {@code .rs}) or v1 words ({@code .read}, {@code .write}, {@code .*}). Scopes with a query restriction
 * ({@code ?category=...}) and anything else OneTrip does not understand grant nothing.
 */
public record SmartScope(Context context, String resourceType, Set<Interaction> interactions) {

	public enum Context { PATIENT, USER, SYSTEM }

	public boolean grants(Interaction interaction, String type) {
		return interactions.contains(interaction) && ("*".equals(resourceType) || resourceType.equals(type));
	}

	public static List<SmartScope> parseAll(String spaceSeparated) {
		List<SmartScope> scopes = new ArrayList<>();
		if (spaceSeparated != null) {
			for (String scope : spaceSeparated.trim().split("\\s+")) {
				parse(scope).ifPresent(scopes::add);
			}
		}
		return scopes;
	}

	public static Optional<SmartScope> parse(String scope) {
		int slash = scope.indexOf('/');
		int dot = scope.lastIndexOf('.');
		if (slash <= 0 || dot <= slash + 1 || scope.contains("?")) {
			return Optional.empty();
		}
		Context context;
		try {
			context = Context.valueOf(scope.substring(0, slash).toUpperCase(Locale.ROOT));
		} catch (IllegalArgumentException e) {
			return Optional.empty();
		}
		String type = scope.substring(slash + 1, dot);
		if (!"*".equals(type) && !type.matches("[A-Z][A-Za-z]+")) {
			return Optional.empty();
		}
		Set<Interaction> granted = permissions(scope.substring(dot + 1));
		return granted.isEmpty() ? Optional.empty() : Optional.of(new SmartScope(context, type, granted));
	}

	private static Set<Interaction> permissions(String text) {
		switch (text) {
			case "read": return EnumSet.of(Interaction.READ, Interaction.SEARCH);
			case "write": return EnumSet.of(Interaction.CREATE, Interaction.UPDATE, Interaction.DELETE);
			case "*": return EnumSet.allOf(Interaction.class);
			default: break;
		}
		// v2: the letters c r u d s, each at most once, in that order.
		if (!text.matches("c?r?u?d?s?") || text.isEmpty()) {
			return EnumSet.noneOf(Interaction.class);
		}
		Set<Interaction> granted = EnumSet.noneOf(Interaction.class);
		for (Interaction interaction : Interaction.values()) {
			if (text.indexOf(interaction.letter()) >= 0) {
				granted.add(interaction);
			}
		}
		return granted;
	}
}
