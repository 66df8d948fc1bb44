package org.onetrip.server.dicom;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.onetrip.dicom.CallingAeDirectory;
import org.onetrip.dicom.DicomGatewaySettings;
import org.onetrip.dicom.DimseListener;
import org.onetrip.server.OneTripProperties;
import org.onetrip.terminology.region.Hospital;
import org.onetrip.terminology.region.Region;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Starts the DICOM gateway inside the server process; the region decides which AEs may call. */
@Configuration
@ConditionalOnProperty(name = "onetrip.dicom.enabled", havingValue = "true", matchIfMissing = true)
public class DicomGatewayConfiguration {

	@Bean
	public CallingAeDirectory callingAeDirectory(Region region) {
		return aeTitle -> region.hospitalByAeTitle(aeTitle).map(Hospital::key);
	}

	@Bean(initMethod = "start", destroyMethod = "close")
	public DimseListener dimseListener(
			CallingAeDirectory callers,
			OneTripProperties properties,
			@Value("${onetrip.dicom.ae-title:ONETRIP}") String aeTitle,
			@Value("${onetrip.dicom.port:11112}") int port,
			@Value("${onetrip.dicom.bind-address:127.0.0.1}") String bindAddress)
			throws UnknownHostException {
		return new DimseListener(
				new DicomGatewaySettings(aeTitle, InetAddress.getByName(bindAddress), port),
				callers,
				properties.dataDirectory().resolve("dicom").resolve("work"));
	}

	@Bean
	public HealthIndicator dicomGatewayHealth(DimseListener listener) {
		return () -> (listener.isRunning() ? Health.up() : Health.down())
				.withDetail("port", listener.isRunning() ? listener.port() : -1)
				.withDetail("associationsAccepted", listener.associationsAccepted())
				.withDetail("associationsRejected", listener.associationsRejected())
				.build();
	}
}
