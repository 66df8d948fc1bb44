package org.onetrip.server.registration;

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
		public LocalDate lastDay(RegistrationRules.Rule rule) {
			return firstDay.plusDays(rule.validDays() - 1L);
		}
	}

	/** @param condition what the visit is for (a Condition or a code), empty when the appointment does not say */
	public record Visit(String department, String condition, LocalDate day) {}

	private RegistrationRule() {}

	/** The earlier registration that covers this visit; empty when the visit needs a registration of its own. */
	public static Optional<Registration> coveringRegistration(RegistrationRules.Rule rule, Visit visit,
			List<Registration> earlierOfThePatient) {
		return earlierOfThePatient.stream()
				.filter(r -> r.department().equals(visit.department()))
				// A visit that names no condition cannot be shown to be for the same one.
				.filter(r -> !rule.sameCondition() || (!visit.condition().isEmpty() && r.condition().equals(visit.condition())))
				.filter(r -> !visit.day().isBefore(r.firstDay()) && !visit.day().isAfter(r.lastDay(rule)))
				.max(Comparator.comparing(Registration::firstDay));
	}
}
