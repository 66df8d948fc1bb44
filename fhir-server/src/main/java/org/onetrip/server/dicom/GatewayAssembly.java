package org.onetrip.server.dicom;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import javax.sql.DataSource;
import org.onetrip.dicom.AssociationAudit;
import org.onetrip.dicom.CallingAeDirectory;
import org.onetrip.dicom.DimseListener;
import org.onetrip.dicom.FindService;
import org.onetrip.dicom.RetrieveService;
import org.onetrip.dicom.query.RegionalQuery;
import org.onetrip.dicom.retrieve.StoredInstanceFiles;
import org.onetrip.dicom.store.DicomFileStore;
import org.onetrip.dicom.store.ImagingIndex;
import org.onetrip.dicom.store.JdbcImagingIndex;
import org.onetrip.dicom.store.PatientIdIssuers;
import org.onetrip.dicom.store.StorageService;
import org.onetrip.server.fhirstore.FhirStore;
import org.onetrip.server.identity.PersonResolver;
import org.onetrip.terminology.exam.ExamTerminology;
import org.onetrip.terminology.region.Region;

/**
 * The DICOM gateway's parts, put together once for both of its forms (in the server by
 * {@link DicomGatewayConfiguration}, in a process of its own by {@link StandaloneGateway}): the imaging index, the
 * files, ImagingStudies kept in step, the regional query, and the DIMSE listener with its TLS and association audit.
 * The forms differ only in what they hand over as the {@link Host}.
 */
public final class GatewayAssembly implements AutoCloseable {

	/**
	 * What the process around the gateway provides.
	 *
	 * @param fhir where Patients are found or created and ImagingStudies written
	 * @param indexDatabase where the imaging index keeps its tables
	 * @param indexBesideFhir the index's database is the one {@code fhir} writes to (the gateway inside the server): its
	 *                        locks then keep every gateway on that database from making one Patient twice
	 * @param files the directory the DICOM files are kept under
	 * @param dicomWebEndpointId the Endpoint every ImagingStudy names, or null when images are not served over DICOMweb
	 * @param audit told of every association when it is over
	 */
	public record Host(Region region, ExamTerminology terminology, FhirStore fhir, PersonResolver persons,
			DataSource indexDatabase, boolean indexBesideFhir, Path files, String dicomWebEndpointId, MeterRegistry meters, AssociationAudit audit) {}

	/**
	 * How far back, before the newest indexed instance, recovery looks for files whose index rows were not committed
	 * (the process was killed between a file's rename and its commit).
	 */
	private static final Duration RECOVERY_MARGIN = Duration.ofMinutes(10);

	private final Region region;
	private final JdbcImagingIndex index;
	private final FhirPatientDirectory patients;
	private final ImagingStudySync sync;
	private final StorageService storage;
	private final RegionalQuery query;
	private final DimseListener listener;

	private GatewayAssembly(Region region, JdbcImagingIndex index, FhirPatientDirectory patients, ImagingStudySync sync,
			StorageService storage, RegionalQuery query, DimseListener listener) {
		this.region = region;
		this.index = index;
		this.patients = patients;
		this.sync = sync;
		this.storage = storage;
		this.query = query;
		this.listener = listener;
	}

	/** Every part made and the index's tables created; nothing started yet ({@link #start()}). */
	public static GatewayAssembly assemble(GatewaySettings settings, Host host) throws IOException {
		Region region = host.region();
		PatientIdIssuers issuers = RegionDicom.issuers(region);
		JdbcImagingIndex index = new JdbcImagingIndex(host.indexDatabase(), settings.syncQuietPeriod(),
				settings.syncMaxDelay(), Clock.systemUTC());
		index.createSchema();
		Gauge.builder("onetrip_dicom_studies_pending_sync", index, ImagingIndex::pendingSyncCount)
				.description("Indexed studies whose latest instances are not in FHIR yet").register(host.meters());
		FhirPatientDirectory patients = new FhirPatientDirectory(host.fhir(), host.persons());
		ImagingStudySync sync = new ImagingStudySync(index, patients,
				ImagingStudyBuilder.over(host.fhir(), host.terminology(), settings.timeZone(), host.dicomWebEndpointId()),
				host.fhir(), host.indexBesideFhir(), settings.syncIdlePoll(), settings.syncWorkers(), host.meters());
		StorageService storage = new StorageService(new DicomFileStore(host.files()), index, patients, issuers, sync::nudge,
				sync::studiesComplete);
		// The one query over the region's imaging, behind C-FIND, C-MOVE, C-GET and QIDO-RS.
		RegionalQuery query = new RegionalQuery(index, patients, issuers, settings.maxMatches());
		RetrieveService retrieve = new RetrieveService(query, new StoredInstanceFiles(storage.files()),
				RegionDicom.destinations(region, settings.destinations()), settings.aeTitle(),
				settings.maxRetrieveInstances());
		DimseListener listener = new DimseListener(settings.listener(), RegionDicom.callers(region), storage,
				new FindService(query), retrieve, host.audit());
		return new GatewayAssembly(region, index, patients, sync, storage, query, listener);
	}

	/** ImagingStudies start to be written, then the DICOM port opens. */
	public void start() throws IOException {
		sync.start();
		listener.start();
	}

	/**
	 * Indexes stored files whose index rows were not committed when the process was last killed: they are whole. Studies
	 * changed up to {@link #RECOVERY_MARGIN} before the newest indexed instance are looked at; all of them when the index
	 * is empty.
	 */
	public void recoverUnindexedFiles() throws IOException {
		CallingAeDirectory callers = RegionDicom.callers(region);
		storage.recover(index.lastReceivedAt().map(newest -> newest.minus(RECOVERY_MARGIN)).orElse(Instant.EPOCH),
				ae -> callers.institutionOf(ae.toUpperCase(Locale.ROOT)));
	}

	public JdbcImagingIndex index() {
		return index;
	}

	public FhirPatientDirectory patients() {
		return patients;
	}

	public ImagingStudySync sync() {
		return sync;
	}

	public StorageService storage() {
		return storage;
	}

	public RegionalQuery query() {
		return query;
	}

	public DimseListener listener() {
		return listener;
	}

	/** The DICOM port closes first, so nothing is stored that the sync would no longer write. */
	@Override
	public void close() {
		listener.close();
		sync.close();
	}
}
