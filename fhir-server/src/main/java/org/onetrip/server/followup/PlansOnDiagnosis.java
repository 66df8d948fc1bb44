package org.onetrip.server.followup;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Date;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.onetrip.server.hapi.WorkflowEffects;
import org.onetrip.server.hapi.WorkflowHandler;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.server.security.Ownership;

/**
 * A diagnosis starts its follow-up plan: a Condition recorded now (active, confirmed, onset or recorded within the last
 * 30 days; older ones are history being loaded), whose code is a published plan's condition, applies that plan for the
 * person once the write has committed, by the hospital that recorded it, unless the person already follows it.
 */
public class PlansOnDiagnosis implements WorkflowHandler {

	private static final int RECENT_DAYS = 30;
	private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PlansOnDiagnosis.class);

	private final FollowUpPlans plans;
	private final FollowUpOperations operations;
	private final RegionDirectory directory;
	private final ZoneId zone;
	private final Clock clock;

	PlansOnDiagnosis(FollowUpPlans plans, FollowUpOperations operations, RegionDirectory directory, ZoneId zone, Clock clock) {
		this.plans = plans;
		this.operations = operations;
		this.directory = directory;
		this.zone = zone;
		this.clock = clock;
	}

	@Override
	public Stage stage() {
		return Stage.FOLLOW_UP;
	}

	@Override
	public Set<String> resourceTypes() {
		return Set.of("Condition");
	}

	@Override
	public void written(Write write, WorkflowEffects effects) {
		if (write.deleted() || !(write.resource() instanceof Condition condition) || isDiagnosis((Condition) write.previous())
				|| !isDiagnosis(condition) || !"Patient".equals(condition.getSubject().getReferenceElement().getResourceType())) {
			return;
		}
		LocalDate today = LocalDate.ofInstant(clock.instant(), zone);
		Date when = condition.hasOnsetDateTimeType() ? condition.getOnsetDateTimeType().getValue() : condition.getRecordedDate();
		LocalDate diagnosed = when == null ? today : LocalDate.ofInstant(when.toInstant(), zone);
		if (diagnosed.isBefore(today.minusDays(RECENT_DAYS))) {
			return;
		}
		Optional<PlanDefinition> plan = condition.getCode().getCoding().stream().map(plans::forDiagnosis).flatMap(Optional::stream).findFirst();
		Optional<String> hospital = Ownership.tagged(condition)
				.or(() -> Optional.ofNullable(condition.getRecorder().getReference()).flatMap(directory::hospitalOf).map(h -> h.key()))
				.or(() -> Optional.ofNullable(condition.getAsserter().getReference()).flatMap(directory::hospitalOf).map(h -> h.key()));
		if (plan.isEmpty() || hospital.isEmpty()) {
			return;
		}
		String planId = plan.get().getIdElement().getIdPart();
		String patientId = condition.getSubject().getReferenceElement().getIdPart();
		String conditionId = condition.getIdElement().getIdPart();
		effects.afterCommit(() -> {
			// After the diagnosis committed: a plan that cannot be applied now is logged, never that write's answer.
			try {
				operations.applyOnDiagnosis(planId, patientId, hospital.get(), diagnosed, conditionId);
			} catch (RuntimeException e) {
				log.warn("PlanDefinition/{} not applied on Condition/{} of Patient/{}: {}", planId, conditionId, patientId, e.toString());
			}
		});
	}

	/** Active (or not saying) and not refuted, unconfirmed or entered in error. */
	private static boolean isDiagnosis(Condition condition) {
		if (condition == null) {
			return false;
		}
		String clinical = condition.getClinicalStatus().getCodingFirstRep().getCode();
		String verification = condition.getVerificationStatus().getCodingFirstRep().getCode();
		return (clinical == null || Set.of("active", "recurrence", "relapse").contains(clinical))
				&& (verification == null || "confirmed".equals(verification));
	}
}
