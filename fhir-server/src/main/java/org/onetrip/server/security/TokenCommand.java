package org.onetrip.server.security;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code ./onetrip token --org hospital-a --scope "user/*.cruds"}: mints a bearer token with the local signing key
 * (the same file the server verifies with), printed on standard output.
 * <pre>
 *   --org KEY       the hospital the caller speaks for; "region" (the default) for the region's own services
 *   --scope SCOPES  SMART scopes, space separated (default "system/*.cruds" for the region, "user/*.cruds" for a hospital)
 *   --patient ID    a patient token: only that person's records (use patient/ scopes)
 *   --practitioner ID  a practitioner's own sign-in at --org (fhirUser Practitioner/ID): other hospitals' records
 *                   only of people in their hospital's care or of a consult they took
 *   --sub NAME      who the caller is (default: the org)
 *   --valid PT8H    how long it is valid (ISO-8601 duration)
 *   --key FILE      the signing key (default DATA/keys/token-signing-key.pem) --data DIR the data directory (default ./data)
 * </pre>
 */
public final class TokenCommand {

	private TokenCommand() {}

	public static void main(String[] args) {
		Map<String, String> options = new HashMap<>();
		for (int i = 0; i < args.length; i++) {
			if (!args[i].startsWith("--") || i + 1 >= args.length) {
				System.err.println("usage: ./onetrip token [--org hospital-a|region] [--scope \"user/*.cruds\"] [--patient ID] [--practitioner ID] "
						+ "[--sub NAME] [--valid PT8H] [--key FILE | --data DIR]");
				System.exit(2);
			}
			options.put(args[i].substring(2), args[++i]);
		}
		String org = options.getOrDefault("org", "region");
		String hospital = "region".equals(org) ? null : org.replaceFirst("^Organization/", "");
		String patient = options.get("patient");
		String scope = options.getOrDefault("scope", patient != null ? "patient/*.rs" : hospital == null ? "system/*.cruds" : "user/*.cruds");
		Path key = options.containsKey("key") ? Path.of(options.get("key"))
				: SecurityConfiguration.defaultKeyFile(Path.of(options.getOrDefault("data", "data")));
		Duration valid = Duration.parse(options.getOrDefault("valid", "PT8H"));
		String practitioner = options.get("practitioner");
		String subject = options.getOrDefault("sub", practitioner != null ? practitioner : org);
		System.out.println(TokenKeys.loadOrCreate(key).mint(subject, hospital, scope, patient,
				practitioner == null ? null : "Practitioner/" + practitioner.replaceFirst("^Practitioner/", ""), valid));
	}
}
