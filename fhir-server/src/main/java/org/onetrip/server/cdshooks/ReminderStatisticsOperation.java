package org.onetrip.server.cdshooks;

import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.terminology.exam.ExamCatalogue;
import org.onetrip.terminology.exam.ExamTerminology;
import org.onetrip.terminology.exam.ExamType;

/**
 * {@code GET /fhir/$duplicate-exam-statistics?from=&to=}: reminders issued, accepted and overridden
 * per hospital and exam type, and the override reasons given: what the province reports each month.
 */
public class ReminderStatisticsOperation {

	private final ReminderLedger ledger;
	private final ExamTerminology terminology;
	private final RegionDirectory directory;

	public ReminderStatisticsOperation(ReminderLedger ledger, ExamTerminology terminology, RegionDirectory directory) {
		this.ledger = ledger;
		this.terminology = terminology;
		this.directory = directory;
	}

	/** @param from first day counted (default: 30 days ago); @param to first day not counted (default: tomorrow) */
	@Operation(name = "$duplicate-exam-statistics", idempotent = true)
	public Parameters statistics(
			@OperationParam(name = "from", max = 1) DateType from,
			@OperationParam(name = "to", max = 1) DateType to) {
		Instant start = from != null && from.getValue() != null ? from.getValue().toInstant() : Instant.now().minus(30, ChronoUnit.DAYS);
		Instant end = to != null && to.getValue() != null ? to.getValue().toInstant() : Instant.now().plus(1, ChronoUnit.DAYS);
		if (!start.isBefore(end)) {
			throw new InvalidRequestException("'from' must be before 'to'");
		}
		Parameters out = new Parameters();
		out.addParameter().setName("from").setValue(new DateTimeType(java.util.Date.from(start)));
		out.addParameter().setName("to").setValue(new DateTimeType(java.util.Date.from(end)));
		long issued = 0, accepted = 0, overridden = 0;
		for (ReminderLedger.Tally t : ledger.tallies(start, end)) {
			var row = out.addParameter().setName("tally");
			if (t.hospitalKey() != null) {
				row.addPart().setName("hospital").setValue(new Reference("Organization/" + t.hospitalKey())
						.setDisplay(directory.hospitalName(t.hospitalKey())));
			}
			row.addPart().setName("examType").setValue(new Coding(ExamCatalogue.SYSTEM, t.examCode(),
					terminology.catalogue().exam(t.examCode()).map(ExamType::display).orElse(null)));
			row.addPart().setName("issued").setValue(new IntegerType(Math.toIntExact(t.issued())));
			row.addPart().setName("informational").setValue(new IntegerType(Math.toIntExact(t.informational())));
			row.addPart().setName("accepted").setValue(new IntegerType(Math.toIntExact(t.accepted())));
			row.addPart().setName("overridden").setValue(new IntegerType(Math.toIntExact(t.overridden())));
			issued += t.issued();
			accepted += t.accepted();
			overridden += t.overridden();
		}
		out.addParameter().setName("issued").setValue(new IntegerType(Math.toIntExact(issued)));
		out.addParameter().setName("accepted").setValue(new IntegerType(Math.toIntExact(accepted)));
		out.addParameter().setName("overridden").setValue(new IntegerType(Math.toIntExact(overridden)));
		if (accepted + overridden > 0) {
			out.addParameter().setName("acceptanceRate")
					.setValue(new DecimalType((double) accepted / (accepted + overridden)));
		}
		ledger.overrideReasons(start, end).forEach((reason, count) -> {
			var row = out.addParameter().setName("overrideReason");
			row.addPart().setName("reason").setValue(new StringType(reason));
			row.addPart().setName("count").setValue(new IntegerType(Math.toIntExact(count)));
		});
		return out;
	}
}
