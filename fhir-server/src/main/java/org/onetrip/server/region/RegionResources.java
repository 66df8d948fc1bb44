package org.onetrip.server.region;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.Endpoint;
import org.hl7.fhir.r4.model.Enumerations.PublicationStatus;
import org.hl7.fhir.r4.model.HealthcareService;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.NamingSystem;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.PractitionerRole;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.UriType;
import org.onetrip.terminology.region.Clinician;
import org.onetrip.terminology.region.Department;
import org.onetrip.terminology.region.Hospital;
import org.onetrip.terminology.region.HospitalLevel;
import org.onetrip.terminology.region.Region;

/**
 * The FHIR picture of the region: what {@link RegionLoader} writes. Logical ids are derived from
 * config keys, so loading twice updates the same resources instead of adding new ones.
 */
public final class RegionResources {

	public static final String EXT_MRN_SYSTEM = "urn:onetrip:fhir:extension:mrn-system";
	public static final String ENDPOINT_CONNECTION_TYPE = "urn:onetrip:endpoint-connection-type";
	public static final String STAFF_SYSTEM_PREFIX = "urn:onetrip:staff:";
	private static final String ORGANIZATION_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type";
	private static final String SNOMED = "http://snomed.info/sct";
	private static final String IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203";

	private RegionResources() {}

	public static List<Resource> of(Region region) {
		List<Resource> resources = new ArrayList<>();
		resources.add(namingSystem("citizen-id", "Citizen ID", region.identifierSystems().citizenId(), "NI", null));
		resources.add(namingSystem("health-card", "Health card", region.identifierSystems().healthCard(), "HC", null));
		for (Hospital hospital : region.hospitals()) {
			resources.add(namingSystem(
					"mrn-" + hospital.key(), "Medical record numbers of " + hospital.name(), hospital.mrnSystem(), "MR", hospital));
			List<Endpoint> endpoints = hospital.aeTitles().stream().map(ae -> dicomEndpoint(hospital, ae)).toList();
			resources.add(organization(region, hospital, endpoints));
			resources.addAll(endpoints);
			for (Department department : hospital.departments()) {
				resources.add(healthcareService(hospital, department));
			}
			for (Clinician clinician : hospital.clinicians()) {
				resources.add(practitioner(hospital, clinician));
				resources.add(practitionerRole(hospital, clinician));
			}
		}
		return resources;
	}

	public static String healthcareServiceId(Hospital hospital, Department department) {
		return hospital.key() + "-" + department.key();
	}

	public static String practitionerRoleId(Hospital hospital, Clinician clinician) {
		return practitionerId(hospital, clinician) + "-role";
	}

	public static String practitionerId(Hospital hospital, Clinician clinician) {
		return hospital.key() + "-" + clinician.key();
	}

	private static Organization organization(Region region, Hospital hospital, List<Endpoint> endpoints) {
		Organization org = new Organization();
		org.setId(hospital.key());
		org.addIdentifier().setSystem(region.identifierSystems().organization()).setValue(hospital.key());
		org.setActive(true);
		org.setName(hospital.name());
		org.addType(new CodeableConcept(new Coding(ORGANIZATION_TYPE, "prov", "Healthcare Provider")));
		HospitalLevel level = hospital.level();
		org.addType(new CodeableConcept(new Coding(HospitalLevel.SYSTEM, level.code(), capitalise(level.code()))));
		if (hospital.city() != null) {
			org.addAddress().setCity(hospital.city());
		}
		org.addExtension(EXT_MRN_SYSTEM, new UriType(hospital.mrnSystem()));
		endpoints.forEach(e -> org.addEndpoint(new Reference("Endpoint/" + e.getIdElement().getIdPart())));
		return org;
	}

	private static Endpoint dicomEndpoint(Hospital hospital, String aeTitle) {
		Endpoint endpoint = new Endpoint();
		endpoint.setId(hospital.key() + "-dicom-" + aeTitle.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "-"));
		endpoint.setStatus(Endpoint.EndpointStatus.ACTIVE);
		endpoint.setConnectionType(new Coding(ENDPOINT_CONNECTION_TYPE, "dicom-dimse", "DICOM DIMSE application entity"));
		endpoint.setName(aeTitle);
		endpoint.setManagingOrganization(new Reference("Organization/" + hospital.key()));
		endpoint.addPayloadType().setText("DICOM");
		endpoint.addPayloadMimeType("application/dicom");
		endpoint.setAddress("dicom://" + aeTitle);
		return endpoint;
	}

	private static HealthcareService healthcareService(Hospital hospital, Department department) {
		HealthcareService service = new HealthcareService();
		service.setId(healthcareServiceId(hospital, department));
		service.setActive(true);
		service.setName(department.name());
		service.setProvidedBy(new Reference("Organization/" + hospital.key()));
		if (department.specialty() != null) {
			service.addSpecialty(new CodeableConcept(new Coding(SNOMED, department.specialty(), department.specialtyDisplay())));
		}
		return service;
	}

	private static Practitioner practitioner(Hospital hospital, Clinician clinician) {
		Practitioner practitioner = new Practitioner();
		practitioner.setId(practitionerId(hospital, clinician));
		practitioner.addIdentifier().setSystem(STAFF_SYSTEM_PREFIX + hospital.key()).setValue(clinician.key());
		practitioner.setActive(true);
		HumanName name = practitioner.addName().setFamily(clinician.family());
		if (clinician.given() != null) {
			name.addGiven(clinician.given());
		}
		return practitioner;
	}

	private static PractitionerRole practitionerRole(Hospital hospital, Clinician clinician) {
		Department department = hospital.department(clinician.departmentKey()).orElseThrow();
		PractitionerRole role = new PractitionerRole();
		role.setId(practitionerRoleId(hospital, clinician));
		role.setActive(true);
		role.setPractitioner(new Reference("Practitioner/" + practitionerId(hospital, clinician)));
		role.setOrganization(new Reference("Organization/" + hospital.key()));
		role.addHealthcareService(new Reference("HealthcareService/" + healthcareServiceId(hospital, department)));
		if (department.specialty() != null) {
			role.addSpecialty(new CodeableConcept(new Coding(SNOMED, department.specialty(), department.specialtyDisplay())));
		}
		return role;
	}

	private static NamingSystem namingSystem(String id, String name, String uri, String typeCode, Hospital issuer) {
		NamingSystem ns = new NamingSystem();
		ns.setId(id);
		ns.setName(name.replaceAll("[^A-Za-z0-9]", ""));
		ns.setStatus(PublicationStatus.ACTIVE);
		ns.setKind(NamingSystem.NamingSystemType.IDENTIFIER);
		ns.setDateElement(new org.hl7.fhir.r4.model.DateTimeType("2026-01-01"));
		ns.setType(new CodeableConcept(new Coding(IDENTIFIER_TYPE, typeCode, null)));
		ns.setDescription(name);
		if (issuer != null) {
			ns.setResponsible(issuer.name());
			ns.addContact().setName(issuer.name()).addTelecom().setSystem(ContactPoint.ContactPointSystem.URL)
					.setValue("Organization/" + issuer.key());
		}
		ns.addUniqueId().setType(NamingSystem.NamingSystemIdentifierType.URI).setValue(uri).setPreferred(true);
		return ns;
	}

	private static String capitalise(String s) {
		return Character.toUpperCase(s.charAt(0)) + s.substring(1);
	}
}
