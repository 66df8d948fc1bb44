package org.onetrip.server.region;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.onetrip.terminology.region.Clinician;
import org.onetrip.terminology.region.Department;
import org.onetrip.terminology.region.Hospital;
import org.onetrip.terminology.region.Region;
import org.springframework.stereotype.Component;

/**
 * Which hospital a FHIR reference to one of the region's own resources belongs to
 * ({@code Organization/hospital-b}, {@code PractitionerRole/hospital-b-wang-fang-role}, ...).
 */
@Component
public class RegionDirectory {

	private final Region region;
	private final Map<String, Hospital> hospitalByReference = new HashMap<>();
	private final Map<String, RegionClinician> clinicianByReference = new HashMap<>();
	private final Map<String, String> serviceByReference = new HashMap<>();

	/**
	 * A practitioner of the region, as config/region.yaml places them: their hospital, Practitioner, PractitionerRole and
	 * department (HealthcareService).
	 */
	public record RegionClinician(String hospital, String practitionerId, String roleId, String serviceId) {}

	public RegionDirectory(Region region) {
		this.region = region;
		for (Hospital hospital : region.hospitals()) {
			hospitalByReference.put("Organization/" + hospital.key(), hospital);
			for (Department department : hospital.departments()) {
				hospitalByReference.put("HealthcareService/" + RegionResources.healthcareServiceId(hospital, department), hospital);
				serviceByReference.put("HealthcareService/" + RegionResources.healthcareServiceId(hospital, department),
						RegionResources.healthcareServiceId(hospital, department));
			}
			for (Clinician clinician : hospital.clinicians()) {
				String id = RegionResources.practitionerId(hospital, clinician);
				hospitalByReference.put("Practitioner/" + id, hospital);
				hospitalByReference.put("PractitionerRole/" + RegionResources.practitionerRoleId(hospital, clinician), hospital);
				RegionClinician known = new RegionClinician(hospital.key(), id, RegionResources.practitionerRoleId(hospital, clinician),
						hospital.department(clinician.departmentKey()).map(d -> RegionResources.healthcareServiceId(hospital, d)).orElse(null));
				clinicianByReference.put("Practitioner/" + id, known);
				clinicianByReference.put("PractitionerRole/" + known.roleId(), known);
			}
		}
	}

	public Region region() {
		return region;
	}

	/** @param reference a relative reference ({@code Type/id}); an absolute URL is reduced to its last two segments */
	public Optional<Hospital> hospitalOf(String reference) {
		if (reference == null || reference.isBlank()) {
			return Optional.empty();
		}
		return Optional.ofNullable(hospitalByReference.get(relative(reference)));
	}

	/** The region's practitioner a Practitioner or PractitionerRole reference names. */
	public Optional<RegionClinician> clinician(String reference) {
		return reference == null || reference.isBlank() ? Optional.empty() : Optional.ofNullable(clinicianByReference.get(relative(reference)));
	}

	/** The department (HealthcareService id) a HealthcareService reference names, if it is one of the region's. */
	public Optional<String> department(String reference) {
		return reference == null || reference.isBlank() ? Optional.empty() : Optional.ofNullable(serviceByReference.get(relative(reference)));
	}

	/** {@code Type/id} from a relative or absolute reference, without a version. */
	public static String relative(String reference) {
		String[] parts = reference.replaceFirst("/_history/.*$", "").split("/");
		return parts.length < 2 ? reference : parts[parts.length - 2] + "/" + parts[parts.length - 1];
	}

	/** The hospital a Patient record belongs to: its managing organization, else the hospital whose MRN it carries. */
	public Optional<Hospital> hospitalOfPatient(org.hl7.fhir.r4.model.Patient patient) {
		Optional<Hospital> managing = hospitalOf(patient.getManagingOrganization().getReference());
		if (managing.isPresent()) {
			return managing;
		}
		return patient.getIdentifier().stream().filter(i -> i.hasSystem())
				.map(i -> region.hospitalByMrnSystem(i.getSystem())).flatMap(Optional::stream).findFirst();
	}

	/** A hospital's level as the figures name it ("primary", "secondary", "tertiary"), "unknown" for a key not in the region. */
	public String levelName(String hospitalKey) {
		return hospitalKey == null ? "unknown"
				: region.hospital(hospitalKey).map(h -> h.level().name().toLowerCase(java.util.Locale.ROOT)).orElse("unknown");
	}

	public String hospitalName(String hospitalKey) {
		return hospitalKey == null ? null : region.hospital(hospitalKey).map(Hospital::name).orElse(hospitalKey);
	}
}
