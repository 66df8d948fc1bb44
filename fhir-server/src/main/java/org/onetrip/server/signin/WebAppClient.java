package org.onetrip.server.signin;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.springframework.boot.web.servlet.context.ServletWebServerInitializedEvent;
import org.springframework.context.ApplicationListener;

/**
 * OneTrip's web application (console/, at /app) signs in like any SMART app, as the public client
 * {@value #CLIENT_ID}. Its redirect URIs are this server's own addresses, known once the web server has its port
 * (tests run on a random one), so the server registers it itself at start; no consent page (the region's own
 * application). The scopes: what each kind of person's pages ask for (console/src/auth.js).
 */
public class WebAppClient implements ApplicationListener<ServletWebServerInitializedEvent> {

	public static final String CLIENT_ID = "onetrip-console";
	static final List<String> SCOPES = List.of("openid", "fhirUser", "launch/patient", "patient/*.rs", "patient/Appointment.cruds",
			"user/*.cruds", "user/*.rs");

	private final ClientRegistrations registrations;
	/** The configured public URL (the issuer), or null. */
	private final String publicUrl;
	private final String address;

	WebAppClient(ClientRegistrations registrations, String publicUrl, String address) {
		this.registrations = registrations;
		this.publicUrl = publicUrl;
		this.address = address;
	}

	@Override
	public void onApplicationEvent(ServletWebServerInitializedEvent started) {
		int port = started.getWebServer().getPort();
		Set<String> bases = new LinkedHashSet<>(List.of("http://127.0.0.1:" + port, "http://localhost:" + port,
				"http://" + address + ":" + port));
		if (publicUrl != null) {
			bases.add(publicUrl);
		}
		registrations.registerFirstParty(CLIENT_ID, "OneTrip", bases.stream().map(base -> base + "/app/callback").toList(), SCOPES);
	}
}
