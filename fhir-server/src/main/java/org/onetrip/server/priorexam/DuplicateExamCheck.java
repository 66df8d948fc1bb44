package org.onetrip.server.priorexam;

import org.onetrip.server.identity.PersonResolver;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.terminology.exam.DuplicateExamRule;
import org.onetrip.terminology.exam.ExamTerminology;
import org.onetrip.terminology.exam.ExamTyping;
import org.onetrip.terminology.exam.PriorExam;
import org.onetrip.terminology.region.Hospital;

/**
 * Checks orders against the person's prior exams from every hospital: the one service behind the
 * CDS Hooks cards and the {@code $duplicate-check} operation, so both give the same answer.
 */
public class DuplicateExamCheck {

	/** What a check concluded for one order. */
	public enum Outcome {
		/** A same-type exam inside the window: the doctor is warned and may drop the order. */
		DUPLICATE,
		/** A same-type exam inside the window, but the order is an emergency: informed only. */
		INFORMATIONAL,
		/** No same-type exam inside the window. */
		NONE,
		/** The order's local code is not mapped to the catalogue: no check was possible. */
		UNMAPPED,
		/** The order carries no code OneTrip knows. */
		UNKNOWN_CODE
	}

	/**
	 * @param orderingHospital the hospital key the order comes from, when known
	 * @param finding the rule's finding; null when the order could not be typed
	 */
	public record OrderCheck(ServiceRequest order, Outcome outcome, ExamTyping typing,
			DuplicateExamRule.Finding finding, String orderingHospital) {}

	private final ExamTerminology terminology;
	private final DuplicateExamRule rule;
	private final PriorExamIndex index;
	private final RegionDirectory directory;
	private final MeterRegistry meters;

	public DuplicateExamCheck(ExamTerminology terminology, DuplicateExamRule rule, PriorExamIndex index,
			RegionDirectory directory, MeterRegistry meters) {
		this.terminology = terminology;
		this.rule = rule;
		this.index = index;
		this.directory = directory;
		this.meters = meters;
	}

	/**
	 * @param patientIds every regional Patient of the person (see {@link PersonResolver})
	 * @param orderingHospitalHint the hospital of the ordering user, used when an order names no requester
	 */
	public List<OrderCheck> check(Set<String> patientIds, List<ServiceRequest> orders, String orderingHospitalHint, Instant now) {
		List<ExamTyping> typings = orders.stream().map(o -> terminology.type(PriorExamRecords.codes(o.getCode()))).toList();
		// One index read for all orders: the person's exams inside the widest window any of them needs.
		Duration widest = typings.stream().flatMap(t -> t.examType().stream()).map(terminology::lookBack)
				.max(Duration::compareTo).orElse(Duration.ZERO);
		List<PriorExam> priors = patientIds.isEmpty() || widest.isZero()
				? List.of() : index.findByPatients(patientIds, now.minus(widest));

		List<OrderCheck> checks = new ArrayList<>();
		for (int i = 0; i < orders.size(); i++) {
			ServiceRequest order = orders.get(i);
			ExamTyping typing = typings.get(i);
			String hospital = orderingHospital(order, orderingHospitalHint, typing);
			checks.add(checkOne(order, typing, hospital, priors, now));
		}
		return checks;
	}

	private OrderCheck checkOne(ServiceRequest order, ExamTyping typing, String hospital, List<PriorExam> priors, Instant now) {
		if (typing instanceof ExamTyping.Typed typed) {
			String self = order.getIdElement().hasIdPart() ? "ServiceRequest/" + order.getIdElement().getIdPart() : null;
			DuplicateExamRule.Finding finding = rule.check(typed.exam(),
					order.hasPriority() ? order.getPriority().toCode() : null, now, priors, self);
			Outcome outcome = !finding.isDuplicate() ? Outcome.NONE
					: finding.emergency() ? Outcome.INFORMATIONAL : Outcome.DUPLICATE;
			return new OrderCheck(order, outcome, typing, finding, hospital);
		}
		if (typing instanceof ExamTyping.Unmapped unmapped) {
			UnmappedExamCodes.report(meters, unmapped, "order", "Duplicate-exam check not possible");
			return new OrderCheck(order, Outcome.UNMAPPED, typing, null, hospital);
		}
		return new OrderCheck(order, Outcome.UNKNOWN_CODE, typing, null, hospital);
	}

	private String orderingHospital(ServiceRequest order, String hint, ExamTyping typing) {
		Optional<String> requester = directory.hospitalOf(order.getRequester().getReference()).map(Hospital::key);
		if (requester.isPresent()) {
			return requester.get();
		}
		if (hint != null) {
			return hint;
		}
		if (typing instanceof ExamTyping.Typed typed) {
			return typed.localCode().flatMap(c -> terminology.hospitalOfLocalSystem(c.system())).orElse(null);
		}
		return typing instanceof ExamTyping.Unmapped unmapped ? unmapped.hospitalKey() : null;
	}
}
