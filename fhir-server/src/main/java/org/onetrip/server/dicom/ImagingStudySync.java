package org.onetrip.server.dicom;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.hl7.fhir.r4.model.ImagingStudy;
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
 */
public class ImagingStudySync implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(ImagingStudySync.class);
	/** Also the back-off after a failed write: the study's lease runs out and it is tried again. */
	private static final Duration LEASE = Duration.ofSeconds(30);
	private static final int BATCH = 32;

	private final ImagingIndex index;
	private final ImagingStudyBuilder builder;
	private final FhirStore studies;
	private final Duration idlePoll;
	private final Object wake = new Object();
	private final AtomicLong synced = new AtomicLong();
	private final Counter syncedCounter;
	private final Counter failedCounter;
	private volatile boolean running;
	private Thread thread;

	public ImagingStudySync(ImagingIndex index, ImagingStudyBuilder builder, FhirStore studies,
			Duration idlePoll, MeterRegistry meters) {
		this.index = index;
		this.builder = builder;
		this.studies = studies;
		this.idlePoll = idlePoll;
		this.syncedCounter = Counter.builder("onetrip_dicom_study_syncs_total").tag("outcome", "synced")
				.description("ImagingStudy writes from the DICOM index").register(meters);
		this.failedCounter = Counter.builder("onetrip_dicom_study_syncs_total").tag("outcome", "failed")
				.description("ImagingStudy writes from the DICOM index").register(meters);
	}

	public synchronized void start() {
		running = true;
		thread = new Thread(this::loop, "dicom-fhir-sync");
		thread.setDaemon(true);
		thread.start();
	}

	/** A study changed: look sooner than the idle poll. */
	public void nudge() {
		synchronized (wake) {
			wake.notifyAll();
		}
	}

	public long syncedCount() {
		return synced.get();
	}

	private void loop() {
		while (running) {
			try {
				List<ImagingIndex.PendingSync> claimed = index.claimStudiesToSync(BATCH, LEASE);
				for (ImagingIndex.PendingSync pending : claimed) {
					syncOne(pending.studyInstanceUid());
				}
				if (claimed.isEmpty()) {
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

	/** Writes one study now (also used by tests and by a reindex). */
	public void syncOne(String studyInstanceUid) {
		try {
			Optional<StudySnapshot> snapshot = index.study(studyInstanceUid);
			if (snapshot.isEmpty()) {
				index.releaseClaim(studyInstanceUid);
				return;
			}
			studies.putImagingStudy(builder.build(snapshot.get()));
			index.markSynced(studyInstanceUid, snapshot.get().changeSeq());
			synced.incrementAndGet();
			syncedCounter.increment();
		} catch (RuntimeException e) {
			failedCounter.increment();
			log.warn("ImagingStudy {} not synced (tried again when its lease ends): {}", studyInstanceUid, e.getMessage());
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
		if (thread != null) {
			thread.interrupt();
		}
	}
}
