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

/**
 * Config-derived resources (the region, the price lists, the follow-up plans, the exam catalogue, the rosters'
 * Schedules) published at every start as one
 * transaction of PUTs ({@link PutTransaction}), unless neither the config nor the stored resources changed since the
 * last publication. HAPI skips an unchanged PUT, but checking each one still cost seconds of every start (the region's
 * ~50: 2-4 s, bench/HISTORY.md 2026-12-03). What was published is remembered in {@link ConfigFileLedger}: the
 * transaction itself and each resource's stored version after it, so a resource changed or deleted through the API
 * since is put back as configured, as before.
 */
public class ConfigPublication {

	private final IFhirSystemDao<Bundle, ?> systemDao;
	private final StoredResources stored;
	private final ConfigFileLedger ledger;

	public ConfigPublication(IFhirSystemDao<Bundle, ?> systemDao, StoredResources stored, ConfigFileLedger ledger) {
		this.systemDao = systemDao;
		this.stored = stored;
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
		return versions(stored.find(resources.stream().map(r -> new IdType(r.fhirType(), r.getIdElement().getIdPart())).toList()).stream()
				.map(found -> found.reference() + "/" + found.version()).toList());
	}

	/** "Type/id/version" lines in one order (Java's, whatever the database's collation). */
	private static String versions(List<String> typeIdVersions) {
		return "\n" + String.join("\n", typeIdVersions.stream().sorted().toList());
	}
}
