package org.onetrip.server.export;

import ca.uhn.fhir.batch2.api.IJobCoordinator;
import ca.uhn.fhir.batch2.model.JobInstance;
import ca.uhn.fhir.batch2.model.StatusEnum;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.bulk.BulkExportJobParameters;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import ca.uhn.fhir.util.Batch2JobDefinitionConstants;
import java.util.Optional;
import org.hl7.fhir.r4.model.Parameters;
import org.onetrip.server.security.Caller;
import org.onetrip.server.security.FhirAccessInterceptor;

/**
 * {@code $export-poll-status} (status, manifest, cancel) for the export's requester only: to anyone else the job does
 * not exist. A cancelled export answers 404, as the Bulk Data IG says (HAPI would keep answering 202).
 */
@Interceptor
public class ExportPolling {

	private final IJobCoordinator jobs;

	public ExportPolling(IJobCoordinator jobs) {
		this.jobs = jobs;
	}

	/** Polling, fetching the manifest and cancelling. After FhirAccessInterceptor's hook (order 0), which judges the caller. */
	@Hook(value = Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, order = 100)
	public void polling(RequestDetails request) {
		if (!"$export-poll-status".equals(request.getOperation())) {
			return;
		}
		Optional<String> jobId = jobId(request);
		if (jobId.isEmpty()) {
			return; // HAPI answers 400: "$export-poll-status requires a job ID"
		}
		Caller caller = FhirAccessInterceptor.judgedCaller(request)
				.orElseThrow(() -> new ForbiddenOperationException("Polling an export needs a bearer token"));
		JobInstance job = jobs.getInstance(jobId.get());
		if (!Batch2JobDefinitionConstants.BULK_EXPORT.equals(job.getJobDefinitionId())) {
			throw new ResourceNotFoundException("No export " + jobId.get());
		}
		BulkExportJobParameters parameters = job.getParameters(BulkExportJobParameters.class);
		if (!caller.who().equals(parameters.getBinarySecurityContextIdentifierValue())) {
			throw new ResourceNotFoundException("No export " + jobId.get() + " was started by this caller");
		}
		if (request instanceof ServletRequestDetails servlet) {
			servlet.getServletRequest().setAttribute(ExportProgressHeader.PROGRESS, progress(job));
		}
		if (job.getStatus() == StatusEnum.CANCELLED) {
			// The Bulk Data IG: after a DELETE, the status URL answers 404 (HAPI would keep answering 202).
			throw new ResourceNotFoundException("Export " + jobId.get() + " was cancelled");
		}
	}

	/** "in progress: 40 %, 1,200 resources, step write-binaries, started 2026-12-02T15:20:01Z" */
	static String progress(JobInstance job) {
		StringBuilder text = new StringBuilder(job.getStatus() == StatusEnum.QUEUED ? "queued" : "in progress");
		text.append(": ").append(Math.round(job.getProgress() * 100)).append(" %");
		if (job.getCombinedRecordsProcessed() != null) {
			text.append(String.format(java.util.Locale.ROOT, ", %,d resources", job.getCombinedRecordsProcessed()));
		}
		if (job.getCurrentGatedStepId() != null) {
			text.append(", step ").append(job.getCurrentGatedStepId());
		}
		if (job.getStartTime() != null) {
			text.append(", started ").append(job.getStartTime().toInstant());
		}
		return text.toString();
	}

	private static Optional<String> jobId(RequestDetails request) {
		String[] values = request.getParameters().get("_jobId");
		if (values != null && values.length > 0) {
			return Optional.of(values[0]);
		}
		if (request.getResource() instanceof Parameters body && body.getParameter("_jobId") != null
				&& body.getParameter("_jobId").getValue() != null) {
			return Optional.of(body.getParameter("_jobId").getValue().primitiveValue());
		}
		return Optional.empty();
	}
}
