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
		List<String> args = new ArrayList<>(List.of(
				"--spring.config.additional-location=file:../config/",
				"--onetrip.region=../config/region.yaml",
				"--onetrip.exams=../config/exams",
				"--onetrip.rosters=../config/rosters.yaml",
				"--server.address=127.0.0.1",
				"--server.port=0",
				"--onetrip.dicom.port=0"));
		properties.forEach((k, v) -> args.add("--" + k + "=" + v));
		return new OneTripInstance(new SpringApplicationBuilder(OneTripServer.class).run(args.toArray(String[]::new)));
	}

	public FhirHttp fhir() {
		return fhir;
	}

	@Override
	public void close() {
		context.close();
	}
}
