package org.onetrip.server.export;

import ca.uhn.fhir.batch2.api.IJobCoordinator;
import ca.uhn.fhir.batch2.jobs.export.BulkDataExportProvider;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import java.time.Duration;
import org.onetrip.server.hapi.FhirServerContribution;
import org.onetrip.server.identity.PersonLedger;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * FHIR Bulk Data export: HAPI's {@code $export} (system, {@code Patient}, {@code Group/[id]}) and
 * {@code $export-poll-status} on HAPI's batch jobs, NDJSON files as Binary resources, with OneTrip's rules on who
 * exports what ({@link ExportAccess}, {@link ExportContents}, {@link ExportFiles}).
 */
@Configuration
public class ExportConfiguration {

	/**
	 * @param keepFilesFor how long an export's files stay after it finished (HAPI's clean-up runs hourly and counts whole
	 *                     hours, at least one)
	 */
	@Bean
	public FhirServerContribution bulkExport(BulkDataExportProvider provider, JpaStorageSettings storageSettings,
			IJobCoordinator jobs, FhirContext fhirContext, @Value("${onetrip.export.keep-files-for:PT2H}") Duration keepFilesFor) {
		// An export is of the store as it is now, for its requester: HAPI would otherwise hand an identical earlier job
		// (perhaps another caller's, and of older data) to the next request.
		storageSettings.setEnableBulkExportJobReuse(false);
		storageSettings.setBulkExportFileRetentionPeriodHours((int) Math.max(1, keepFilesFor.toHours()));
		return server -> {
			server.registerProvider(provider);
			server.registerInterceptor(new ExportPolling(jobs));
			server.registerInterceptor(new ExportFiles(fhirContext));
		};
	}

	@Bean
	public org.springframework.boot.web.servlet.FilterRegistrationBean<ExportProgressHeader> exportProgressHeader() {
		var registration = new org.springframework.boot.web.servlet.FilterRegistrationBean<>(new ExportProgressHeader());
		registration.addUrlPatterns("/fhir/*");
		return registration;
	}

	@Bean
	public HospitalReach hospitalReach(FhirContext fhirContext, PersonLedger ledger, org.onetrip.server.security.Ownership ownership) {
		return new HospitalReach(fhirContext, ledger, ownership);
	}

	/**
	 * On the storage interceptors: HAPI's kick-off calls them (the REST server's only through the request), its export
	 * workers ask them about each resource outside any request.
	 */
	@Bean
	public ExportContents exportContents(HospitalReach reach, IInterceptorService storageInterceptors) {
		ExportContents contents = new ExportContents(reach);
		storageInterceptors.registerInterceptor(new ExportAccess());
		storageInterceptors.registerInterceptor(contents);
		return contents;
	}

	/**
	 * HAPI moves a batch job from step to step in a maintenance pass, once a minute by default: an export of a few
	 * resources took 3 minutes. A pass is a few indexed queries; every second costs nothing a region notices.
	 */
	@Bean
	public static org.springframework.beans.factory.config.BeanPostProcessor batchJobMaintenanceFrequency(
			@Value("${onetrip.jobs.maintenance-every:PT1S}") Duration every) {
		return new org.springframework.beans.factory.config.BeanPostProcessor() {
			@Override
			public Object postProcessAfterInitialization(Object bean, String beanName) {
				if (bean instanceof ca.uhn.fhir.batch2.maintenance.JobMaintenanceServiceImpl maintenance) {
					maintenance.setScheduledJobFrequencyMillis(every.toMillis());
				}
				return bean;
			}
		};
	}
}
