package org.onetrip.server.priorexam;

import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.onetrip.server.security.Callers;

/**
 * {@code POST [base]/$reindex-prior-exams} starts rebuilding the prior-exam index (region operators only; 409 while
 * a run is going); {@code GET [base]/$reindex-prior-exams-status} tells how far it is ({@code ./onetrip reindex}
 * shows it as a progress bar).
 */
public class PriorExamReindexOperation {

	private final PriorExamReindex reindex;

	public PriorExamReindexOperation(PriorExamReindex reindex) {
		this.reindex = reindex;
	}

	@Operation(name = "$reindex-prior-exams", idempotent = false)
	public Parameters start() {
		Callers.current().filter(c -> !c.isRegion()).ifPresent(c -> {
			throw new ForbiddenOperationException("Rebuilding the prior-exam index is for the region's operators (a region-level token)");
		});
		if (!reindex.start()) {
			throw new ResourceVersionConflictException("A rebuild of the prior-exam index is already running; see $reindex-prior-exams-status");
		}
		return status();
	}

	@Operation(name = "$reindex-prior-exams-status", idempotent = true)
	public Parameters status() {
		PriorExamReindex.Progress progress = reindex.progress();
		Parameters out = new Parameters();
		out.addParameter().setName("state").setValue(new StringType(progress.state().name().toLowerCase(java.util.Locale.ROOT)));
		out.addParameter().setName("total").setValue(new DecimalType(progress.total()));
		out.addParameter().setName("done").setValue(new DecimalType(progress.done()));
		out.addParameter().setName("indexed").setValue(new DecimalType(progress.indexed()));
		if (progress.started() != null) {
			out.addParameter().setName("started").setValue(new InstantType(java.util.Date.from(progress.started())));
		}
		if (progress.finished() != null) {
			out.addParameter().setName("finished").setValue(new InstantType(java.util.Date.from(progress.finished())));
		}
		if (progress.failure() != null) {
			out.addParameter().setName("failure").setValue(new StringType(progress.failure()));
		}
		return out;
	}

}
