package org.onetrip.server.scheduling;

import java.time.Instant;
import java.util.Optional;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.DateTimeType;
import org.onetrip.workflow.AppointmentStatus;

/** A FHIR Appointment in the workflow rules' terms: its status, the hold expiry it states, when it was written. */
public final class AppointmentTerms {

	/** On a pending Appointment: until when it holds its places (else the region's default hold). */
	public static final String EXT_HOLD_EXPIRES = "urn:onetrip:fhir:extension:hold-expires";

	private AppointmentTerms() {}

	/** The status (HAPI's parser refuses a missing or unknown one before storage; such a one takes no place here). */
	public static AppointmentStatus status(Appointment appointment) {
		return AppointmentStatus.ofCode(appointment.hasStatus() ? appointment.getStatus().toCode() : "")
				.orElse(AppointmentStatus.PROPOSED);
	}

	/** The expiry the appointment itself states, if any. */
	public static Optional<Instant> statedHoldExpiry(Appointment appointment) {
		var extension = appointment.getExtensionByUrl(EXT_HOLD_EXPIRES);
		return extension != null && extension.getValue() instanceof DateTimeType until && until.getValue() != null
				? Optional.of(until.getValue().toInstant()) : Optional.empty();
	}

	/** When it was written: meta.lastUpdated (set by HAPI on a stored version and by pre-commit on a write); else now. */
	public static Instant writtenAt(Appointment appointment, Instant now) {
		return appointment.getMeta().hasLastUpdated() ? appointment.getMeta().getLastUpdated().toInstant() : now;
	}
}
