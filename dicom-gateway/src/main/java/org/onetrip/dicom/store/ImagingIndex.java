package org.onetrip.dicom.store;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.onetrip.dicom.query.ImagingQuery;
import org.onetrip.dicom.query.QueryMatch;

/**
 * The index of every stored instance (study, series, instance) with the regional Patient it belongs to. C-FIND,
 * QIDO-RS and retrieval read it; the FHIR sync follows its change counter. The relational implementation is
 * {@link JdbcImagingIndex}.
 */
public interface ImagingIndex {

	/**
	 * One instance to index: its header, where it came from, whose it is, and where its file is. {@code patientRef}
	 * is null when no regional Patient holds the PatientID yet: the FHIR sync makes it ({@link #markSynced}).
	 */
	record NewInstance(DicomHeader header, String hospital, PatientKey patient, String patientRef,
			String transferSyntaxUid, String relativePath, long size) {}

	enum Added { NEW, ALREADY_STORED }

	/** Indexes one instance in one transaction; an instance with the same SOP Instance UID is not added twice. */
	Added add(NewInstance instance);

	boolean contains(String sopInstanceUid);

	List<QueryMatch> find(ImagingQuery query, int limit);

	/** A stored instance and where its file is, for retrieval (C-MOVE, C-GET, WADO). */
	record StoredInstance(String studyUid, String seriesUid, String sopInstanceUid, String sopClassUid,
			String transferSyntaxUid, String relativePath) {}

	/** The instances an IMAGE-level query matches (all keys filter), at most {@code limit}, in series order. */
	List<StoredInstance> locate(ImagingQuery query, int limit);

	/** Everything the index knows of one study, or empty. */
	Optional<StudySnapshot> study(String studyInstanceUid);

	/** {@link #study} of several at once, by Study Instance UID; unknown ones are left out. */
	Map<String, StudySnapshot> studies(List<String> studyInstanceUids);

	/**
	 * A sender is done (its association ended, its STOW-RS request was answered), having sent this many new instances
	 * of each study: a study it sent whole (every instance the index holds of it came this way) is written to FHIR
	 * without waiting for the quiet period. A study sent in parts (an association per image, series over parallel
	 * associations) waits as before; one that receives an instance afterwards waits again.
	 */
	void sendersDone(Map<String, Integer> newInstancesByStudy);

	/** How long a study must have had no new instance before it is claimed for sync (unless it has waited long). */
	Duration quietPeriod();

	/**
	 * Up to {@code limit} studies changed since their last sync, each leased to the caller for {@code lease} so
	 * that two servers on one database do not sync the same study at once.
	 */
	List<PendingSync> claimStudiesToSync(int limit, Duration lease, Share share);

	/** Worker {@code index} of {@code of}: the studies whose issuer and PatientID hash to it. */
	record Share(int index, int of) {

		public Share {
			if (of < 1 || index < 0 || index >= of) {
				throw new IllegalArgumentException("no share " + index + " of " + of);
			}
		}
	}

	/**
	 * A study written to FHIR up to {@code changeSeq} (later changes keep it pending), and the regional Patient made for
	 * it then, or null (a study that has a Patient keeps it).
	 */
	record Synced(String studyInstanceUid, long changeSeq, String newPatientRef) {}

	/** Studies written to FHIR, marked in one transaction. */
	void markSynced(List<Synced> studies);

	/**
	 * Runs {@code work} holding a lock per PatientID (issuer and value) that every server on this database respects:
	 * what makes the Patients of new PatientIDs runs under it, so a second server waits for the first one's Patient
	 * instead of racing it.
	 */
	<T> T withPatientsLocked(Collection<PatientKey> patients, Supplier<T> work);

	/** Keeps a claimed study from being claimed again for {@code delay} (its sync failed). */
	void postpone(String studyInstanceUid, Duration delay);

	/** Gives a claimed study back unsynced (the sync failed); it is tried again later. */
	void releaseClaim(String studyInstanceUid);

	record PendingSync(String studyInstanceUid, long changeSeq) {}

	/** Studies whose latest change is not in FHIR yet. */
	long pendingSyncCount();

	long studyCount();

	long instanceCount();

	/** When the newest indexed instance was received; empty for an empty index. */
	java.util.Optional<java.time.Instant> lastReceivedAt();
}
