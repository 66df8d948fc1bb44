package org.onetrip.server.terminology;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.ConceptMap;
import org.onetrip.terminology.exam.ExamTerminology;
import org.onetrip.terminology.exam.HospitalExamCodes;
import org.onetrip.terminology.region.Region;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * A hospital's exam ConceptMap written through FHIR takes effect without a restart: checked before
 * it is stored (every target must be a catalogue code, else 422 and nothing changes), handed to the
 * live {@link ExamTerminology} once the write has committed.
 */
@Interceptor
public class LiveCodeMaps {

	private static final Logger log = LoggerFactory.getLogger(LiveCodeMaps.class);

	private final ExamTerminology terminology;
	private final Region region;

	public LiveCodeMaps(ExamTerminology terminology, Region region) {
		this.terminology = terminology;
		this.region = region;
	}

	@Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
	public void beforeCreate(IBaseResource resource) {
		hospitalCodes(resource);
	}

	@Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
	public void beforeUpdate(IBaseResource previous, IBaseResource resource) {
		hospitalCodes(resource);
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
	public void created(IBaseResource resource) {
		hospitalCodes(resource).ifPresent(this::applyAfterCommit);
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
	public void updated(IBaseResource previous, IBaseResource resource) {
		hospitalCodes(resource).ifPresent(this::applyAfterCommit);
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
	public void deleted(IBaseResource resource) {
		hospitalCodes(resource).ifPresent(codes -> afterCommit(() -> {
			terminology.removeCodeMap(codes.system());
			log.info("Exam code map of {} deleted: its local codes are unmapped", codes.hospitalKey());
		}));
	}

	/** The code map as the store now holds it: used at start, after the CSV files were loaded. */
	public void apply(HospitalExamCodes codes) {
		terminology.replaceCodeMap(codes);
		log.debug("Exam code map of {} active: {} local codes ({})", codes.hospitalKey(), codes.entries().size(), codes.system());
	}

	public Optional<HospitalExamCodes> hospitalCodes(IBaseResource resource) {
		if (!(resource instanceof ConceptMap map)) {
			return Optional.empty();
		}
		try {
			return ExamTerminologyResources.asHospitalCodes(map, terminology, region);
		} catch (IllegalArgumentException e) {
			throw new UnprocessableEntityException("ConceptMap " + map.getIdElement().getIdPart() + ": " + e.getMessage());
		}
	}

	private void applyAfterCommit(HospitalExamCodes codes) {
		afterCommit(() -> {
			apply(codes);
			log.info("Exam code map of {} changed: {} local codes now map to the catalogue",
					codes.hospitalKey(), codes.entries().size());
		});
	}

	/** A write that rolls back must not change the live maps. */
	private static void afterCommit(Runnable action) {
		if (!TransactionSynchronizationManager.isSynchronizationActive()) {
			action.run();
			return;
		}
		TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
			@Override
			public void afterCommit() {
				action.run();
			}
		});
	}
}
