package org.onetrip.server.consultation;

import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.workflow.consultation.Turnaround;

/**
 * {@code GET [base]/$consultation-statistics?start=&end=}: the consults requested in a period, from the ledger (the same
 * on every instance): in all and per requesting and consulting hospital (with their levels; the consulting hospital is the
 * one whose opinion answered, or the first asked while none has), how many were asked, how
 * many have an opinion (completed) and their share, and the turnaround from request to first opinion, p50 and p90 in
 * minutes.
 */
public class ConsultationStatistics {

	private final ConsultationLedger ledger;
	private final RegionDirectory directory;
	private final Clock clock;

	public ConsultationStatistics(ConsultationLedger ledger, RegionDirectory directory, Clock clock) {
		this.ledger = ledger;
		this.directory = directory;
		this.clock = clock;
	}

	/** @param start from (default 30 days before end); @param end until, exclusive (default now) */
	@Operation(name = "$consultation-statistics", idempotent = true)
	public Parameters statistics(@OperationParam(name = "start", max = 1) DateTimeType start,
			@OperationParam(name = "end", max = 1) DateTimeType end, ca.uhn.fhir.rest.api.server.RequestDetails request) {
		org.onetrip.server.security.FhirAccessInterceptor.refusePatients(request, "$consultation-statistics");
		Instant to = end != null && end.getValue() != null ? end.getValue().toInstant() : clock.instant();
		Instant from = start != null && start.getValue() != null ? start.getValue().toInstant() : to.minus(Duration.ofDays(30));
		if (!from.isBefore(to)) {
			throw new InvalidRequestException("$consultation-statistics: 'start' must be before 'end'");
		}
		List<ConsultationLedger.Row> rows = ledger.requestedBetween(from, to);
		Parameters out = new Parameters();
		out.addParameter().setName("start").setValue(new DateTimeType(java.util.Date.from(from)));
		out.addParameter().setName("end").setValue(new DateTimeType(java.util.Date.from(to)));
		figures(out.addParameter().setName("total"), rows);
		Map<String, List<ConsultationLedger.Row>> byPair = new TreeMap<>();
		rows.forEach(r -> byPair.computeIfAbsent(r.requesterHospital() + " " + r.consultingHospital(), k -> new ArrayList<>()).add(r));
		byPair.forEach((pair, pairRows) -> {
			Parameters.ParametersParameterComponent group = out.addParameter().setName("group");
			String requester = pairRows.get(0).requesterHospital();
			String consulting = pairRows.get(0).consultingHospital();
			group.addPart().setName("requesting-hospital").setValue(new StringType(requester));
			group.addPart().setName("requesting-level").setValue(new StringType(level(requester)));
			group.addPart().setName("consulting-hospital").setValue(new StringType(consulting));
			group.addPart().setName("consulting-level").setValue(new StringType(level(consulting)));
			figures(group, pairRows);
		});
		return out;
	}

	private static void figures(Parameters.ParametersParameterComponent group, List<ConsultationLedger.Row> rows) {
		List<Duration> turnaround = rows.stream().filter(r -> r.answeredAt() != null)
				.map(r -> Duration.between(r.requestedAt(), r.answeredAt())).toList();
		group.addPart().setName("requested").setValue(new IntegerType(rows.size()));
		group.addPart().setName("completed").setValue(new IntegerType(turnaround.size()));
		if (!rows.isEmpty()) {
			group.addPart().setName("share-completed").setValue(new DecimalType(
					BigDecimal.valueOf(turnaround.size()).divide(BigDecimal.valueOf(rows.size()), 3, RoundingMode.HALF_UP)));
		}
		Turnaround.percentile(turnaround, 50).ifPresent(d -> group.addPart().setName("turnaround-p50-minutes").setValue(minutes(d)));
		Turnaround.percentile(turnaround, 90).ifPresent(d -> group.addPart().setName("turnaround-p90-minutes").setValue(minutes(d)));
	}

	private static DecimalType minutes(Duration d) {
		return new DecimalType(BigDecimal.valueOf(d.toMillis()).divide(BigDecimal.valueOf(60_000), 1, RoundingMode.HALF_UP));
	}

	private String level(String hospital) {
		return directory.levelName(hospital);
	}
}
