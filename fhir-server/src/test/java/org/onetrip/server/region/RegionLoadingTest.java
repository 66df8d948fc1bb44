package org.onetrip.server.region;

import static org.assertj.core.api.Assertions.assertThat;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Endpoint;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.UriType;
import org.junit.jupiter.api.Test;
import org.onetrip.server.ServerTest;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.DefaultApplicationArguments;

/** The demo region from config/region.yaml is in FHIR, under the keys as logical ids, and reloads idempotently. */
class RegionLoadingTest extends ServerTest {

	@Autowired
	RegionLoader regionLoader;

	@Test
	void everyInstitutionIsAnOrganizationWithItsLevelMrnSystemAndDicomEndpoint() {
		assertInstitution("hospital-a", "tertiary", "HOSP_A");
		assertInstitution("hospital-b", "secondary", "HOSP_B");
		assertInstitution("clinic-c", "primary", "CLINIC_C");
		assertInstitution("imaging-d", "secondary", "IMAGING_D");
	}

	private void assertInstitution(String key, String level, String aeTitle) {
		Organization org = fhir.get("/Organization/" + key).as(Organization.class);
		assertThat(org.getType()).anySatisfy(t -> assertThat(t.getCodingFirstRep().getCode()).isEqualTo(level));
		assertThat(((UriType) org.getExtensionByUrl(RegionResources.EXT_MRN_SYSTEM).getValue()).getValue())
				.isEqualTo("urn:onetrip:mrn:" + key);
		Endpoint endpoint = fhir.get("/" + org.getEndpointFirstRep().getReference()).as(Endpoint.class);
		assertThat(endpoint.getName()).isEqualTo(aeTitle);
		assertThat(fhir.get("/Organization?identifier=urn:onetrip:organization|" + key).bundle().getTotal()).isEqualTo(1);
	}

	@Test
	void departmentsAndPractitionersAreLinkedToTheirHospital() {
		Bundle services = fhir.get("/HealthcareService?organization=Organization/hospital-a").bundle();
		assertThat(services.getEntry()).extracting(e -> e.getResource().getIdElement().getIdPart())
				.contains("hospital-a-radiology", "hospital-a-cardiology");
		Bundle roles = fhir.get("/PractitionerRole?organization=Organization/clinic-c&_include=PractitionerRole:practitioner").bundle();
		assertThat(roles.getEntry()).extracting(e -> e.getResource().getIdElement().getIdPart())
				.contains("clinic-c-xu-jing-role", "clinic-c-xu-jing");
		assertThat(fhir.get("/NamingSystem/mrn-hospital-b").status()).isEqualTo(200);
	}

	@Test
	void loadingTheSameRegionAgainChangesNoVersion() {
		String before = fhir.get("/Organization/hospital-a").as(Organization.class).getMeta().getVersionId();
		regionLoader.run(new DefaultApplicationArguments());
		String after = fhir.get("/Organization/hospital-a").as(Organization.class).getMeta().getVersionId();
		assertThat(after).isEqualTo(before);
		assertThat(fhir.get("/Organization?identifier=urn:onetrip:organization|hospital-a").bundle().getTotal()).isEqualTo(1);
	}

	@Test
	void aRegionResourceChangedThroughTheApiIsPutBackByTheNextLoad() {
		Organization configured = fhir.get("/Organization/hospital-b").as(Organization.class);
		Organization changed = configured.copy().setName("Renamed by hand");
		assertThat(fhir.put("/Organization/hospital-b", changed).status()).isEqualTo(200);

		regionLoader.run(new DefaultApplicationArguments());
		Organization after = fhir.get("/Organization/hospital-b").as(Organization.class);
		assertThat(after.getName()).isEqualTo(configured.getName());
		assertThat(Integer.parseInt(after.getMeta().getVersionId()))
				.isEqualTo(Integer.parseInt(configured.getMeta().getVersionId()) + 2);
	}
}
