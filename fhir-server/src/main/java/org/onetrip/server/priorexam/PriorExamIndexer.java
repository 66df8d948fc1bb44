package org.onetrip.server.priorexam;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.onetrip.server.hapi.WorkflowEffects;
import org.onetrip.server.hapi.WorkflowHandler;
import org.onetrip.terminology.exam.ExamTyping;

/**
 * Keeps the prior-exam index in step with the FHIR store, inside the same database transaction as
 * the write (a workflow handler, last but the code maps): a report that is stored is indexed, one that fails is not.
 */
public class PriorExamIndexer implements WorkflowHandler {

	private final PriorExamIndex index;
	private final PriorExamRecords records;
	private final MeterRegistry meters;

	public PriorExamIndexer(PriorExamIndex index, PriorExamRecords records, MeterRegistry meters) {
		this.index = index;
		this.records = records;
		this.meters = meters;
	}

	@Override
	public Stage stage() {
		return Stage.PRIOR_EXAM_INDEX;
	}

	@Override
	public Set<String> resourceTypes() {
		return PriorExamRecords.SOURCE_TYPES;
	}

	@Override
	public void written(Write write, WorkflowEffects effects) {
		if (write.deleted()) {
			index.remove(write.resource().fhirType() + "/" + write.id());
		} else {
			reindex(write.resource());
		}
	}

	private void reindex(IBaseResource resource) {
		String source = resource.fhirType() + "/" + resource.getIdElement().getIdPart();
		records.of(resource).ifPresentOrElse(index::put, () -> {
			index.remove(source);
			countUnmappedCode(resource, source);
		});
	}

	/** A hospital's exam code that its code map lacks: invisible to the duplicate check until mapped. */
	private void countUnmappedCode(IBaseResource resource, String source) {
		records.typing(resource).ifPresent(typing -> {
			if (typing instanceof ExamTyping.Unmapped unmapped) {
				UnmappedExamCodes.report(meters, unmapped, "index", source + " not indexed as a prior exam");
			}
		});
	}
}
