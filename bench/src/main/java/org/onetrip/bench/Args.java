package org.onetrip.bench;

import java.util.HashMap;
import java.util.Map;

/**
 * {@code --name value}, {@code --name=value} and {@code --flag} command-line options. A value that itself starts with
 * "--" (server arguments) must use the {@code --name=value} form: {@code --server-args="--a=1 --b=2"}.
 */
public final class Args {

	private final Map<String, String> values = new HashMap<>();

	public Args(String[] args) {
		for (int i = 0; i < args.length; i++) {
			if (!args[i].startsWith("--")) {
				throw new IllegalArgumentException("unexpected argument '" + args[i] + "' (options look like --name value)");
			}
			String name = args[i].substring(2);
			int equals = name.indexOf('=');
			if (equals > 0) {
				values.put(name.substring(0, equals), name.substring(equals + 1));
				continue;
			}
			if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
				values.put(name, args[++i]);
			} else {
				values.put(name, "true");
			}
		}
	}

	public String get(String name, String fallback) {
		return values.getOrDefault(name, fallback);
	}

	public String required(String name) {
		String value = values.get(name);
		if (value == null) {
			throw new IllegalArgumentException("--" + name + " is required");
		}
		return value;
	}

	public int integer(String name, int fallback) {
		String value = values.get(name);
		try {
			return value == null ? fallback : Integer.parseInt(value.replace("_", "").replace(",", ""));
		} catch (NumberFormatException e) {
			throw new IllegalArgumentException("--" + name + " must be a whole number, was '" + value + "'");
		}
	}

	public boolean flag(String name) {
		return Boolean.parseBoolean(values.getOrDefault(name, "false"));
	}
}
