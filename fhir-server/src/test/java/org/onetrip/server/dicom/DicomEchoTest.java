package org.onetrip.server.dicom;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.onetrip.dicom.DimseListener;
import org.onetrip.server.ServerTest;
import org.springframework.beans.factory.annotation.Autowired;

/** The running server answers C-ECHO from the AE titles of config/region.yaml, and only from those. */
class DicomEchoTest extends ServerTest {

	@Autowired
	DimseListener listener;

	private int echo(String callingAe) throws Exception {
		ProcessBuilder builder = new ProcessBuilder("echoscu", "-aet", callingAe, "-aec", "ONETRIP",
				"127.0.0.1", Integer.toString(listener.port())).redirectErrorStream(true);
		builder.environment().put("TCP_NODELAY", "1");
		Process process = builder.start();
		process.getInputStream().readAllBytes();
		assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
		return process.exitValue();
	}

	@Test
	void everyRegionAeTitleEchoesAndAStrangerIsRefused() throws Exception {
		for (String ae : new String[] {"HOSP_A", "HOSP_B", "CLINIC_C", "IMAGING_D"}) {
			assertThat(echo(ae)).as(ae).isZero();
		}
		assertThat(echo("NOT_IN_REGION")).isNotZero();
		String health = new String(fhir.get("http://127.0.0.1:" + port + "/actuator/health", "application/json")
				.body().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
		assertThat(health).contains("dicomGateway").contains("associationsRejected");
	}
}
