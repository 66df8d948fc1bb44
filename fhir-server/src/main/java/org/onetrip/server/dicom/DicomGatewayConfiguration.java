package org.onetrip.server.dicom;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.util.Map;
import org.onetrip.dicom.DimseListener;
import org.onetrip.dicom.query.RegionalQuery;
import org.onetrip.dicom.store.ImagingIndex;
import org.onetrip.dicom.store.StorageService;
import org.onetrip.server.OneTripProperties;
import org.onetrip.server.audit.AuditTrail;
import org.onetrip.server.fhirstore.DaoFhirStore;
import org.onetrip.server.identity.PersonResolver;
import org.onetrip.terminology.exam.ExamTerminology;
import org.onetrip.terminology.region.Region;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The DICOM gateway inside the server process: DIMSE on its own port, the imaging index in the server's database,
 * files under {@code <data>/dicom}, FHIR ImagingStudies kept in step by {@link ImagingStudySync}, associations audited
 * as AuditEvents. The parts are put together by {@link GatewayAssembly}, as in the standalone gateway; the beans
 * below are those parts that the rest of the server (DICOMweb, health, tests) uses.
 */
@Configuration
@ConditionalOnProperty(name = "onetrip.dicom.enabled", havingValue = "true", matchIfMissing = true)
public class DicomGatewayConfiguration {

	/** {@code onetrip.dicom.*}, C-MOVE destinations overridden by {@code onetrip.dicom.destinations.<AE>}. */
	@Bean
	public GatewaySettings dicomGatewaySettings(Environment environment) throws IOException {
		return GatewaySettings.read(name -> environment.getProperty("onetrip.dicom." + name), Binder.get(environment)
				.bind("onetrip.dicom.destinations", Bindable.mapOf(String.class, String.class)).orElse(Map.of()));
	}

	@Bean(destroyMethod = "close")
	public GatewayAssembly dicomGateway(GatewaySettings settings, Region region, ExamTerminology terminology,
			DaoRegistry daoRegistry, PersonResolver persons, JdbcTemplate jdbc, OneTripProperties properties,
			MeterRegistry meters, AuditTrail audit, DicomNodes nodes,
			org.onetrip.server.storage.DatabaseAvailability database) throws IOException {
		org.onetrip.dicom.AssociationAudit audited = AssociationAudits.intoAuditTrail(audit, region);
		GatewayAssembly gateway = GatewayAssembly.assemble(settings, new GatewayAssembly.Host(region, terminology,
				new DaoFhirStore(daoRegistry), persons, database.failingFast(jdbc.getDataSource()), true, properties.dataDirectory().resolve("dicom"),
				DicomWebEndpoint.ID, meters, association -> {
					audited.associationEnded(association);
					nodes.seen(association);
				}));
		gateway.start();
		return gateway;
	}

	/** The region's DICOM nodes for the console: addresses, a C-ECHO now, what each last sent ($dicom-nodes). */
	@Bean
	public DicomNodes dicomNodes(JdbcTemplate jdbc, Region region, GatewaySettings settings, java.time.Clock clock) {
		return new DicomNodes(jdbc, region, settings.destinations(), settings.aeTitle(), clock);
	}

	@Bean
	public org.onetrip.server.hapi.FhirServerContribution dicomNodesOperation(DicomNodes nodes) {
		return org.onetrip.server.hapi.FhirServerContribution.provider(nodes);
	}

	// The parts the rest of the server uses; the assembly closes them (so no destroy method of their own).

	@Bean(destroyMethod = "")
	public ImagingIndex imagingIndex(GatewayAssembly dicomGateway) {
		return dicomGateway.index();
	}

	@Bean(destroyMethod = "")
	public ImagingStudySync imagingStudySync(GatewayAssembly dicomGateway) {
		return dicomGateway.sync();
	}

	@Bean(destroyMethod = "")
	public StorageService dicomStorage(GatewayAssembly dicomGateway) {
		return dicomGateway.storage();
	}

	@Bean(destroyMethod = "")
	public RegionalQuery regionalImagingQuery(GatewayAssembly dicomGateway) {
		return dicomGateway.query();
	}

	@Bean(destroyMethod = "")
	public DimseListener dimseListener(GatewayAssembly dicomGateway) {
		return dicomGateway.listener();
	}

	/** At start, before readiness: files stored before a kill but not indexed are indexed. */
	@Bean
	@Order(24)
	public ApplicationRunner dicomIndexRecovery(GatewayAssembly dicomGateway) {
		return args -> dicomGateway.recoverUnindexedFiles();
	}

	@Bean
	@Order(25)
	public DicomWebEndpoint dicomWebEndpoint(DaoRegistry daoRegistry, Environment environment) {
		return new DicomWebEndpoint(daoRegistry, environment);
	}

	@Bean
	public HealthIndicator dicomGatewayHealth(GatewayAssembly dicomGateway) {
		DimseListener listener = dicomGateway.listener();
		StorageService storage = dicomGateway.storage();
		ImagingIndex index = dicomGateway.index();
		return () -> {
			Health.Builder health = (listener.isRunning() ? Health.up() : Health.down())
					.withDetail("port", listener.isRunning() ? listener.port() : -1)
					.withDetail("associationsAccepted", listener.associationsAccepted())
					.withDetail("associationsRejected", listener.associationsRejected())
					.withDetail("associationsActive", listener.associationsActive())
					.withDetail("instancesStored", storage.storedCount())
					.withDetail("instancesAlreadyStored", storage.duplicateCount())
					.withDetail("instancesRefused", storage.refusedCount());
			try {
				health.withDetail("studiesPendingSync", index.pendingSyncCount());
			} catch (RuntimeException indexUnavailable) {
				// The database away: the gateway refuses C-STOREs meanwhile, which is what DOWN says (an exception here
				// made the whole health answer a 500).
				health.down().withDetail("studiesPendingSync", "unknown: " + indexUnavailable.getMessage());
			}
			return health.build();
		};
	}
}
