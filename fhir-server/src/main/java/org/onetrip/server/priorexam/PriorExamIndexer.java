package org.onetrip.server.priorexam;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import io.micrometer.core.instrument.MeterRegistry;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.onetrip.terminology.exam.ExamTyping;

/**
 * Keeps the prior-exam index in step with the FHIR store, inside the same database transaction as
 * the write (HAPI's pre-commit pointcuts): a report that is stored is indexed, one that fails is not.
 */
@Interceptor
public class PriorExamIndexer {

	private final PriorExamIndex index;
	private final PriorExamRecords records;
	private final MeterRegistry meters;

	public PriorExamIndexer(PriorExamIndex index, PriorExamRecords records, MeterRegistry meters) {
		this.index = index;
		this.records = records;
		this.meters = meters;
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
	public void created(IBaseResource resource) {
		reindex(resource);
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
	public void updated(IBaseResource previous, IBaseResource resource) {
		reindex(resource);
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
	public void deleted(IBaseResource resource) {
		if (PriorExamRecords.SOURCE_TYPES.contains(resource.fhirType())) {
			index.remove(resource.fhirType() + "/" + resource.getIdElement().getIdPart());
		}
	}

	private void reindex(IBaseResource resource) {
		if (!PriorExamRecords.SOURCE_TYPES.contains(resource.fhirType())) {
			return;
		}
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
