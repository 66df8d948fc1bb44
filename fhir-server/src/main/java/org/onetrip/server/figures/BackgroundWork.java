package org.onetrip.server.figures;

import ca.uhn.fhir.batch2.api.IJobCoordinator;
import ca.uhn.fhir.batch2.model.JobInstance;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.util.Batch2JobDefinitionConstants;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.onetrip.server.identity.PersonRelink;
import org.onetrip.server.priorexam.PriorExamReindex;
import org.onetrip.server.security.FhirAccessInterceptor;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * {@code GET [base]/$background-work}: what OneTrip is doing in the background, for the region's operators: the
 * prior-exam index rebuild and the person relink (this instance's runs: done out of total), the Bulk Data exports (every
 * instance's, the newest first, from HAPI's job store: state, percent, resources), and the subscription
 * deliveries waiting to be sent (queued, being retried, the oldest).
 */
public class BackgroundWork {

	static final int EXPORTS_SHOWN = 20;

	private final PriorExamReindex reindex;
	private final PersonRelink relink;
	private final IJobCoordinator jobs;
	private final JdbcTemplate jdbc;

	public BackgroundWork(PriorExamReindex reindex, PersonRelink relink, IJobCoordinator jobs, JdbcTemplate jdbc) {
		this.reindex = reindex;
		this.relink = relink;
		this.jobs = jobs;
		this.jdbc = jdbc;
	}

	@Operation(name = "$background-work", idempotent = true)
	public Parameters work(RequestDetails request) {
		FhirAccessInterceptor.requireRegion(request, "$background-work", "every hospital's exports");
		Parameters out = new Parameters();
		PriorExamReindex.Progress index = reindex.progress();
		task(out, "prior-exam-reindex", index.state().name(), index.total(), index.done(), index.started(), index.finished(), index.failure());
		PersonRelink.Progress persons = relink.progress();
		task(out, "person-relink", persons.state().name(), persons.total(), persons.done(), persons.started(), persons.finished(), persons.failure());
		// The newest exports (HAPI pages its job store oldest first): their ids from its table, each job from HAPI.
		List<String> newest = jdbc.queryForList("SELECT ID FROM BT2_JOB_INSTANCE WHERE DEFINITION_ID = ? ORDER BY CREATE_TIME DESC LIMIT ?",
				String.class, Batch2JobDefinitionConstants.BULK_EXPORT, EXPORTS_SHOWN);
		for (String id : newest) {
			JobInstance job = jobs.getInstance(id);
			Parameters.ParametersParameterComponent export = out.addParameter().setName("export");
			export.addPart().setName("id").setValue(new StringType(job.getInstanceId()));
			export.addPart().setName("state").setValue(new StringType(job.getStatus().name().toLowerCase(Locale.ROOT)));
			export.addPart().setName("percent").setValue(new IntegerType((int) Math.round(job.getProgress() * 100)));
			if (job.getCombinedRecordsProcessed() != null) {
				export.addPart().setName("resources").setValue(new IntegerType(job.getCombinedRecordsProcessed()));
			}
			if (job.getCreateTime() != null) {
				export.addPart().setName("created").setValue(new DateTimeType(job.getCreateTime()));
			}
			if (job.getEndTime() != null) {
				export.addPart().setName("ended").setValue(new DateTimeType(job.getEndTime()));
			}
			if (job.getErrorMessage() != null) {
				export.addPart().setName("failure").setValue(new StringType(job.getErrorMessage()));
			}
		}
		Map<String, Object> queue = jdbc.queryForMap("SELECT COUNT(*) AS QUEUED, COUNT(CASE WHEN ATTEMPTS > 0 THEN 1 END) AS RETRYING, "
				+ "COUNT(DISTINCT SUBSCRIPTION_ID) AS SUBSCRIPTIONS, MIN(QUEUED_AT) AS OLDEST FROM OT_SUBSCRIPTION_DELIVERY");
		Parameters.ParametersParameterComponent deliveries = out.addParameter().setName("subscription-deliveries");
		deliveries.addPart().setName("queued").setValue(new IntegerType(((Number) queue.get("queued")).intValue()));
		deliveries.addPart().setName("retrying").setValue(new IntegerType(((Number) queue.get("retrying")).intValue()));
		deliveries.addPart().setName("subscriptions").setValue(new IntegerType(((Number) queue.get("subscriptions")).intValue()));
		if (queue.get("oldest") instanceof java.sql.Timestamp oldest) {
			deliveries.addPart().setName("oldest").setValue(new DateTimeType(new Date(oldest.getTime())));
		} else if (queue.get("oldest") instanceof java.time.OffsetDateTime oldest) {
			deliveries.addPart().setName("oldest").setValue(new DateTimeType(Date.from(oldest.toInstant())));
		}
		return out;
	}

	private static void task(Parameters out, String name, String state, long total, long done, java.time.Instant started,
			java.time.Instant finished, String failure) {
		Parameters.ParametersParameterComponent task = out.addParameter().setName("task");
		task.addPart().setName("name").setValue(new StringType(name));
		task.addPart().setName("state").setValue(new StringType(state.toLowerCase(Locale.ROOT)));
		task.addPart().setName("total").setValue(new DecimalType(total));
		task.addPart().setName("done").setValue(new DecimalType(done));
		if (started != null) {
			task.addPart().setName("started").setValue(new DateTimeType(Date.from(started)));
		}
		if (finished != null) {
			task.addPart().setName("finished").setValue(new DateTimeType(Date.from(finished)));
		}
		if (failure != null) {
			task.addPart().setName("failure").setValue(new StringType(failure));
		}
	}
}
