package org.onetrip.server.hapi;

import ca.uhn.fhir.interceptor.model.RequestPartitionId;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.entity.ResourceIndexedSearchParamToken;
import java.time.LocalDate;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IIdType;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Which of some {@code Type/id}s are stored and not deleted, read from HAPI's resource table in one statement whatever
 * their number (the types and ids go as two array parameters). The one place outside HAPI that knows how
 * {@code HFJ_RESOURCE} names a resource, for the look-ups HAPI would make one query each (reference targets, config
 * publications, the slots a roster already has).
 */
public class StoredResources {

	/** A stored resource: HAPI's primary key, its type, id and current version, and its partition (null: none). */
	public record Stored(long resId, String type, String id, long version, Integer partitionId, LocalDate partitionDate) {
		public String reference() {
			return type + "/" + id;
		}
	}

	private final JdbcTemplate jdbc;

	public StoredResources(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
	}

	/** Those of {@code ids} (versions ignored) that are stored and not deleted, in no particular order. */
	public List<Stored> find(Collection<? extends IIdType> ids) {
		if (ids.isEmpty()) {
			return List.of();
		}
		String[] types = ids.stream().map(IIdType::getResourceType).toArray(String[]::new);
		String[] fhirIds = ids.stream().map(IIdType::getIdPart).toArray(String[]::new);
		return jdbc.query(connection -> {
			var statement = connection.prepareStatement("SELECT RES_ID, RES_TYPE, FHIR_ID, RES_VER, PARTITION_ID, PARTITION_DATE "
					+ "FROM HFJ_RESOURCE WHERE RES_DELETED_AT IS NULL AND (RES_TYPE, FHIR_ID) IN (SELECT * FROM unnest(?::text[], ?::text[]))");
			statement.setArray(1, connection.createArrayOf("text", types));
			statement.setArray(2, connection.createArrayOf("text", fhirIds));
			return statement;
		}, (rs, i) -> {
			java.sql.Date partitionDate = rs.getDate(6);
			return new Stored(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4), (Integer) rs.getObject(5),
					partitionDate == null ? null : partitionDate.toLocalDate());
		});
	}

	/**
	 * Which of {@code codes} each of these resources (stored, not deleted) is indexed under for a token search parameter
	 * ({@code Slot} {@code status}, say), read from HAPI's token index in one statement: HAPI writes those rows in the
	 * transaction that stores the version, so they tell the current version's value without reading and parsing it. The
	 * index keeps hashes only (search parameter, value), which HAPI's own function computes here. Resources indexed under
	 * none of the codes are absent.
	 */
	public Map<String, String> indexedCodes(PartitionSettings partitions, String resourceType, Collection<String> ids,
			String searchParam, Collection<String> codes) {
		if (ids.isEmpty() || codes.isEmpty()) {
			return Map.of();
		}
		Map<Long, String> codeOfHash = new HashMap<>();
		for (String code : codes) {
			codeOfHash.put(ResourceIndexedSearchParamToken.calculateHashValue(partitions, RequestPartitionId.defaultPartition(),
					resourceType, searchParam, code), code);
		}
		Map<String, String> indexed = new HashMap<>();
		jdbc.query(connection -> {
			var statement = connection.prepareStatement("SELECT r.FHIR_ID, t.HASH_VALUE FROM HFJ_RESOURCE r"
					+ " JOIN HFJ_SPIDX_TOKEN t ON t.RES_ID = r.RES_ID"
					+ " WHERE r.RES_TYPE = ? AND r.FHIR_ID = ANY(?) AND r.RES_DELETED_AT IS NULL AND t.HASH_VALUE = ANY(?)");
			statement.setString(1, resourceType);
			statement.setArray(2, connection.createArrayOf("text", ids.toArray()));
			statement.setArray(3, connection.createArrayOf("bigint", codeOfHash.keySet().toArray()));
			return statement;
		}, rs -> {
			indexed.put(rs.getString(1), codeOfHash.get(rs.getLong(2)));
		});
		return indexed;
	}
}
