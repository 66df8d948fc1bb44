package org.onetrip.workflow.settlement;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Collection;
import java.util.function.Function;

/** Money is decimal, never floating point: every line is rounded half-up to the cent, and totals are sums of lines. */
public final class Amounts {

	public static final BigDecimal ZERO = cents(BigDecimal.ZERO);

	private Amounts() {}

	public static BigDecimal cents(BigDecimal amount) {
		return amount.setScale(2, RoundingMode.HALF_UP);
	}

	public static <T> BigDecimal sum(Collection<T> lines, Function<T, BigDecimal> amount) {
		return lines.stream().map(amount).reduce(ZERO, BigDecimal::add);
	}
}
