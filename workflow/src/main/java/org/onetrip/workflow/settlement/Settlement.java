package org.onetrip.workflow.settlement;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;

/**
 * Pay once: the rules of one visit's settlement. The totals of its invoice are sums of its lines; the patient's part
 * goes on the credit line when the line has room for all of it (never a part: a visit is paid one way), otherwise it
 * is paid at a kiosk with the health card.
 */
public final class Settlement {

	private Settlement() {}

	/** The invoice's totals: gross = insurer + patient, each a sum of the lines' cents. */
	public record Totals(BigDecimal gross, BigDecimal insurer, BigDecimal patient) {}

	public static Totals totals(List<Adjudication> lines) {
		BigDecimal gross = Amounts.sum(lines, Adjudication::submitted);
		BigDecimal insurer = Amounts.sum(lines, Adjudication::benefit);
		BigDecimal patient = Amounts.sum(lines, Adjudication::copay);
		if (gross.compareTo(insurer.add(patient)) != 0) {
			throw new IllegalStateException("lines do not balance: gross " + gross + " != insurer " + insurer + " + patient " + patient);
		}
		return new Totals(gross, insurer, patient);
	}

	/** Whether the credit line takes the patient's part of this visit. */
	public sealed interface Credit {}

	public record OnCredit(BigDecimal outstandingAfter) implements Credit {}

	public record NoCreditLine() implements Credit {}

	public record CreditExceeded(BigDecimal limit, BigDecimal outstanding, BigDecimal asked) implements Credit {
		public String explain() {
			return "the credit line would be exceeded: limit " + limit + ", already outstanding " + outstanding + ", this visit "
					+ asked + "; pay at a kiosk with the health card";
		}
	}

	public static Credit credit(BigDecimal limit, BigDecimal outstanding, BigDecimal patientPart) {
		if (limit.signum() == 0) {
			return new NoCreditLine();
		}
		BigDecimal after = outstanding.add(patientPart);
		return after.compareTo(limit) <= 0 ? new OnCredit(after) : new CreditExceeded(limit, outstanding, patientPart);
	}

	/** A visit episode ends (and a patient with a credit line is settled without asking) once its last covered day is past. */
	public static boolean episodeEnded(LocalDate lastDay, LocalDate today) {
		return today.isAfter(lastDay);
	}
}
