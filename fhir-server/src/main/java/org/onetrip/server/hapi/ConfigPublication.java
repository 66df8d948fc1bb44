package org.onetrip.server.hapi;

import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;
import org.onetrip.server.terminology.ConfigFileLedger;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Config-derived resources (the region, the price lists, the follow-up plans) published at every start as one
 * transaction of PUTs ({@link PutTransaction}), unless neither the config nor the stored resources changed since the
 * last publication. HAPI skips an unchanged PUT, but checking each one still cost seconds of every start (the region's
 * ~50: 2-4 s, bench/HISTORY.md 2026-12-03). What was published is remembered in {@link ConfigFileLedger}: the
 * transaction itself and each resource's stored version after it, so a resource changed or deleted through the API
 * since is put back as configured, as before.
 */
public class ConfigPublication {

	private final IFhirSystemDao<Bundle, ?> systemDao;
	private final JdbcTemplate jdbc;
	private final ConfigFileLedger ledger;

	public ConfigPublication(IFhirSystemDao<Bundle, ?> systemDao, JdbcTemplate jdbc, ConfigFileLedger ledger) {
		this.systemDao = systemDao;
		this.jdbc = jdbc;
		this.ledger = ledger;
	}

	/** The transaction's response, or empty when nothing changed (nothing was written). */
	public Optional<Bundle> publish(String name, List<? extends Resource> resources) {
		Bundle transaction = PutTransaction.of(resources);
		String published = systemDao.getContext().newJsonParser().encodeResourceToString(transaction);
		if (!ledger.changedSinceLastLoad(name, published + storedVersions(resources))) {
			return Optional.empty();
		}
		Bundle response = systemDao.transaction(new SystemRequestDetails(), transaction);
		// Two instances starting together may both publish; the ledger says the same either way.
		ledger.recordLoaded(name, published + storedVersions(resources));
		return Optional.of(response);
	}

	/** Each resource's stored version, in order ("" when there are none; a deleted or missing one is left out). */
	private String storedVersions(List<? extends Resource> resources) {
		if (resources.isEmpty()) {
			return "";
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
		return "\n" + String.join("\n", jdbc.queryForList(sql.toString(), String.class, arguments.toArray()));
	}
}
