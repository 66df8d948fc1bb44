package org.onetrip.server.dicom;

import ca.uhn.fhir.context.FhirContext;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
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
 * PostgreSQL under the data directory, {@link LocalPostgres}), Patients found or created and ImagingStudies written over
 * FHIR REST. The same parts as the in-process gateway, put together by the same {@link GatewayAssembly}; only the FHIR
 * store ({@link RestFhirStore}) and where associations are audited ({@code <data>/audit/dicom-associations.jsonl},
 * since the server takes no AuditEvent over REST) differ. Images stay here, so its ImagingStudies name no DICOMweb
 * Endpoint.
 *
 * <pre>./onetrip gateway --fhir http://onetrip.example:8080/fhir [--data ./gateway-data] [--region config/region.yaml]
 *     [--exams config/exams] [--destination AE=host:port]... [--token JWT]
 *     [--NAME value] for any onetrip.dicom.NAME setting of the server (--port 11112, --bind-address 127.0.0.1 or --bind,
 *     --ae-title, --tls.key-store, --sync.quiet-period ...), else the environment variable ONETRIP_DICOM_NAME
 *     (ONETRIP_DICOM_TLS_KEY_STORE_PASSWORD), as for the server
 * ONETRIP_TOKEN instead of --token: a region service's token, e.g. ./onetrip token --scope "system/*.cruds"</pre>
 */
public final class StandaloneGateway implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(StandaloneGateway.class);

	/** The FHIR base and the token shown to it, local storage, the region and exam files, the gateway's own settings. */
	public record Settings(String fhirBase, Path dataDir, Path regionFile, Path examsDir, GatewaySettings gateway,
			String bearerToken) {}

	private final LocalPostgres postgres;
	private final HikariDataSource dataSource;
	private final GatewayAssembly gateway;

	private StandaloneGateway(LocalPostgres postgres, HikariDataSource dataSource, GatewayAssembly gateway) {
		this.postgres = postgres;
		this.dataSource = dataSource;
		this.gateway = gateway;
	}

	public static StandaloneGateway start(Settings settings) throws Exception {
		Region region = RegionConfig.load(settings.regionFile());
		ExamTerminology terminology = ExamTerminology.load(settings.examsDir(), key -> region.hospital(key).isPresent());
		RestFhirStore store = new RestFhirStore(FhirContext.forR4(), settings.fhirBase(), settings.bearerToken());

		Files.createDirectories(settings.dataDir());
		LocalPostgres postgres = LocalPostgres.start(LocalPostgres.Settings.under(settings.dataDir()).withSharedBuffers("64MB"));
		HikariConfig pool = new HikariConfig();
		pool.setJdbcUrl(postgres.jdbcUrl());
		pool.setUsername(postgres.user());
		pool.setPassword(postgres.password());
		pool.setMaximumPoolSize(16);
		pool.setPoolName("onetrip-gateway-index");
		HikariDataSource dataSource = new HikariDataSource(pool);

		GatewayAssembly gateway = GatewayAssembly.assemble(settings.gateway(), new GatewayAssembly.Host(region, terminology,
				store, new RemotePersonResolver(store, region), dataSource, false, settings.dataDir().resolve("dicom"), null,
				new SimpleMeterRegistry(), AssociationAudits.toFile(associationAuditFile(settings.dataDir()), region)));
		// Unlike the server, which is not ready until it has recovered, this process opens its port only after.
		gateway.recoverUnindexedFiles();
		gateway.start();
		GatewaySettings dicom = settings.gateway();
		log.info("standalone DICOM gateway {} on {}:{}{}, FHIR at {}, data in {}", dicom.aeTitle(),
				dicom.bindAddress().getHostAddress(), gateway.listener().port(), dicom.tls() == null ? "" : " (TLS)",
				settings.fhirBase(), settings.dataDir());
		return new StandaloneGateway(postgres, dataSource, gateway);
	}

	/** Where a gateway with this data directory records each DICOM association, a JSON line each. */
	public static Path associationAuditFile(Path dataDir) {
		return dataDir.resolve("audit").resolve("dicom-associations.jsonl");
	}

	public int port() {
		return gateway.listener().port();
	}

	@Override
	public void close() {
		gateway.close();
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
				// --bind, the short form the README has always shown, is the server's bind-address.
				options.put(name.equals("bind") ? "bind-address" : name, value);
			}
		}
		String fhir = options.get("fhir");
		if (fhir == null) {
			throw new IllegalArgumentException("--fhir <OneTrip FHIR base URL> is required");
		}
		GatewaySettings gateway = GatewaySettings.read(
				name -> options.containsKey(name) ? options.get(name) : System.getenv(environmentVariable(name)), destinations);
		Settings settings = new Settings(fhir,
				Path.of(options.getOrDefault("data", "gateway-data")),
				Path.of(options.getOrDefault("region", "config/region.yaml")),
				Path.of(options.getOrDefault("exams", "config/exams")),
				gateway,
				// The token the gateway shows the server: --token, else ONETRIP_TOKEN (kept out of the process list).
				options.getOrDefault("token", System.getenv("ONETRIP_TOKEN")));
		StandaloneGateway standalone = start(settings);
		Runtime.getRuntime().addShutdownHook(new Thread(standalone::close, "gateway-shutdown"));
		Thread.currentThread().join();
	}

	/** The variable Spring would read a setting from: onetrip.dicom.tls.key-store -> ONETRIP_DICOM_TLS_KEY_STORE. */
	static String environmentVariable(String setting) {
		return ("ONETRIP_DICOM_" + setting).replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
	}
}
