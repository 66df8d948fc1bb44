package org.onetrip.server;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeFactory;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.FileMetaInformation;
import com.pixelmed.dicom.OtherWordAttribute;
import com.pixelmed.dicom.SOPClass;
import com.pixelmed.dicom.SetOfDicomFiles;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TransferSyntax;
import com.pixelmed.network.StorageSOPClassSCU;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.onetrip.dicom.DimseListener;
import org.onetrip.server.region.RegionDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationContext;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * The training start of the launcher's class archive ({@code ./onetrip}, ensure_class_archive): the server starts as
 * usual, up to ready (region loaded, slots published: the classes of a real start, the FHIR servlet's included), then
 * receives a small imaging workload, then stops cleanly, its PostgreSQL with it. Only with
 * {@code --onetrip.training.exit-when-ready=true}, on a data directory of its own.
 * <p>
 * The workload is there for the JIT, not for the data: Temurin 25 keeps in the AOT cache, beside the classes, the
 * method profiles the training gathered, and a server started from the cache compiles with them at once instead of
 * first profiling in the interpreter. Without it, the first minute of DICOM ingest after a start ran at 66-78 % of a
 * warm server's rate (bench/RESULTS.md): the C-STORE path and the FHIR sync behind it were profiled anew each start.
 */
@Component
@ConditionalOnProperty(name = "onetrip.training.exit-when-ready", havingValue = "true")
public class ClassArchiveTraining {

	private static final Logger log = LoggerFactory.getLogger(ClassArchiveTraining.class);
	/** One-image studies (radiographs) and 20-image series: the shapes whose per-study and per-instance paths differ. */
	private static final int ONE_IMAGE_STUDIES = 300;
	private static final int SERIES_STUDIES = 5;
	private static final int SERIES_IMAGES = 20;
	private static final int ROWS = 256;
	private static final Duration SYNC_WAIT = Duration.ofMinutes(2);

	@EventListener(ApplicationReadyEvent.class)
	public void exitWhenReady(ApplicationReadyEvent ready) {
		ApplicationContext context = ready.getApplicationContext();
		try {
			// Off only to measure what the workload's profiles are worth (an A/B of two caches).
			if (context.getEnvironment().getProperty("onetrip.training.imaging-workload", Boolean.class, true)) {
				imagingWorkload(context, ONE_IMAGE_STUDIES, SERIES_STUDIES);
			}
		} catch (Exception | LinkageError e) {
			// The cache is still made, from the start alone; only its profiles of the imaging paths are missing.
			log.warn("Training start: the imaging workload failed ({}); the AOT cache holds the start only", e.toString());
		}
		log.info("Training start done: stopping (onetrip.training.exit-when-ready)");
		System.exit(SpringApplication.exit(context, () -> 0));
	}

	/**
	 * C-STOREs of synthetic CT images to this server's own DICOM port, then waits until each study is in FHIR.
	 *
	 * @return the Study Instance UIDs sent (none without a DICOM gateway)
	 */
	static List<String> imagingWorkload(ApplicationContext context, int oneImageStudies, int seriesStudies) throws Exception {
		DimseListener listener = context.getBeanProvider(DimseListener.class).getIfAvailable();
		if (listener == null) {
			log.info("Training start: no DICOM gateway in this configuration, no imaging workload");
			return List.of();
		}
		String sender = context.getBean(RegionDirectory.class).region().hospitals().stream()
				.flatMap(hospital -> hospital.aeTitles().stream()).findFirst()
				.orElseThrow(() -> new IllegalStateException("the region has no DICOM node to send as"));
		String calledAe = context.getEnvironment().getProperty("onetrip.dicom.ae-title", "ONETRIP");
		Path directory = Files.createTempDirectory("onetrip-training-dicom");
		try {
			return storeAndSync(listener.port(), calledAe, sender, context.getBean(DaoRegistry.class).getResourceDao(ImagingStudy.class),
					directory, oneImageStudies, seriesStudies);
		} finally {
			try (var files = Files.list(directory)) {
				for (Path file : files.toList()) {
					Files.deleteIfExists(file);
				}
			}
			Files.deleteIfExists(directory);
		}
	}

	private static List<String> storeAndSync(int port, String calledAe, String sender,
			IFhirResourceDao<ImagingStudy> studyDao, Path directory, int oneImageStudies, int seriesStudies) throws Exception {
		long started = System.nanoTime();
		List<String> studies = new ArrayList<>();
		SetOfDicomFiles oneImageFiles = new SetOfDicomFiles();
		for (int study = 0; study < oneImageStudies; study++) {
			String studyUid = uid();
			studies.add(studyUid);
			oneImageFiles.add(write(ct(studyUid, "TRAIN-" + studyUid, 1), directory).toString());
		}
		SetOfDicomFiles seriesFiles = new SetOfDicomFiles();
		for (int study = 0; study < seriesStudies; study++) {
			String studyUid = uid();
			studies.add(studyUid);
			for (int image = 1; image <= SERIES_IMAGES; image++) {
				seriesFiles.add(write(ct(studyUid, "TRAIN-" + studyUid, image), directory).toString());
			}
		}
		for (SetOfDicomFiles files : List.of(oneImageFiles, seriesFiles)) {
			if (!files.isEmpty()) {
				new StorageSOPClassSCU("127.0.0.1", port, calledAe, sender, files, 0, null, 0);
			}
		}
		long deadline = System.nanoTime() + SYNC_WAIT.toNanos();
		int inFhir = 0;
		// In the order sent, which is about the order they are synced: a look reads the studies done since the last.
		while (inFhir < studies.size() && System.nanoTime() < deadline) {
			if (inFhir(studyDao, studies.get(inFhir), inFhir < oneImageStudies ? 1 : SERIES_IMAGES)) {
				inFhir++;
			} else {
				Thread.sleep(100);
			}
		}
		log.info("Training start: {} instances stored, {} of {} studies in FHIR after {} ms",
				oneImageStudies + seriesStudies * SERIES_IMAGES, inFhir, studies.size(), (System.nanoTime() - started) / 1_000_000);
		return studies;
	}

	/** Whether the study is an ImagingStudy with every instance sent. */
	private static boolean inFhir(IFhirResourceDao<ImagingStudy> studyDao, String studyUid, int instances) {
		try {
			return studyDao.read(new IdType("ImagingStudy", studyUid), new SystemRequestDetails()).getNumberOfInstances() == instances;
		} catch (ResourceNotFoundException notYet) {
			return false;
		}
	}

	private static AttributeList ct(String studyUid, String patientId, int instanceNumber) throws DicomException {
		AttributeList list = new AttributeList();
		put(list, TagFromName.SOPClassUID, SOPClass.CTImageStorage);
		put(list, TagFromName.SOPInstanceUID, uid());
		put(list, TagFromName.StudyInstanceUID, studyUid);
		put(list, TagFromName.SeriesInstanceUID, studyUid + ".1");
		put(list, TagFromName.PatientID, patientId);
		put(list, TagFromName.PatientName, "TRAINING^PATIENT");
		put(list, TagFromName.PatientBirthDate, "19700101");
		put(list, TagFromName.PatientSex, "O");
		put(list, TagFromName.StudyDate, "20260101");
		put(list, TagFromName.StudyTime, "120000");
		put(list, TagFromName.AccessionNumber, "TRAIN" + instanceNumber);
		put(list, TagFromName.StudyDescription, "CT CHEST");
		put(list, TagFromName.Modality, "CT");
		put(list, TagFromName.BodyPartExamined, "CHEST");
		put(list, TagFromName.SeriesNumber, "1");
		put(list, TagFromName.InstanceNumber, Integer.toString(instanceNumber));
		put(list, TagFromName.SamplesPerPixel, "1");
		put(list, TagFromName.PhotometricInterpretation, "MONOCHROME2");
		put(list, TagFromName.Rows, Integer.toString(ROWS));
		put(list, TagFromName.Columns, Integer.toString(ROWS));
		put(list, TagFromName.BitsAllocated, "16");
		put(list, TagFromName.BitsStored, "12");
		put(list, TagFromName.HighBit, "11");
		put(list, TagFromName.PixelRepresentation, "0");
		OtherWordAttribute pixels = new OtherWordAttribute(TagFromName.PixelData);
		pixels.setValues(new short[ROWS * ROWS]);
		list.put(pixels);
		return list;
	}

	private static Path write(AttributeList list, Path directory) throws IOException, DicomException {
		FileMetaInformation.addFileMetaInformation(list, TransferSyntax.ExplicitVRLittleEndian, "ONETRIPTRAIN");
		Path file = directory.resolve(Attribute.getSingleStringValueOrEmptyString(list, TagFromName.SOPInstanceUID) + ".dcm");
		list.write(file.toFile(), TransferSyntax.ExplicitVRLittleEndian, true, true);
		return file;
	}

	private static void put(AttributeList list, AttributeTag tag, String value) throws DicomException {
		Attribute attribute = AttributeFactory.newAttribute(tag);
		attribute.addValue(value);
		list.put(attribute);
	}

	private static String uid() {
		UUID uuid = UUID.randomUUID();
		return "2.25." + new BigInteger(1, ByteBuffer.allocate(16)
				.putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits()).array());
	}
}
