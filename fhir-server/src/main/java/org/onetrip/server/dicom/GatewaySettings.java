package org.onetrip.server.dicom;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import java.util.function.BinaryOperator;
import java.util.function.Function;
import org.onetrip.dicom.DicomGatewaySettings;
import org.onetrip.dicom.DicomTls;
import org.springframework.boot.convert.DurationStyle;

/**
 * What the {@code onetrip.dicom} settings say, read the same way by both forms of the gateway: in the server from its
 * environment (config/application.yaml), standalone from {@code --name value} flags or {@code ONETRIP_DICOM_NAME}
 * environment variables of the same names.
 *
 * @param tls null: the DICOM port speaks plain TCP
 * @param syncQuietPeriod how long a study must have been without a new instance before its ImagingStudy is written
 * @param syncMaxDelay how long a study that keeps receiving instances waits for its ImagingStudy at most
 * @param syncIdlePoll how often the sync looks for studies when nothing nudged it
 * @param destinations C-MOVE destinations (AE title -> host:port) overriding the region file's addresses
 */
public record GatewaySettings(String aeTitle, InetAddress bindAddress, int port, DicomTls tls, Duration syncQuietPeriod,
		Duration syncMaxDelay, Duration syncIdlePoll, int syncWorkers, int maxMatches, int maxRetrieveInstances,
		ZoneId timeZone, Map<String, String> destinations) {

	/**
	 * Instances of one study arrive milliseconds apart, so a quarter second says the sender is done with it, and the
	 * ImagingStudy is in FHIR a quarter second after its last image (a study that keeps arriving is written every
	 * max-delay).
	 */
	static final String SYNC_QUIET_PERIOD = "PT0.25S";

	/**
	 * A burst of one-image studies is bound by their FHIR writes: with one thread, one core of the benchmark's two stayed
	 * idle once the C-STORE answers were done (bench/HISTORY.md, 2026-12-02).
	 */
	static final int SYNC_WORKERS = 2;

	public GatewaySettings {
		destinations = Map.copyOf(destinations);
	}

	/**
	 * @param setting a setting by its name under {@code onetrip.dicom} ({@code ae-title}, {@code tls.key-store}), null
	 * when it is not set
	 */
	public static GatewaySettings read(Function<String, String> setting, Map<String, String> destinations)
			throws UnknownHostException {
		BinaryOperator<String> or = (name, otherwise) -> {
			String value = setting.apply(name);
			return value == null || value.isBlank() ? otherwise : value.trim();
		};
		String keyStore = or.apply("tls.key-store", "");
		String trustStore = or.apply("tls.trust-store", "");
		// With a key store the DICOM port speaks TLS only; with a trust store callers also need a trusted certificate.
		DicomTls tls = keyStore.isEmpty() ? null : new DicomTls(Path.of(keyStore), password(setting, "tls.key-store-password"),
				trustStore.isEmpty() ? null : Path.of(trustStore), password(setting, "tls.trust-store-password"));
		String timeZone = or.apply("time-zone", "");
		return new GatewaySettings(
				or.apply("ae-title", "ONETRIP"),
				InetAddress.getByName(or.apply("bind-address", "127.0.0.1")),
				Integer.parseInt(or.apply("port", "11112")),
				tls,
				DurationStyle.detectAndParse(or.apply("sync.quiet-period", SYNC_QUIET_PERIOD)),
				DurationStyle.detectAndParse(or.apply("sync.max-delay", "PT5S")),
				DurationStyle.detectAndParse(or.apply("sync.idle-poll", "PT1S")),
				Integer.parseInt(or.apply("sync.workers", Integer.toString(SYNC_WORKERS))),
				Integer.parseInt(or.apply("max-matches", "1000")),
				Integer.parseInt(or.apply("max-retrieve-instances", "20000")),
				timeZone.isEmpty() ? ZoneId.systemDefault() : ZoneId.of(timeZone),
				destinations);
	}

	/** A password as given, spaces and all; none is the empty one. */
	private static char[] password(Function<String, String> setting, String name) {
		String value = setting.apply(name);
		return value == null ? new char[0] : value.toCharArray();
	}

	/** Where and how the DIMSE listener listens. */
	DicomGatewaySettings listener() {
		return new DicomGatewaySettings(aeTitle, bindAddress, port, tls);
	}
}
