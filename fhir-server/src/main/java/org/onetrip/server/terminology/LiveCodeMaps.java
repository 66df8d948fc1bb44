package org.onetrip.server.terminology;

import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.ConceptMap;
import org.onetrip.server.hapi.WorkflowEffects;
import org.onetrip.server.hapi.WorkflowHandler;
import org.onetrip.terminology.exam.ExamTerminology;
import org.onetrip.terminology.exam.HospitalExamCodes;
import org.onetrip.terminology.region.Region;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A hospital's exam ConceptMap written through FHIR takes effect without a restart: checked before
 * it is stored (every target must be a catalogue code, else 422 and nothing changes), handed to the
 * live {@link ExamTerminology} once the write has committed.
 */
public class LiveCodeMaps implements WorkflowHandler {

	private static final Logger log = LoggerFactory.getLogger(LiveCodeMaps.class);

	private final ExamTerminology terminology;
	private final Region region;

	public LiveCodeMaps(ExamTerminology terminology, Region region) {
		this.terminology = terminology;
		this.region = region;
	}

	@Override
	public Stage stage() {
		return Stage.CODE_MAPS;
	}

	@Override
	public Set<String> resourceTypes() {
		return Set.of("ConceptMap");
	}

	@Override
	public void beforeStorage(Write write) {
		hospitalCodes(write.resource());
	}

	/** A write that rolls back must not change the live maps: they change after commit. */
	@Override
	public void written(Write write, WorkflowEffects effects) {
		hospitalCodes(write.resource()).ifPresent(codes -> effects.afterCommit(write.deleted() ? () -> {
			terminology.removeCodeMap(codes.system());
			log.info("Exam code map of {} deleted: its local codes are unmapped", codes.hospitalKey());
		} : () -> {
			apply(codes);
			log.info("Exam code map of {} changed: {} local codes now map to the catalogue",
					codes.hospitalKey(), codes.entries().size());
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
}
