package org.onetrip.server.hapi;

import java.time.LocalDate;
import java.util.Collection;
import java.util.List;
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
}
