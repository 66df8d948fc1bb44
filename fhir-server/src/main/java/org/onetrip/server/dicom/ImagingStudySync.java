package org.onetrip.server.dicom;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.onetrip.dicom.store.PatientDirectory;
import org.onetrip.dicom.store.PatientKey;
import org.onetrip.dicom.store.ImagingIndex;
import org.onetrip.dicom.store.StudySnapshot;
import org.onetrip.server.fhirstore.FhirStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps each indexed study's FHIR ImagingStudy up to date. It follows the index's per-study change counter rather
 * than each C-STORE, so a 300-image study becomes a handful of FHIR updates, not 300, and nothing is lost when
 * the server stops: pending studies are still pending at the next start. A study is synced once it has been
 * quiet briefly (or has waited long), leased so that two servers on one database do not both write it.
 * <p>
 * The studies claimed together are written in one FHIR transaction, with the Patients of PatientIDs the region did
 * not know (looked up again under a lock per PatientID, so a Patient that appeared meanwhile is used, not doubled):
 * one commit for a burst of one-image studies instead of two full writes each. If the transaction fails, each study is tried alone, so one
 * study that cannot be written does not hold back the others.
 */
public class ImagingStudySync implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(ImagingStudySync.class);
	/** How long a claimed study is this server's to write; a server that stops mid-write leaves it for this long. */
	private static final Duration LEASE = Duration.ofSeconds(30);
	/** How long a study whose write failed on its own waits before it is tried again. */
	private static final Duration FAILED_BACK_OFF = Duration.ofMinutes(2);
	private static final int BATCH = 32;
	/** Past the quiet period before looking again: the index's clock and this one are read a little apart. */
	private static final long QUIET_MARGIN_NANOS = 20_000_000L;

	private final ImagingIndex index;
	private final FhirPatientDirectory patients;
	private final ImagingStudyBuilder builder;
	private final FhirStore studies;
	/** New Patients are plain creates: the index's locks are in the FHIR store's database (see the constructor). */
	private final boolean plainPatientCreates;
	private final Duration idlePoll;
	private final Object wake = new Object();
	/** Woken when a sender is done with its studies (not at every instance, which {@link #wake} is). */
	private final Object complete = new Object();
	private final AtomicLong synced = new AtomicLong();
	private final Counter syncedCounter;
	private final Counter failedCounter;
	/** When a study last changed here (System.nanoTime), 0 before the first: what the next round waits for. */
	private volatile long lastChange;
	private final int workers;
	private volatile boolean running;
	private final List<Thread> threads = new ArrayList<>();

	/**
	 * @param locksInFhirDatabase the index's locks per PatientID are taken in the database {@code studies} writes to, so
	 *                            no other sync on that database makes a Patient of a locked PatientID meanwhile: new
	 *                            Patients of the region's person systems are plain creates (a standalone gateway
	 *                            writing to the same server is caught by the person rule, which refuses a second
	 *                            DICOM-made record of one MRN; the batch is then written study by study, by conditional
	 *                            creates). Otherwise (a gateway in a process of its own, with its own database), and for
	 *                            PatientIDs of unknown issuers, they are conditional creates.
	 */
	public ImagingStudySync(ImagingIndex index, FhirPatientDirectory patients, ImagingStudyBuilder builder,
			FhirStore studies, boolean locksInFhirDatabase, Duration idlePoll, int workers, MeterRegistry meters) {
		if (workers < 1) {
			throw new IllegalArgumentException("onetrip.dicom.sync.workers must be 1 or more, not " + workers);
		}
		this.workers = workers;
		this.index = index;
		this.patients = patients;
		this.builder = builder;
		this.studies = studies;
		this.plainPatientCreates = locksInFhirDatabase;
		this.idlePoll = idlePoll;
		this.syncedCounter = Counter.builder("onetrip_dicom_study_syncs_total").tag("outcome", "synced")
				.description("ImagingStudy writes from the DICOM index").register(meters);
		this.failedCounter = Counter.builder("onetrip_dicom_study_syncs_total").tag("outcome", "failed")
				.description("ImagingStudy writes from the DICOM index").register(meters);
	}

	/**
	 * Starts the workers. Each takes the studies of its share of PatientIDs (a hash of issuer and PatientID), so the
	 * workers of one server never race to make one Patient. Across servers on one database, the Patients of a batch are
	 * looked up and made under a database lock per PatientID ({@link ImagingIndex#withPatientsLocked}): the second
	 * server waits and finds the first one's Patient.
	 */
	public synchronized void start() {
		running = true;
		for (int worker = 0; worker < workers; worker++) {
			ImagingIndex.Share share = new ImagingIndex.Share(worker, workers);
			Thread thread = new Thread(() -> loop(share), "dicom-fhir-sync-" + worker);
			thread.setDaemon(true);
			thread.start();
			threads.add(thread);
		}
	}

	/** A study changed: look sooner than the idle poll. */
	public void nudge() {
		lastChange = System.nanoTime();
		synchronized (wake) {
			wake.notifyAll();
		}
	}

	/** A sender is done with some studies (the index says which): look now rather than after the quiet period. */
	public void studiesComplete() {
		synchronized (complete) {
			complete.notifyAll();
		}
	}

	public long syncedCount() {
		return synced.get();
	}

	private void loop(ImagingIndex.Share share) {
		while (running) {
			try {
				List<ImagingIndex.PendingSync> claimed = index.claimStudiesToSync(BATCH, LEASE, share);
				if (!claimed.isEmpty()) {
					syncTogether(claimed);
					continue;
				}
				// Nothing quiet yet. While instances arrive, look again when the newest change has been quiet long
				// enough (a round per C-STORE would query the index hundreds of times a second for nothing), or when a
				// sender says it is done; when none arrive, sleep until a change or the idle poll (studies of another
				// server on this database).
				long quietAt = lastChange + index.quietPeriod().toNanos() + QUIET_MARGIN_NANOS;
				long wait = quietAt - System.nanoTime();
				if (lastChange != 0 && wait > 0) {
					synchronized (complete) {
						complete.wait(Math.max(1, wait / 1_000_000));
					}
				} else {
					synchronized (wake) {
						wake.wait(idlePoll.toMillis());
					}
				}
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				return;
			} catch (RuntimeException e) {
				log.warn("DICOM to FHIR sync round failed, retrying: {}", e.getMessage());
				sleepQuietly();
			}
		}
	}

	/** Claimed studies in one transaction; each alone when that fails. */
	private void syncTogether(List<ImagingIndex.PendingSync> claimed) {
		Map<String, StudySnapshot> found = index.studies(claimed.stream().map(ImagingIndex.PendingSync::studyInstanceUid).toList());
		List<StudySnapshot> snapshots = new ArrayList<>();
		for (ImagingIndex.PendingSync pending : claimed) {
			StudySnapshot snapshot = found.get(pending.studyInstanceUid());
			if (snapshot != null) {
				snapshots.add(snapshot);
			} else {
				index.releaseClaim(pending.studyInstanceUid());
			}
		}
		if (snapshots.isEmpty()) {
			return;
		}
		if (snapshots.size() == 1) {
			syncAlone(snapshots.get(0));
			return;
		}
		Set<PatientKey> unlinked = new LinkedHashSet<>();
		snapshots.stream().filter(snapshot -> snapshot.patientRef() == null).forEach(snapshot -> unlinked.add(snapshot.patient()));
		Map<PatientKey, String> made;
		try {
			made = index.withPatientsLocked(unlinked, () -> {
				// Under the locks no other sync worker makes these Patients; one search finds the ones that exist (made by
				// a hospital, or by an earlier batch), so the rest can be plain creates: a conditional create per Patient
				// searched once each (a seventh of the sync's time on one-image studies).
				// Conditional creates (a standalone gateway's, an unknown issuer's PatientIDs) search anyway: not searched first.
				StudyTransaction transaction = new StudyTransaction(plainPatientCreates
						? patients.holdersNow(unlinked.stream().filter(patients::keyedByRegion).toList()) : Map.of());
				snapshots.forEach(transaction::add);
				return transaction.patients(studies.transaction(transaction.bundle));
			});
		} catch (RuntimeException e) {
			log.info("{} ImagingStudies could not be written together ({}); writing each alone", snapshots.size(),
					e.getMessage());
			snapshots.forEach(this::syncAlone);
			return;
		}
		List<ImagingIndex.Synced> written = new ArrayList<>();
		for (StudySnapshot snapshot : snapshots) {
			written.add(new ImagingIndex.Synced(snapshot.studyInstanceUid(), snapshot.changeSeq(),
					snapshot.patientRef() == null ? made.get(snapshot.patient()) : null));
		}
		marked(written, made);
	}

	/** One study in its own write (and its Patient in its own, when it has none yet). */
	private void syncAlone(StudySnapshot snapshot) {
		String patientRef;
		try {
			if (snapshot.patientRef() != null) {
				patientRef = snapshot.patientRef();
			} else {
				patientRef = index.withPatientsLocked(List.of(snapshot.patient()),
						() -> patients.locate(snapshot.patient(), demographics(snapshot)));
			}
			studies.putImagingStudy(builder.build(snapshot, "Patient/" + patientRef));
		} catch (RuntimeException e) {
			failedCounter.increment();
			log.warn("ImagingStudy {} not synced (tried again in {}): {}", snapshot.studyInstanceUid(), FAILED_BACK_OFF,
					e.getMessage());
			postpone(snapshot.studyInstanceUid());
			return;
		}
		boolean madePatient = snapshot.patientRef() == null;
		marked(List.of(new ImagingIndex.Synced(snapshot.studyInstanceUid(), snapshot.changeSeq(),
				madePatient ? patientRef : null)), madePatient ? Map.of(snapshot.patient(), patientRef) : Map.of());
	}

	/**
	 * A study that failed alone waits longer than a lease before its next try: in a batch it would fail the batch's
	 * transaction again and send every study of it down the one-by-one path.
	 */
	private void postpone(String studyInstanceUid) {
		try {
			index.postpone(studyInstanceUid, FAILED_BACK_OFF);
		} catch (RuntimeException e) {
			log.warn("ImagingStudy {} not postponed (tried again when its lease ends): {}", studyInstanceUid, e.getMessage());
		}
	}

	/** The studies' ImagingStudies are in FHIR up to their snapshots' changes; the Patients made for them recorded. */
	private void marked(List<ImagingIndex.Synced> written, Map<PatientKey, String> made) {
		try {
			index.markSynced(written);
		} catch (RuntimeException e) {
			// Written to FHIR, not marked: the leases run out and the same ImagingStudies are written again (no harm).
			failedCounter.increment(written.size());
			log.warn("{} ImagingStudies written but not marked synced: {}", written.size(), e.getMessage());
			return;
		}
		made.forEach(patients::remember);
		synced.addAndGet(written.size());
		syncedCounter.increment(written.size());
	}

	private static PatientDirectory.Demographics demographics(StudySnapshot snapshot) {
		return new PatientDirectory.Demographics(snapshot.patientName(), snapshot.patientBirthDate(), snapshot.patientSex());
	}

	/**
	 * One transaction Bundle: a new Patient per PatientID the region does not hold yet (once per PatientID), then each
	 * ImagingStudy as an update under its Study Instance UID, naming its Patient: the one found, or the new entry's
	 * full URL.
	 */
	private final class StudyTransaction {
		final Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
		private final Map<PatientKey, String> existing;
		private final Map<PatientKey, Integer> patientEntries = new LinkedHashMap<>();

		/** @param existing the Patients already holding some of the studies' PatientIDs */
		StudyTransaction(Map<PatientKey, String> existing) {
			this.existing = existing;
		}

		void add(StudySnapshot snapshot) {
			String subject;
			if (snapshot.patientRef() != null) {
				subject = "Patient/" + snapshot.patientRef();
			} else if (existing.containsKey(snapshot.patient())) {
				subject = "Patient/" + existing.get(snapshot.patient());
			} else {
				subject = newPatientUrl(snapshot);
			}
			ImagingStudy study = builder.build(snapshot, subject);
			bundle.addEntry().setResource(study).getRequest()
					.setMethod(Bundle.HTTPVerb.PUT).setUrl("ImagingStudy/" + study.getIdElement().getIdPart());
		}

		private String newPatientUrl(StudySnapshot snapshot) {
			Integer entry = patientEntries.get(snapshot.patient());
			if (entry == null) {
				entry = bundle.getEntry().size();
				patientEntries.put(snapshot.patient(), entry);
				Bundle.BundleEntryRequestComponent request = bundle.addEntry().setFullUrl("urn:uuid:" + UUID.randomUUID())
						.setResource(FhirPatientDirectory.newPatient(snapshot.patient(), demographics(snapshot)))
						.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Patient");
				// A PatientID of a system the region does not key persons by (an unknown issuer) is guarded by HAPI's
				// conditional create: a standalone gateway writing to this server does not share the locks, and no person
				// rule would catch a second Patient holding it.
				if (!plainPatientCreates || !patients.keyedByRegion(snapshot.patient())) {
					request.setIfNoneExist(FhirPatientDirectory.ifNoneExist(snapshot.patient()));
				}
			}
			return bundle.getEntry().get(entry).getFullUrl();
		}

		/** The Patient of each PatientID that had none in the index: found before, or made (from the response). */
		Map<PatientKey, String> patients(Bundle response) {
			Map<PatientKey, String> ids = new HashMap<>(existing);
			patientEntries.forEach((key, entry) -> ids.put(key,
					new IdType(response.getEntry().get(entry).getResponse().getLocation()).getIdPart()));
			return ids;
		}
	}

	private void sleepQuietly() {
		try {
			Thread.sleep(idlePoll.toMillis());
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public synchronized void close() {
		running = false;
		threads.forEach(Thread::interrupt);
		for (Thread thread : threads) {
			try {
				// A round in progress ends first (up to 30 s), so a start() after close() does not run two loops of a share.
				thread.join(Duration.ofSeconds(30).toMillis());
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
		}
		threads.clear();
	}
}
