package org.onetrip.server.hapi;

import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
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
		// The versions this transaction left, from its own response: a write by someone else just after it is then not
		// taken for part of the publication. Two instances starting together may both publish; either record is right.
		List<String> written = new ArrayList<>();
		response.getEntry().forEach(entry -> {
			IdType location = new IdType(entry.getResponse().getLocation());
			written.add(location.getResourceType() + "/" + location.getIdPart() + "/" + location.getVersionIdPart());
		});
		ledger.recordLoaded(name, published + versions(written));
		return Optional.of(response);
	}

	/** Each resource's stored version (a deleted or missing one is left out). */
	private String storedVersions(List<? extends Resource> resources) {
		if (resources.isEmpty()) {
			return versions(List.of());
		}
		String[] types = resources.stream().map(Resource::fhirType).toArray(String[]::new);
		String[] ids = resources.stream().map(r -> r.getIdElement().getIdPart()).toArray(String[]::new);
		// Two array parameters, not two per resource: a large price list must not outgrow what a statement may bind.
		return versions(jdbc.query(connection -> {
			var statement = connection.prepareStatement("SELECT RES_TYPE || '/' || FHIR_ID || '/' || RES_VER FROM HFJ_RESOURCE "
					+ "WHERE RES_DELETED_AT IS NULL AND (RES_TYPE, FHIR_ID) IN (SELECT * FROM unnest(?::text[], ?::text[]))");
			statement.setArray(1, connection.createArrayOf("text", types));
			statement.setArray(2, connection.createArrayOf("text", ids));
			return statement;
		}, (rs, i) -> rs.getString(1)));
	}

	/** "Type/id/version" lines in one order (Java's, whatever the database's collation). */
	private static String versions(List<String> typeIdVersions) {
		return "\n" + String.join("\n", typeIdVersions.stream().sorted().toList());
	}
}
