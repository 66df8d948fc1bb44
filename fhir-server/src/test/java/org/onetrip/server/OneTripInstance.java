package org.onetrip.server;

import ca.uhn.fhir.context.FhirContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A whole OneTrip server started inside the test JVM with its own settings, for the few tests that
 * must stop and start a server or run two of them (restart, PostgreSQL). Everything else shares
 * {@link ServerTest}'s single server.
 */
public final class OneTripInstance implements AutoCloseable {

	private final ConfigurableApplicationContext context;
	private final FhirHttp fhir;

	private OneTripInstance(ConfigurableApplicationContext context) {
		this.context = context;
		int port = ((WebServerApplicationContext) context).getWebServer().getPort();
		this.fhir = new FhirHttp(context.getBean(FhirContext.class), "http://127.0.0.1:" + port + "/fhir");
	}

	public static OneTripInstance start(Map<String, String> properties) {
		List<String> args = arguments(Map.of("server.port", "0", "onetrip.dicom.port", "0"));
		properties.forEach((k, v) -> args.add("--" + k + "=" + v));
		return new OneTripInstance(new SpringApplicationBuilder(OneTripServer.class).run(args.toArray(String[]::new)));
	}

	/**
	 * The command that starts a server in a process of its own on the test classpath (for tests that kill it or
	 * run it in another network namespace), with the repository's config and these properties.
	 */
	public static List<String> processCommand(Map<String, String> properties) {
		List<String> command = new ArrayList<>(List.of(
				java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-Xmx1g", "-XX:+UseG1GC", "-cp", System.getProperty("java.class.path"), OneTripServer.class.getName()));
		command.addAll(arguments(properties));
		return command;
	}

	private static List<String> arguments(Map<String, String> properties) {
		List<String> args = new ArrayList<>(List.of(
				"--spring.config.additional-location=file:../config/",
				"--onetrip.region=../config/region.yaml",
				"--onetrip.exams=../config/exams",
				"--onetrip.rosters=../config/rosters.yaml",
				"--onetrip.registration=../config/registration.yaml",
				"--onetrip.settlement=../config/settlement.yaml",
				"--onetrip.follow-up-plans=../config/followup",
				"--onetrip.security.key-file=" + TestTokens.KEY_FILE,
				"--server.address=127.0.0.1"));
		new java.util.TreeMap<>(properties).forEach((k, v) -> args.add("--" + k + "=" + v));
		return args;
	}

	public FhirHttp fhir() {
		return fhir;
	}

	/** One of its beans (its DataSource, say), for a test that must set up a state no API makes. */
	public <T> T bean(Class<T> type) {
		return context.getBean(type);
	}

	/** The port its DICOM gateway listens on. */
	public int dicomPort() {
		return context.getBean(org.onetrip.dicom.DimseListener.class).port();
	}

	public int httpPort() {
		return ((WebServerApplicationContext) context).getWebServer().getPort();
	}

	@Override
	public void close() {
		context.close();
	}
}
