package org.onetrip.server.export;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.bulk.BulkExportJobParameters;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * Which resources go into an export: a hospital's takes what {@link HospitalReach} says its systems receive, the
 * region's everything the job found. Runs on HAPI's export workers, once per resource found.
 */
@Interceptor
public class ExportContents {

	private final HospitalReach reach;

	public ExportContents(HospitalReach reach) {
		this.reach = reach;
	}

	@Hook(Pointcut.STORAGE_BULK_EXPORT_RESOURCE_INCLUSION)
	public boolean include(BulkExportJobParameters parameters, IBaseResource resource) {
		Object hospital = parameters.getUserData().get(ExportAccess.HOSPITAL);
		return reach.reaches(hospital == null ? null : hospital.toString(), resource);
	}
}
