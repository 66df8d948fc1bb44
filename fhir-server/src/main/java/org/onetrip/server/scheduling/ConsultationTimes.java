package org.onetrip.server.scheduling;

import java.time.Instant;
import java.util.List;
import org.hl7.fhir.r4.model.Reference;
import org.onetrip.workflow.consultation.CommonTimes;
import org.onetrip.workflow.consultation.CommonTimes.Interval;

/**
 * What {@code $find} needs to propose times for a consult (consultation/ConsultationScheduling answers): whose
 * consultation slots to offer, whom the meeting is with, and whether everyone who accepted is free at a time.
 */
public interface ConsultationTimes {

	/**
	 * @param services the departments (HealthcareService references) whose consultation slots may be offered
	 * @param participants the accepted consultants, added to each proposed Appointment
	 * @param busyOfEach for each accepted consultant, the times they are already booked in
	 */
	record Plan(String consultation, List<String> services, List<Reference> participants, List<List<Interval>> busyOfEach) {
		public boolean allFree(Instant start, Instant end) {
			return !CommonTimes.whenAllFree(List.of(new Interval(start, end)), busyOfEach).isEmpty();
		}
	}

	/** @param consultation {@code ServiceRequest/<id>}; refuses (HAPI exception) a request that is no open consult */
	Plan plan(String consultation, Instant from, Instant to);
}
