package org.onetrip.server.dicom;

import ca.uhn.fhir.context.FhirContext;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;
import org.onetrip.dicom.DicomGatewaySettings;
import org.onetrip.dicom.DimseListener;
import org.onetrip.dicom.FindService;
import org.onetrip.dicom.RetrieveService;
import org.onetrip.dicom.query.RegionalQuery;
import org.onetrip.dicom.retrieve.StoredInstanceFiles;
import org.onetrip.dicom.store.DicomFileStore;
import org.onetrip.dicom.store.JdbcImagingIndex;
import org.onetrip.dicom.store.PatientIdIssuers;
import org.onetrip.dicom.store.StorageService;
import org.onetrip.server.fhirstore.RestFhirStore;
import org.onetrip.server.identity.RemotePersonResolver;
import org.onetrip.server.storage.LocalPostgres;
import org.onetrip.terminology.exam.ExamTerminology;
import org.onetrip.terminology.region.Region;
import org.onetrip.terminology.region.RegionConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DICOM gateway as its own process, next to a hospital PACS, with a OneTrip server's FHIR base URL as its view of
 * the region: DIMSE (C-ECHO, C-STORE, C-FIND, C-MOVE, C-GET) with the files and the imaging index kept here (its own
 * PostgreSQL under the data directory, {@link LocalPostgres}), Patients found or created and ImagingStudies written over FHIR REST. The same
 * classes as the in-process gateway; only the FHIR store ({@link RestFhirStore}) and the wiring differ. Images stay
 * here, so its ImagingStudies name no DICOMweb Endpoint.
 *
 * <pre>./onetrip gateway --fhir http://onetrip.example:8080/fhir [--port 11112] [--bind 127.0.0.1] [--data ./gateway-data]
 *     [--token JWT]   (or ONETRIP_TOKEN: a region service's token, e.g. ./onetrip token --scope "system/*.cruds")</pre>
 */
public final class StandaloneGateway implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(StandaloneGateway.class);

	/** Where and what: the FHIR base, local storage, the region and exam files, the DICOM listener. */
	public record Settings(String fhirBase, Path dataDir, Path regionFile, Path examsDir, String aeTitle,
			InetAddress bindAddress, int port, Map<String, String> destinations, ZoneId zone, String bearerToken) {}

	private final LocalPostgres postgres;
	private final HikariDataSource dataSource;
	private final ImagingStudySync sync;
	private final DimseListener listener;

	private StandaloneGateway(LocalPostgres postgres, HikariDataSource dataSource, ImagingStudySync sync,
			DimseListener listener) {
		this.postgres = postgres;
		this.dataSource = dataSource;
		this.sync = sync;
		this.listener = listener;
	}

	public static StandaloneGateway start(Settings settings) throws Exception {
		Region region = RegionConfig.load(settings.regionFile());
		ExamTerminology terminology = ExamTerminology.load(settings.examsDir(), key -> region.hospital(key).isPresent());
		RestFhirStore store = new RestFhirStore(FhirContext.forR4(), settings.fhirBase(), settings.bearerToken());
		FhirPatientDirectory patients = new FhirPatientDirectory(store, new RemotePersonResolver(store, region));
		PatientIdIssuers issuers = RegionDicom.issuers(region);

		Files.createDirectories(settings.dataDir());
		LocalPostgres postgres = LocalPostgres.start(LocalPostgres.Settings.under(settings.dataDir()).withSharedBuffers("64MB"));
		HikariConfig pool = new HikariConfig();
		pool.setJdbcUrl(postgres.jdbcUrl());
		pool.setUsername(postgres.user());
		pool.setPassword(postgres.password());
		pool.setMaximumPoolSize(16);
		pool.setPoolName("onetrip-gateway-index");
		HikariDataSource dataSource = new HikariDataSource(pool);
		JdbcImagingIndex index = new JdbcImagingIndex(dataSource, Duration.parse(DicomGatewayConfiguration.SYNC_QUIET_PERIOD),
				Duration.ofSeconds(5), Clock.systemUTC());
		index.createSchema();

		ImagingStudySync sync = new ImagingStudySync(index, patients, ImagingStudyBuilder.over(store, terminology, settings.zone(), null),
				store, Duration.ofSeconds(1), DicomGatewayConfiguration.SYNC_WORKERS, new SimpleMeterRegistry());
		sync.start();
		StorageService storage = new StorageService(new DicomFileStore(settings.dataDir().resolve("dicom")), index, patients,
				issuers, sync::nudge);
		// Files whose index rows were not committed when the process was last killed: they are whole, index them.
		storage.recover(index.lastReceivedAt().map(t -> t.minus(Duration.ofMinutes(10))).orElse(java.time.Instant.EPOCH),
				ae -> RegionDicom.callers(region).institutionOf(ae.toUpperCase(java.util.Locale.ROOT)));
		RegionalQuery query = new RegionalQuery(index, patients, issuers, 1000);
		DimseListener listener = new DimseListener(
				new DicomGatewaySettings(settings.aeTitle(), settings.bindAddress(), settings.port()),
				RegionDicom.callers(region), storage, new FindService(query),
				new RetrieveService(query, new StoredInstanceFiles(storage.files()),
						RegionDicom.destinations(region, settings.destinations()), settings.aeTitle(), 20_000));
		listener.start();
		log.info("standalone DICOM gateway {} on {}:{}, FHIR at {}, data in {}", settings.aeTitle(),
				settings.bindAddress().getHostAddress(), listener.port(), settings.fhirBase(), settings.dataDir());
		return new StandaloneGateway(postgres, dataSource, sync, listener);
	}

	public int port() {
		return listener.port();
	}

	@Override
	public void close() {
		listener.close();
		sync.close();
		dataSource.close();
		postgres.close();
	}

	public static void main(String[] args) throws Exception {
		Map<String, String> options = new HashMap<>();
		Map<String, String> destinations = new HashMap<>();
		for (int i = 0; i < args.length; i++) {
			if (!args[i].startsWith("--") || i + 1 >= args.length) {
				throw new IllegalArgumentException("options are --name value pairs; got '" + args[i] + "'");
			}
			String name = args[i].substring(2);
			String value = args[++i];
			if (name.equals("destination")) {
				// --destination HOSP_A=10.1.2.3:104 (repeatable)
				int equals = value.indexOf('=');
				if (equals < 1) {
					throw new IllegalArgumentException("--destination takes AE=host:port, got '" + value + "'");
				}
				destinations.put(value.substring(0, equals), value.substring(equals + 1));
			} else {
				options.put(name, value);
			}
		}
		String fhir = options.get("fhir");
		if (fhir == null) {
			throw new IllegalArgumentException("--fhir <OneTrip FHIR base URL> is required");
		}
		Settings settings = new Settings(fhir,
				Path.of(options.getOrDefault("data", "gateway-data")),
				Path.of(options.getOrDefault("region", "config/region.yaml")),
				Path.of(options.getOrDefault("exams", "config/exams")),
				options.getOrDefault("ae-title", "ONETRIP"),
				InetAddress.getByName(options.getOrDefault("bind", "127.0.0.1")),
				Integer.parseInt(options.getOrDefault("port", "11112")),
				destinations,
				options.containsKey("time-zone") ? ZoneId.of(options.get("time-zone")) : ZoneId.systemDefault(),
				// The token the gateway shows the server: --token, else ONETRIP_TOKEN (kept out of the process list).
				options.getOrDefault("token", System.getenv("ONETRIP_TOKEN")));
		StandaloneGateway gateway = start(settings);
		Runtime.getRuntime().addShutdownHook(new Thread(gateway::close, "gateway-shutdown"));
		Thread.currentThread().join();
	}
}
