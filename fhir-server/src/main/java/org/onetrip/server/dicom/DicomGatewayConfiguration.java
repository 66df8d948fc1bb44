package org.onetrip.server.dicom;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.onetrip.dicom.CallingAeDirectory;
import org.onetrip.dicom.DicomGatewaySettings;
import org.onetrip.dicom.DimseListener;
import org.onetrip.dicom.FindService;
import org.onetrip.dicom.RetrieveService;
import org.onetrip.dicom.query.RegionalQuery;
import org.onetrip.dicom.retrieve.MoveDestinations;
import org.onetrip.dicom.retrieve.StoredInstanceFiles;
import org.onetrip.dicom.store.DicomFileStore;
import org.onetrip.dicom.store.ImagingIndex;
import org.onetrip.dicom.store.JdbcImagingIndex;
import org.onetrip.dicom.store.PatientIdIssuers;
import org.onetrip.dicom.store.StorageService;
import org.onetrip.server.OneTripProperties;
import org.onetrip.server.fhirstore.DaoFhirStore;
import org.onetrip.server.fhirstore.FhirStore;
import org.onetrip.server.identity.PersonResolver;
import org.onetrip.terminology.exam.ExamTerminology;
import org.onetrip.terminology.region.DicomNode;
import org.onetrip.terminology.region.Hospital;
import org.onetrip.terminology.region.Region;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The DICOM gateway inside the server process: DIMSE on its own port, the imaging index in the server's database,
 * files under {@code <data>/dicom}, FHIR ImagingStudies kept in step by {@link ImagingStudySync}.
 */
@Configuration
@ConditionalOnProperty(name = "onetrip.dicom.enabled", havingValue = "true", matchIfMissing = true)
public class DicomGatewayConfiguration {

	/**
	 * How long a study must have been without a new instance before its ImagingStudy is written. Instances of one
	 * study arrive milliseconds apart, so a quarter second says the sender is done with it, and the ImagingStudy is
	 * in FHIR a quarter second after its last image (a study that keeps arriving is written every max-delay).
	 */
	static final String SYNC_QUIET_PERIOD = "PT0.25S";

	/**
	 * Threads writing ImagingStudies. A burst of one-image studies is bound by their FHIR writes: with one thread, one
	 * core of the benchmark's two stayed idle once the C-STORE answers were done (bench/HISTORY.md, 2026-12-02).
	 */
	static final int SYNC_WORKERS = 2;

	@Bean
	public CallingAeDirectory callingAeDirectory(Region region) {
		return RegionDicom.callers(region);
	}

	@Bean
	public PatientIdIssuers patientIdIssuers(Region region) {
		return RegionDicom.issuers(region);
	}

	@Bean(initMethod = "createSchema")
	public JdbcImagingIndex imagingIndex(JdbcTemplate jdbc,
			@Value("${onetrip.dicom.sync.quiet-period:" + SYNC_QUIET_PERIOD + "}") Duration quietPeriod,
			@Value("${onetrip.dicom.sync.max-delay:PT5S}") Duration maxDelay) {
		return new JdbcImagingIndex(jdbc.getDataSource(), quietPeriod, maxDelay, Clock.systemUTC());
	}

	@Bean
	public FhirStore dicomFhirStore(DaoRegistry daoRegistry) {
		return new DaoFhirStore(daoRegistry);
	}

	@Bean
	public FhirPatientDirectory dicomPatientDirectory(FhirStore dicomFhirStore, PersonResolver persons) {
		return new FhirPatientDirectory(dicomFhirStore, persons);
	}

	@Bean
	public ImagingStudyBuilder imagingStudyBuilder(ExamTerminology terminology, FhirStore dicomFhirStore,
			@Value("${onetrip.dicom.time-zone:}") String timeZone) {
		return ImagingStudyBuilder.over(dicomFhirStore, terminology,
				timeZone.isBlank() ? ZoneId.systemDefault() : ZoneId.of(timeZone), DicomWebEndpoint.ID);
	}

	@Bean(initMethod = "start", destroyMethod = "close")
	public ImagingStudySync imagingStudySync(ImagingIndex index, FhirPatientDirectory patients, ImagingStudyBuilder builder,
			FhirStore dicomFhirStore, MeterRegistry meters, @Value("${onetrip.dicom.sync.idle-poll:PT1S}") Duration idlePoll,
			@Value("${onetrip.dicom.sync.workers:" + SYNC_WORKERS + "}") int workers) {
		Gauge.builder("onetrip_dicom_studies_pending_sync", index, ImagingIndex::pendingSyncCount)
				.description("Indexed studies whose latest instances are not in FHIR yet").register(meters);
		return new ImagingStudySync(index, patients, builder, dicomFhirStore, idlePoll, workers, meters);
	}

	@Bean
	public StorageService dicomStorage(OneTripProperties properties, ImagingIndex index,
			FhirPatientDirectory patients, PatientIdIssuers issuers, ImagingStudySync sync) throws IOException {
		return new StorageService(new DicomFileStore(properties.dataDirectory().resolve("dicom")), index, patients,
				issuers, sync::nudge);
	}

	/**
	 * At start, before readiness: stored files whose index rows were not committed before the process was killed
	 * (killed between the file's rename and the commit) are indexed. Studies changed up to 10 minutes before the newest
	 * indexed instance are looked at; all of them when the index is empty.
	 */
	@Bean
	@org.springframework.core.annotation.Order(24)
	public org.springframework.boot.ApplicationRunner dicomIndexRecovery(StorageService storage, ImagingIndex index,
			CallingAeDirectory callers) {
		return args -> storage.recover(index.lastReceivedAt().map(t -> t.minus(Duration.ofMinutes(10)))
				.orElse(java.time.Instant.EPOCH), ae -> callers.institutionOf(ae.toUpperCase(Locale.ROOT)));
	}

	@Bean
	@org.springframework.core.annotation.Order(25)
	public DicomWebEndpoint dicomWebEndpoint(DaoRegistry daoRegistry, Environment environment) {
		return new DicomWebEndpoint(daoRegistry, environment);
	}

	/** The one query over the region's imaging, behind C-FIND, C-MOVE, C-GET and QIDO-RS. */
	@Bean
	public RegionalQuery regionalImagingQuery(ImagingIndex index, FhirPatientDirectory patients, PatientIdIssuers issuers,
			@Value("${onetrip.dicom.max-matches:1000}") int maxMatches) {
		return new RegionalQuery(index, patients, issuers, maxMatches);
	}

	@Bean
	public FindService dicomFind(RegionalQuery regionalImagingQuery) {
		return new FindService(regionalImagingQuery);
	}

	/** C-MOVE destinations from the region file, addresses overridden by {@code onetrip.dicom.destinations.<AE>}. */
	@Bean
	public MoveDestinations moveDestinations(Region region, Environment environment) {
		return RegionDicom.destinations(region, Binder.get(environment)
				.bind("onetrip.dicom.destinations", Bindable.mapOf(String.class, String.class)).orElse(Map.of()));
	}

	@Bean
	public RetrieveService dicomRetrieve(RegionalQuery regionalImagingQuery, StorageService storage,
			MoveDestinations destinations,
			@Value("${onetrip.dicom.ae-title:ONETRIP}") String aeTitle,
			@Value("${onetrip.dicom.max-retrieve-instances:20000}") int maxInstances) {
		return new RetrieveService(regionalImagingQuery, new StoredInstanceFiles(storage.files()), destinations, aeTitle,
				maxInstances);
	}

	@Bean(initMethod = "start", destroyMethod = "close")
	public DimseListener dimseListener(CallingAeDirectory callers, StorageService storage, FindService find,
			RetrieveService retrieve, org.onetrip.server.audit.AuditTrail audit, org.onetrip.terminology.region.Region region,
			@Value("${onetrip.dicom.ae-title:ONETRIP}") String aeTitle,
			@Value("${onetrip.dicom.port:11112}") int port,
			@Value("${onetrip.dicom.bind-address:127.0.0.1}") String bindAddress,
			@Value("${onetrip.dicom.tls.key-store:}") String tlsKeyStore,
			@Value("${onetrip.dicom.tls.key-store-password:}") String tlsKeyStorePassword,
			@Value("${onetrip.dicom.tls.trust-store:}") String tlsTrustStore,
			@Value("${onetrip.dicom.tls.trust-store-password:}") String tlsTrustStorePassword) throws IOException {
		// With a key store the DICOM port speaks TLS only; with a trust store callers also need a trusted certificate.
		org.onetrip.dicom.DicomTls tls = tlsKeyStore.isBlank() ? null : new org.onetrip.dicom.DicomTls(
				java.nio.file.Path.of(tlsKeyStore), tlsKeyStorePassword.toCharArray(),
				tlsTrustStore.isBlank() ? null : java.nio.file.Path.of(tlsTrustStore), tlsTrustStorePassword.toCharArray());
		return new DimseListener(new DicomGatewaySettings(aeTitle, InetAddress.getByName(bindAddress), port, tls), callers,
				storage, find, retrieve, association -> audit.record(auditRecord(association, region)));
	}

	/** An association as an AuditEvent: the calling AE is the agent, the studies it stored and their PatientIDs the entities. */
	static org.onetrip.server.audit.AuditRecord auditRecord(org.onetrip.dicom.AssociationAudit.Association association,
			org.onetrip.terminology.region.Region region) {
		String mrnSystem = association.hospital() == null ? null
				: region.hospital(association.hospital()).map(h -> h.mrnSystem()).orElse(null);
		java.util.List<String> patients = association.storedPatients().stream().sorted()
				.map(id -> mrnSystem == null ? "urn:onetrip:dicom-patient-id|" + id : mrnSystem + "|" + id).limit(100).toList();
		java.util.List<String> studies = association.storedStudies().stream().sorted().map(uid -> "urn:oid:" + uid).limit(100).toList();
		String failure = association.rejection() != null ? "association rejected: " + association.rejection() : association.failure();
		return new org.onetrip.server.audit.AuditRecord(association.ended(), "dicom-association",
				association.storedStudies().isEmpty() ? "E" : "C",
				new java.util.TreeMap<>(association.commands()).toString(),
				association.callingAe() == null ? "unknown AE" : association.callingAe(), association.hospital(), association.peer(),
				"association " + association.callingAe() + " -> " + association.calledAe(), studies, patients,
				failure == null ? 0 : 400, failure, false);
	}

	@Bean
	public HealthIndicator dicomGatewayHealth(DimseListener listener, StorageService storage, ImagingIndex index) {
		return () -> (listener.isRunning() ? Health.up() : Health.down())
				.withDetail("port", listener.isRunning() ? listener.port() : -1)
				.withDetail("associationsAccepted", listener.associationsAccepted())
				.withDetail("associationsRejected", listener.associationsRejected())
				.withDetail("associationsActive", listener.associationsActive())
				.withDetail("instancesStored", storage.storedCount())
				.withDetail("instancesAlreadyStored", storage.duplicateCount())
				.withDetail("instancesRefused", storage.refusedCount())
				.withDetail("studiesPendingSync", index.pendingSyncCount())
				.build();
	}
}
