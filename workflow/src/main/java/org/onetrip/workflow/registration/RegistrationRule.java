package org.onetrip.workflow.registration;

import java.time.LocalDate;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The one place that decides whether a visit needs a new registration (and its fee) or is covered by an
 * earlier one: same hospital, same patient, same department, the same condition when the hospital's rule
 * asks for it, and within the rule's days counting the first visit's day as day one.
 */
public final class RegistrationRule {

	/** A registration made earlier: the day of its first visit and what it was for. */
	public record Registration(String encounterId, String chargeItemId, String department, String condition, LocalDate firstDay) {
		/** The last day this registration still covers. */
		public LocalDate lastDay(HospitalRule rule) {
			return firstDay.plusDays(rule.validDays() - 1L);
		}
	}

	/**
	 * @param appointmentId the appointment whose patient came
	 * @param condition what the visit is for (a Condition or a code), empty when the appointment does not say
	 */
	public record Visit(String appointmentId, String department, String condition, LocalDate day) {}

	/** What a visit's check-in does: join an earlier registration, or open a new one and charge its fee. */
	public sealed interface Decision {
		/** The last day the registration this visit falls under covers. */
		LocalDate lastDay();
	}

	/** Covered: no fee; the visit's Encounter is part of the registration's first one. */
	public record Covered(Registration registration, LocalDate lastDay) implements Decision {}

	/**
	 * A new registration with its fee. {@code conditionKey} is what later visits must match under a same-condition
	 * rule: the visit's condition, or (none stated) a key of its own, so nothing can be shown to be for the same one.
	 */
	public record NewRegistration(String conditionKey, LocalDate lastDay) implements Decision {}

	private RegistrationRule() {}

	/** @param earlierOfThePatient the patient's registrations at this hospital whose days could include the visit's */
	public static Decision decide(HospitalRule rule, Visit visit, List<Registration> earlierOfThePatient) {
		Optional<Registration> covering = coveringRegistration(rule, visit, earlierOfThePatient);
		if (covering.isPresent()) {
			return new Covered(covering.get(), covering.get().lastDay(rule));
		}
		String conditionKey = !rule.sameCondition() ? "" : visit.condition().isEmpty() ? "unstated:" + visit.appointmentId() : visit.condition();
		return new NewRegistration(conditionKey, visit.day().plusDays(rule.validDays() - 1L));
	}

	/** The first day whose registrations could still cover a visit on {@code day}. */
	public static LocalDate earliestCoveringFirstDay(HospitalRule rule, LocalDate day) {
		return day.minusDays(rule.validDays() - 1L);
	}

	/** The earlier registration that covers this visit; empty when the visit needs a registration of its own. */
	static Optional<Registration> coveringRegistration(HospitalRule rule, Visit visit, List<Registration> earlierOfThePatient) {
		return earlierOfThePatient.stream()
				.filter(r -> r.department().equals(visit.department()))
				// A visit that names no condition cannot be shown to be for the same one.
				.filter(r -> !rule.sameCondition() || (!visit.condition().isEmpty() && r.condition().equals(visit.condition())))
				.filter(r -> !visit.day().isBefore(r.firstDay()) && !visit.day().isAfter(r.lastDay(rule)))
				.max(Comparator.comparing(Registration::firstDay));
	}
}
