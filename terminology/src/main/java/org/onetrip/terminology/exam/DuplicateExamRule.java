package org.onetrip.terminology.exam;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * The decision behind a duplicate-examination alert: which of a person's prior exams repeat the
 * exam being ordered inside its look-back window. Everything else (where priors come from, how the
 * answer is shown) lives elsewhere.
 */
public final class DuplicateExamRule {

	/** Sources whose status says the exam did not happen or the record is void. A report still "registered"
	 * (exam done, result pending) does count: ordering the exam again would be the duplicate. */
	private static final Set<String> VOID_STATUSES = Set.of("cancelled", "entered-in-error", "revoked", "draft");

	private final ExamTerminology terminology;

	public DuplicateExamRule(ExamTerminology terminology) {
		this.terminology = terminology;
	}

	/**
	 * @param ordered the exam type of the order
	 * @param priority the order's FHIR priority (routine, urgent, asap, stat), may be null
	 * @param now when the order is placed
	 * @param priors the person's prior exams of any type, from any hospital
	 * @param excludeSource the order's own resource, never its own prior ({@code ServiceRequest/1}), may be null
	 */
	public Finding check(ExamType ordered, String priority, Instant now, List<PriorExam> priors, String excludeSource) {
		Instant since = now.minus(terminology.lookBack(ordered));
		List<PriorExam> repeats = priors.stream()
				.filter(p -> !p.source().equals(excludeSource))
				.filter(p -> p.status() == null || !VOID_STATUSES.contains(p.status()))
				.filter(p -> !p.performedAt().isBefore(since) && !p.performedAt().isAfter(now))
				.filter(p -> terminology.catalogue().exam(p.examCode()).map(e -> terminology.sameType(ordered, e)).orElse(false))
				.toList();
		repeats = PriorExam.mergeRecordsOfOneExam(repeats);
		return new Finding(ordered, since, terminology.isEmergency(priority), repeats);
	}

	/**
	 * @param since the start of the look-back window
	 * @param emergency the order is an emergency: inform, do not suggest removing it
	 * @param repeats same-type exams inside the window, most recent first
	 */
	public record Finding(ExamType ordered, Instant since, boolean emergency, List<PriorExam> repeats) {
		public boolean isDuplicate() {
			return !repeats.isEmpty();
		}
	}
}
