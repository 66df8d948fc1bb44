package org.onetrip.server.security;

import ca.uhn.fhir.context.FhirContext;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Task;

/** Which Patients a resource is about: the one place that reads it from FHIR's Patient compartment. */
public final class PatientCompartment {

	private PatientCompartment() {}

	/**
	 * The ids of the Patients a resource is about: a Patient itself, else its Patient compartment's owners by their
	 * search parameters, keeping only Patient references (an Appointment's "actor" also names its HealthcareService,
	 * Practitioner or Location, which are not patients).
	 */
	public static List<String> patientIds(FhirContext fhirContext, IBaseResource resource) {
		if (resource instanceof Patient) {
			return List.of(resource.getIdElement().getIdPart());
		}
		// A local reference ("#visiting", to a contained resource) names no stored Patient: it has no resource type either,
		// and was once taken for one (an AuditEvent naming "Patient/#visiting").
		List<String> owners = fhirContext.newTerser().getCompartmentOwnersForResource("Patient", resource, Set.of()).stream()
				.filter(id -> !id.isLocal())
				.filter(id -> !id.hasResourceType() || "Patient".equals(id.getResourceType()))
				.map(id -> id.getIdPart()).toList();
		// R4's Patient compartment leaves Task out; a Task for a patient (a follow-up of their plan, their referral) is theirs.
		if (owners.isEmpty() && resource instanceof Task task && "Patient".equals(task.getFor().getReferenceElement().getResourceType())) {
			return List.of(task.getFor().getReferenceElement().getIdPart());
		}
		return owners;
	}
}
