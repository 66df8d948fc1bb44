package org.onetrip.server.priorexam;

import ca.uhn.fhir.interceptor.model.RequestPartitionId;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.entity.ResourceIndexedSearchParamToken;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.Identifier;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A person's Patients read straight from the search index HAPI keeps beside its resources, in two
 * small queries when nobody is linked (four or so when an operator linked records) instead of two
 * FHIR searches. The CDS hook asks this on every order a doctor signs, so it must stay a few index
 * probes whatever the region's size: a FHIR search builds a query plan, loads and parses whole
 * Patient resources, and its cost was most of the hook's tail.
 *
 * <p>It reads the same committed rows a FHIR search would ({@code HFJ_SPIDX_TOKEN} for
 * {@code Patient.identifier}, {@code HFJ_RES_LINK} for {@code Patient.link.other}, {@code HFJ_RESOURCE}
 * for ids and deletion), which HAPI writes in the resource's own transaction. Partitioning is not
 * used by OneTrip; the hashes are computed the way HAPI computes them for the default partition.
 */
public class PersonIndexLookup {

	/** The path HAPI records for references found by the {@code Patient:link} search parameter. */
	static final String LINK_PATH = "Patient.link.other";

	private final JdbcTemplate jdbc;
	private final PartitionSettings partitionSettings;
	private final int maxLinkHops;

	public PersonIndexLookup(JdbcTemplate jdbc, PartitionSettings partitionSettings, int maxLinkHops) {
		this.jdbc = jdbc;
		this.partitionSettings = partitionSettings;
		this.maxLinkHops = maxLinkHops;
	}

	/** Ids of the Patients carrying any of these identifiers, and of the Patients linked to them. */
	public Set<String> patientsWithIdentifiers(Collection<Identifier> identifiers) {
		List<Object> hashes = identifiers.stream()
				.map(i -> (Object) ResourceIndexedSearchParamToken.calculateHashSystemAndValue(partitionSettings,
						RequestPartitionId.defaultPartition(), "Patient", "identifier", i.getSystem(), i.getValue()))
				.distinct().toList();
		if (hashes.isEmpty()) {
			return Set.of();
		}
		List<Long> start = jdbc.queryForList("SELECT DISTINCT RES_ID FROM HFJ_SPIDX_TOKEN WHERE HASH_SYS_AND_VALUE IN ("
				+ SqlPlaceholders.of(hashes.size()) + ")", Long.class, hashes.toArray());
		return withLinks(start);
	}

	/** The Patient with this id and the Patients linked to it; empty when it does not exist or was deleted. */
	public Set<String> patientWithLinks(String patientId) {
		List<Long> start = jdbc.queryForList("SELECT RES_ID FROM HFJ_RESOURCE WHERE RES_TYPE = 'Patient' AND FHIR_ID = ? "
				+ "AND RES_DELETED_AT IS NULL", Long.class, patientId);
		return withLinks(start);
	}

	private Set<String> withLinks(List<Long> start) {
		Set<Long> found = new LinkedHashSet<>(start);
		Set<Long> frontier = new LinkedHashSet<>(start);
		for (int hop = 0; hop < maxLinkHops && !frontier.isEmpty(); hop++) {
			List<Object> args = new ArrayList<>(frontier);
			args.addAll(frontier);
			// Both directions: links these Patients declare, and Patients declaring a link to them. Only
			// Patient targets: two Patients that both name one RelatedPerson are not one person.
			String in = SqlPlaceholders.of(frontier.size());
			List<Long> neighbours = jdbc.queryForList(
					"SELECT TARGET_RESOURCE_ID FROM HFJ_RES_LINK WHERE SRC_RESOURCE_ID IN (" + in + ") AND SRC_PATH = '"
							+ LINK_PATH + "' AND TARGET_RESOURCE_TYPE = 'Patient' "
							+ "UNION SELECT SRC_RESOURCE_ID FROM HFJ_RES_LINK WHERE TARGET_RESOURCE_ID IN (" + in
							+ ") AND SRC_PATH = '" + LINK_PATH + "' AND TARGET_RESOURCE_TYPE = 'Patient'",
					Long.class, args.toArray());
			frontier = new LinkedHashSet<>();
			for (Long pid : neighbours) {
				if (found.add(pid)) {
					frontier.add(pid);
				}
			}
		}
		if (found.isEmpty()) {
			return Set.of();
		}
		Map<Long, String> ids = new LinkedHashMap<>();
		jdbc.query("SELECT RES_ID, FHIR_ID FROM HFJ_RESOURCE WHERE RES_ID IN (" + SqlPlaceholders.of(found.size())
				+ ") AND RES_TYPE = 'Patient' AND RES_DELETED_AT IS NULL",
				rs -> {
					ids.put(rs.getLong(1), rs.getString(2));
				}, found.toArray());
		// In the order found: the Patients named by the identifiers first, then the linked ones.
		Set<String> patients = new LinkedHashSet<>();
		found.forEach(pid -> {
			String id = ids.get(pid);
			if (id != null) {
				patients.add(id);
			}
		});
		return patients;
	}
}
