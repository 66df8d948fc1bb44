package org.onetrip.terminology.region;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class RegionConfigTest {

	private static final Path DEMO_REGION = Path.of("..", "config", "region.yaml");

	@Test
	void theDemoRegionHasTheFourInstitutionsWithTheirLevelsAndAeTitles() {
		Region region = RegionConfig.load(DEMO_REGION);

		assertEquals(HospitalLevel.TERTIARY, region.hospital("hospital-a").orElseThrow().level());
		assertEquals(HospitalLevel.SECONDARY, region.hospital("hospital-b").orElseThrow().level());
		assertEquals(HospitalLevel.PRIMARY, region.hospital("clinic-c").orElseThrow().level());
		assertTrue(region.hospital("imaging-d").orElseThrow().imagingCentre());
		assertEquals("hospital-a", region.hospitalByAeTitle("hosp_a").orElseThrow().key());
		assertEquals("imaging-d", region.hospitalByAeTitle("IMAGING_D").orElseThrow().key());
		assertEquals("urn:onetrip:mrn:hospital-b", region.hospital("hospital-b").orElseThrow().mrnSystem());
		assertEquals("clinic-c", region.hospitalByMrnSystem("urn:onetrip:mrn:clinic-c").orElseThrow().key());
	}

	@Test
	void personIdentifierSystemsAreCitizenIdHealthCardAndEveryMrnSystem() {
		Region region = RegionConfig.load(DEMO_REGION);
		List<String> systems = region.personIdentifierSystems();

		assertEquals("urn:onetrip:citizen-id", systems.get(0));
		assertEquals("urn:onetrip:health-card", systems.get(1));
		assertTrue(systems.contains("urn:onetrip:mrn:hospital-a"));
		assertEquals(2 + region.hospitals().size(), systems.size());
	}

	@Test
	void anAeTitleClaimedByTwoHospitalsIsRejectedWithTheTitleNamed() {
		String yaml = """
				hospitals:
				  - {key: a, name: A, level: tertiary, aeTitles: [SAME]}
				  - {key: b, name: B, level: primary, aeTitles: [same]}
				""";
		var e = assertThrows(IllegalArgumentException.class, () -> parse(yaml));
		assertTrue(e.getMessage().contains("AE title 'same' is claimed by two hospitals"), e.getMessage());
	}

	@Test
	void anAeTitleWithAnAddressIsAMoveDestinationAndOneWithoutAPortIsRejected() throws Exception {
		Region region = parse("""
				hospitals:
				  - {key: a, name: A, level: tertiary, aeTitles: [A_MODALITY, {aeTitle: A_PACS, host: 10.1.2.3, port: 104}]}
				""");
		Hospital a = region.hospitals().get(0);
		assertEquals(List.of("A_MODALITY", "A_PACS"), a.aeTitles());
		assertEquals(List.of(new DicomNode("A_PACS", "10.1.2.3", 104)), a.dicomNodes());

		var e = assertThrows(IllegalArgumentException.class, () -> parse("""
				hospitals:
				  - {key: a, name: A, level: tertiary, aeTitles: [{aeTitle: A_PACS, host: 10.1.2.3}]}
				"""));
		assertTrue(e.getMessage().contains("AE title 'A_PACS' needs a host and a port"), e.getMessage());
	}

	@Test
	void aPractitionerInAnUnknownDepartmentIsRejected() {
		String yaml = """
				hospitals:
				  - key: a
				    name: A
				    level: secondary
				    departments: [{key: radiology, name: Radiology}]
				    practitioners: [{key: dr-x, family: X, department: surgery}]
				""";
		var e = assertThrows(IllegalArgumentException.class, () -> parse(yaml));
		assertTrue(e.getMessage().contains("department 'surgery'"), e.getMessage());
	}

	@Test
	void anUnknownLevelAndABadKeyAreRejected() {
		assertThrows(IllegalArgumentException.class,
				() -> parse("hospitals: [{key: a, name: A, level: quaternary}]"));
		var e = assertThrows(IllegalArgumentException.class,
				() -> parse("hospitals: [{key: 'Hospital A', name: A, level: primary}]"));
		assertTrue(e.getMessage().contains("'Hospital A'"), e.getMessage());
	}

	private static Region parse(String yaml) throws Exception {
		return RegionConfig.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "test.yaml");
	}
}
