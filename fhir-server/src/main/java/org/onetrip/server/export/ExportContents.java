package org.onetrip.server.export;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.bulk.BulkExportJobParameters;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Patient;
import org.onetrip.server.identity.PersonLedger;

/**
 * Which resources go into a hospital's export (the region's exports take everything the job found). A hospital's
 * system exports:
 * <ul>
 * <li>what belongs to no patient: the region's directory, terminology, schedules and slots;</li>
 * <li>the clinical records of the people it has as patients: a Patient, or a resource in a Patient's compartment,
 *     whose person (the person ledger) has a record kept by this hospital, whichever hospital wrote it; the
 *     region's record exists so that the hospital treating a person sees what the others did;</li>
 * <li>never the audit trail or subscriptions ({@link ExportAccess#REGION_ONLY_TYPES}).</li>
 * </ul>
 * Runs on HAPI's export workers, once per resource found; the person question is remembered for a minute per
 * hospital and Patient, so a patient's hundreds of Observations cost one ledger query.
 */
@Interceptor
public class ExportContents {

	private final FhirContext fhirContext;
	private final PersonLedger ledger;
	private final Cache<String, Boolean> patientsOfHospital =
			Caffeine.newBuilder().maximumSize(200_000).expireAfterWrite(Duration.ofMinutes(1)).build();

	public ExportContents(FhirContext fhirContext, PersonLedger ledger) {
		this.fhirContext = fhirContext;
		this.ledger = ledger;
	}

	@Hook(Pointcut.STORAGE_BULK_EXPORT_RESOURCE_INCLUSION)
	public boolean include(BulkExportJobParameters parameters, IBaseResource resource) {
		Object hospital = parameters.getUserData().get(ExportAccess.HOSPITAL);
		if (hospital == null) {
			return true;
		}
		if (ExportAccess.REGION_ONLY_TYPES.contains(resource.fhirType())) {
			return false;
		}
		List<String> patients = patientsOf(resource);
		return patients.isEmpty() || patients.stream().anyMatch(p -> isPatientOf(p, hospital.toString()));
	}

	private boolean isPatientOf(String patientId, String hospital) {
		return patientsOfHospital.get(hospital + "|" + patientId, k -> ledger.personHasRecordAt(patientId, hospital));
	}

	/** The Patients a resource is about: itself, or its Patient compartment's owners (only Patient references). */
	private List<String> patientsOf(IBaseResource resource) {
		if (resource instanceof Patient) {
			return List.of(resource.getIdElement().getIdPart());
		}
		return fhirContext.newTerser().getCompartmentOwnersForResource("Patient", resource, Set.of()).stream()
				.filter(id -> !id.hasResourceType() || "Patient".equals(id.getResourceType()))
				.map(id -> id.getIdPart()).toList();
	}
}
