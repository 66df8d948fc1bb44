package org.onetrip.server.region;

import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.onetrip.server.hapi.PutTransaction;
import org.hl7.fhir.r4.model.Resource;
import org.onetrip.terminology.region.Region;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.annotation.Order;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Writes the region (NamingSystems, Organizations, Endpoints, HealthcareServices, Practitioners,
 * PractitionerRoles) in one transaction of PUTs. HAPI skips a PUT whose content did not change, so an unchanged
 * config leaves every version where it was; but checking ~50 unchanged PUTs still took 2-4 s of every start
 * (bench/HISTORY.md, 2026-12-03). So the load remembers what it wrote ({@code OT_REGION_LOADED}: a digest of the
 * transaction, and each resource's stored version after it) and a start whose config and stored resources are both as
 * they were then writes nothing. A resource changed or deleted through the API since is put back as configured.
 */
@Component
@Order(20)
public class RegionLoader implements ApplicationRunner {

	private static final Logger log = LoggerFactory.getLogger(RegionLoader.class);

	private final Region region;
	private final IFhirSystemDao<Bundle, ?> systemDao;
	private final JdbcTemplate jdbc;

	public RegionLoader(Region region, IFhirSystemDao<Bundle, ?> systemDao, JdbcTemplate jdbc) {
		this.region = region;
		this.systemDao = systemDao;
		this.jdbc = jdbc;
	}

	@Override
	public void run(ApplicationArguments args) {
		jdbc.execute("CREATE TABLE IF NOT EXISTS OT_REGION_LOADED (ID INT NOT NULL PRIMARY KEY, "
				+ "CONFIG_DIGEST VARCHAR(64) NOT NULL, STORED_VERSIONS VARCHAR(64) NOT NULL)");
		List<Resource> resources = RegionResources.of(region);
		Bundle transaction = PutTransaction.of(resources);
		String configDigest = sha256(systemDao.getContext().newJsonParser().encodeResourceToString(transaction));
		List<String> lastLoad = jdbc.query("SELECT CONFIG_DIGEST || ' ' || STORED_VERSIONS FROM OT_REGION_LOADED WHERE ID = 1",
				(rs, i) -> rs.getString(1));
		if (!lastLoad.isEmpty() && lastLoad.get(0).equals(configDigest + " " + storedVersions(resources))) {
			log.info("Region '{}' unchanged since it was last loaded: {} hospitals, {} resources", region.name(),
					region.hospitals().size(), resources.size());
			return;
		}
		Bundle response = systemDao.transaction(new SystemRequestDetails(), transaction);
		long created = response.getEntry().stream()
				.filter(e -> e.getResponse().getStatus().startsWith("201"))
				.count();
		String versions = storedVersions(resources);
		// Two instances starting together may both load; the row says the same either way.
		jdbc.update("INSERT INTO OT_REGION_LOADED (ID, CONFIG_DIGEST, STORED_VERSIONS) VALUES (1, ?, ?) "
				+ "ON CONFLICT (ID) DO UPDATE SET CONFIG_DIGEST = EXCLUDED.CONFIG_DIGEST, STORED_VERSIONS = EXCLUDED.STORED_VERSIONS",
				configDigest, versions);
		log.info("Region '{}' loaded: {} hospitals, {} resources ({} newly created)",
				region.name(), region.hospitals().size(), resources.size(), created);
	}

	/** A digest of each region resource's stored version (a deleted or missing one counts as absent). */
	private String storedVersions(List<Resource> resources) {
		if (resources.isEmpty()) {
			return sha256("");
		}
		StringBuilder sql = new StringBuilder("SELECT RES_TYPE || '/' || FHIR_ID || '/' || RES_VER FROM HFJ_RESOURCE "
				+ "WHERE RES_DELETED_AT IS NULL AND (");
		List<Object> arguments = new ArrayList<>();
		for (Resource resource : resources) {
			sql.append(arguments.isEmpty() ? "" : " OR ").append("(RES_TYPE = ? AND FHIR_ID = ?)");
			arguments.add(resource.fhirType());
			arguments.add(resource.getIdElement().getIdPart());
		}
		sql.append(") ORDER BY 1");
		return sha256(String.join("\n", jdbc.queryForList(sql.toString(), String.class, arguments.toArray())));
	}

	private static String sha256(String text) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}
}
