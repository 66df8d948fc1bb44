package org.onetrip.dicom.store;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.TagFromName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.onetrip.dicom.DimseStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores one received instance so that nothing is lost: it is parsed and checked, the file is forced to disk and
 * renamed into place, and the index row is committed under its issuer-aware PatientID (and the regional Patient
 * holding it, when there is one), all before the caller is told "stored". Any failure leaves no index row and
 * discards the received bytes. The Patient of a PatientID the region does not know yet is made by the FHIR sync
 * with the study's ImagingStudy, not here: making a FHIR Patient was four fifths of a one-image study's C-STORE.
 * C-STORE and STOW-RS both come through here.
 */
public final class StorageService {

	private static final Logger log = LoggerFactory.getLogger(StorageService.class);

	/** What happened to an instance that was accepted. */
	public enum Outcome { STORED, ALREADY_STORED }

	/** A stored instance's identity, for the caller's response. */
	public record Stored(Outcome outcome, DicomHeader header) {}

	private final DicomFileStore files;
	private final ImagingIndex index;
	private final PatientDirectory patients;
	private final PatientIdIssuers issuers;
	private final Runnable studyChanged;
	private final Runnable studiesComplete;
	private final AtomicLong stored = new AtomicLong();
	private final AtomicLong duplicates = new AtomicLong();
	private final AtomicLong refused = new AtomicLong();

	/**
	 * @param studyChanged    told after every stored instance
	 * @param studiesComplete told when a sender is done with studies it sent whole ({@link Sending#done})
	 */
	public StorageService(DicomFileStore files, ImagingIndex index, PatientDirectory patients, PatientIdIssuers issuers,
			Runnable studyChanged, Runnable studiesComplete) {
		this.files = files;
		this.index = index;
		this.patients = patients;
		this.issuers = issuers;
		this.studyChanged = studyChanged;
		this.studiesComplete = studiesComplete;
	}

	public DicomFileStore files() {
		return files;
	}

	/**
	 * One sender's stores: an association's C-STOREs or a STOW-RS request's parts, from one hospital. It counts the new
	 * instances it stored of each study, so that when the sender is {@link #done} the studies it sent whole (it carried
	 * every instance the index holds of them) need not wait for the quiet period that guesses whether more are coming
	 * ({@link ImagingIndex#sendersDone}). C-STORE and STOW-RS both store through one of these, so the two doors cannot
	 * count differently.
	 */
	public Sending sending(String hospital) {
		return new Sending(hospital);
	}

	public final class Sending {
		private final String hospital;
		private final Map<String, Integer> newInstancesByStudy = new ConcurrentHashMap<>();

		private Sending(String hospital) {
			this.hospital = hospital;
		}

		public DicomFileStore files() {
			return files;
		}

		/**
		 * Stores a received Part 10 file (meta information + data set) from {@code incoming}, which is consumed.
		 *
		 * @param expectedSopInstanceUid the Affected SOP Instance UID of the request, or null (STOW-RS)
		 */
		public Stored store(Path incoming, String expectedSopInstanceUid, String transferSyntaxUid) throws StoreRefusedException {
			Stored stored = storeOne(incoming, expectedSopInstanceUid, transferSyntaxUid, hospital);
			if (stored.outcome() == Outcome.STORED) {
				newInstancesByStudy.merge(stored.header().studyInstanceUid(), 1, Integer::sum);
			}
			return stored;
		}

		/**
		 * The sender is done (its association was released, its request is answered). Failing to say so only delays
		 * its studies by the quiet period; an association that ended in an error does not say so.
		 */
		public void done() {
			if (newInstancesByStudy.isEmpty()) {
				return;
			}
			Map<String, Integer> sent = Map.copyOf(newInstancesByStudy);
			try {
				index.sendersDone(sent);
				studiesComplete.run();
			} catch (RuntimeException e) {
				log.warn("{} studies not marked complete (written after the quiet period instead): {}", sent.size(), e.getMessage());
			}
		}
	}

	/** @param hospital the sending hospital (region key), whose MRN system a bare PatientID belongs to */
	private Stored storeOne(Path incoming, String expectedSopInstanceUid, String transferSyntaxUid, String hospital)
			throws StoreRefusedException {
		try {
			DicomHeader header = parse(incoming, transferSyntaxUid);
			check(header, expectedSopInstanceUid);
			if (index.contains(header.sopInstanceUid())) {
				files.discard(incoming);
				duplicates.incrementAndGet();
				return new Stored(Outcome.ALREADY_STORED, header);
			}
			PatientKey patient = issuers.keyFor(header.patientId(), header.issuerOfPatientId(), hospital);
			String patientRef = existingPatient(patient);
			String relativePath = files.relativePath(header.studyInstanceUid(), header.sopInstanceUid());
			long size = Files.size(incoming);
			files.commit(incoming, relativePath);
			ImagingIndex.Added added = index.add(new ImagingIndex.NewInstance(header, hospital, patient, patientRef,
					transferSyntaxUid, relativePath, size));
			if (added == ImagingIndex.Added.NEW) {
				stored.incrementAndGet();
				studyChanged.run();
				return new Stored(Outcome.STORED, header);
			}
			duplicates.incrementAndGet();
			return new Stored(Outcome.ALREADY_STORED, header);
		} catch (StoreRefusedException e) {
			files.discard(incoming);
			refused.incrementAndGet();
			throw e;
		} catch (IOException e) {
			files.discard(incoming);
			refused.incrementAndGet();
			if (diskFull(e)) {
				log.error("instance not stored: the disk of the DICOM store ({}) is full", files.root());
				throw new StoreRefusedException(DimseStatus.OUT_OF_RESOURCES, DISK_FULL, e);
			}
			throw new StoreRefusedException(DimseStatus.OUT_OF_RESOURCES, "could not write the instance: " + e.getMessage(), e);
		} catch (IndexUnavailableException e) {
			files.discard(incoming);
			refused.incrementAndGet();
			log.warn("instance not stored: {}", e.getMessage());
			throw new StoreRefusedException(DimseStatus.OUT_OF_RESOURCES,
					diskFull(e) ? DISK_FULL : databaseAway(e) ? DATABASE_AWAY : e.getMessage(), e);
		}
	}

	/** The failure comment of a full disk, whole within a DICOM Error Comment's 64 characters. */
	static final String DISK_FULL = "OneTrip's disk is full: not stored, send again later";
	/** The failure comment while the index's database cannot be reached, whole within 64 characters. */
	static final String DATABASE_AWAY = "OneTrip's database is away: not stored, send again later";

	/** A connection that could not be made or was lost (SQLSTATE class 08). */
	private static boolean databaseAway(Throwable failure) {
		for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
			if (t instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("08")) {
				return true;
			}
		}
		return false;
	}

	/** The file system's or PostgreSQL's (SQLSTATE 53100, disk_full) way of saying the disk is full. */
	private static boolean diskFull(Throwable failure) {
		for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
			if (t instanceof SQLException sql && "53100".equals(sql.getSQLState())
					|| t.getMessage() != null && t.getMessage().contains("No space left on device")) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Indexes stored files the index does not know: a process killed between a file's rename (the file is whole and
	 * forced) and its index row's commit leaves a file that was never acknowledged but is complete; indexing it makes
	 * what is on disk and what is found agree. Only studies changed since {@code since} are looked at. The
	 * sending hospital of such a file is taken from the AE title in its meta header (the calling AE for a C-STORE).
	 *
	 * @return how many instances were indexed again
	 */
	public int recover(java.time.Instant since, java.util.function.Function<String, java.util.Optional<String>> hospitalOfAe)
			throws IOException {
		int recovered = 0;
		for (String relativePath : files.filesOfStudiesChangedSince(since)) {
			Path file = files.resolve(relativePath);
			String sopInstanceUid = file.getFileName().toString().replaceFirst("\\.dcm$", "");
			if (index.contains(sopInstanceUid)) {
				continue;
			}
			try {
				AttributeList meta = new AttributeList();
				meta.read(file.toFile(), TagFromName.PatientID);
				String transferSyntax = Attribute.getSingleStringValueOrEmptyString(meta, TagFromName.TransferSyntaxUID).trim();
				String sourceAe = Attribute.getSingleStringValueOrEmptyString(meta, TagFromName.SourceApplicationEntityTitle).trim();
				String hospital = hospitalOfAe.apply(sourceAe).orElse(null);
				DicomHeader header = parse(file, transferSyntax);
				if (hospital == null) {
					log.warn("stored file {} names no region sender (source AE '{}'): left unindexed", relativePath, sourceAe);
					continue;
				}
				PatientKey patient = issuers.keyFor(header.patientId(), header.issuerOfPatientId(), hospital);
				String patientRef = existingPatient(patient);
				index.add(new ImagingIndex.NewInstance(header, hospital, patient, patientRef,
						transferSyntax, relativePath, Files.size(file)));
				studyChanged.run();
				recovered++;
			} catch (StoreRefusedException | DicomException | RuntimeException e) {
				log.warn("stored file {} could not be indexed again: {}", relativePath, e.getMessage());
			}
		}
		if (recovered > 0) {
			log.warn("{} stored instances were missing from the imaging index (the process stopped before the index "
					+ "reached the disk) and are indexed again", recovered);
		}
		return recovered;
	}

	/**
	 * The regional Patient holding the PatientID, or null when the FHIR sync has to find or make it: also when the
	 * patient register does not answer now (a standalone gateway whose server is away keeps storing; the sync's
	 * conditional create finds the Patient later, never a second one).
	 */
	private String existingPatient(PatientKey patient) {
		try {
			return patients.existing(patient).orElse(null);
		} catch (RuntimeException e) {
			log.warn("the regional Patient for {} could not be looked up ({}); the FHIR sync will find or make it",
					patient, e.getMessage());
			return null;
		}
	}

	private static DicomHeader parse(Path file, String transferSyntaxUid) throws StoreRefusedException {
		AttributeList list = new AttributeList();
		try {
			DataSetCompleteness.check(file, transferSyntaxUid);
			// Up to the pixel data: the header is all the index needs, and DataSetCompleteness has already walked
			// every element (decoding the pixels here was the costliest step of a C-STORE).
			list.read(file.toFile(), TagFromName.PixelData);
		} catch (DataSetCompleteness.Incomplete e) {
			throw new StoreRefusedException(DimseStatus.CANNOT_UNDERSTAND, "the data set is incomplete: " + e.getMessage(), e);
		} catch (IOException | DicomException | RuntimeException e) {
			throw new StoreRefusedException(DimseStatus.CANNOT_UNDERSTAND,
					"the data set cannot be parsed (truncated or not DICOM): " + e.getMessage(), e);
		}
		return DicomHeader.of(list);
	}

	private static void check(DicomHeader header, String expectedSopInstanceUid) throws StoreRefusedException {
		List<String> missing = header.missingIdentifiers();
		if (!missing.isEmpty()) {
			throw new StoreRefusedException(DimseStatus.DATA_SET_DOES_NOT_MATCH_SOP_CLASS,
					"the data set has no " + String.join(", no ", missing));
		}
		for (String uid : List.of(header.sopInstanceUid(), header.studyInstanceUid(), header.seriesInstanceUid(),
				header.sopClassUid())) {
			if (!DicomFileStore.isValidUid(uid)) {
				throw new StoreRefusedException(DimseStatus.DATA_SET_DOES_NOT_MATCH_SOP_CLASS, "not a valid UID: '" + uid + "'");
			}
		}
		if (expectedSopInstanceUid != null && !expectedSopInstanceUid.trim().equals(header.sopInstanceUid())) {
			throw new StoreRefusedException(DimseStatus.DATA_SET_DOES_NOT_MATCH_SOP_CLASS,
					"the data set's SOP Instance UID " + header.sopInstanceUid() + " differs from the request's "
							+ expectedSopInstanceUid.trim());
		}
		if (header.patientId().length() > 64) {
			throw new StoreRefusedException(DimseStatus.DATA_SET_DOES_NOT_MATCH_SOP_CLASS, "PatientID longer than 64 characters");
		}
	}

	public long storedCount() {
		return stored.get();
	}

	public long duplicateCount() {
		return duplicates.get();
	}

	public long refusedCount() {
		return refused.get();
	}
}
