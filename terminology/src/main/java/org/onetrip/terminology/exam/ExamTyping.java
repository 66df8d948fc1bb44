package org.onetrip.terminology.exam;

import java.util.Optional;

/**
 * What the codes on an order or a report say about its regional exam type. {@link Unmapped} is not
 * an error: it means "no duplicate check possible", and must be made visible, never turned into an alert.
 */
public sealed interface ExamTyping {

	/** The codes name a catalogue exam, directly or through a hospital's code map. */
	record Typed(ExamType exam, Optional<ExamCode> localCode) implements ExamTyping {}

	/** A hospital's local code that its code map does not (yet) map. */
	record Unmapped(String hospitalKey, ExamCode localCode) implements ExamTyping {}

	/** No code in a system OneTrip knows: neither the catalogue's nor any hospital's local system. */
	record Unknown(String reason) implements ExamTyping {}

	default Optional<ExamType> examType() {
		return this instanceof Typed typed ? Optional.of(typed.exam()) : Optional.empty();
	}
}
