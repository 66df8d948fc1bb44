package org.onetrip.server.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Reference;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * OneTrip's audit trail in one table, OT_AUDIT_EVENT: a row per AuditEvent, with the columns its searches need (time,
 * type, subtype, action, outcome, the agents' and entities' references) and the event itself as an {@link AuditRecord}
 * (or, for an AuditEvent HAPI stored before this table existed, as FHIR JSON). The FHIR AuditEvent is made from it
 * when read ({@link AuditEventRendering}).
 *
 * <p>Why not HAPI's resource tables: every audited request wrote one AuditEvent through HAPI's full create (search
 * parameter extraction, ~20 index rows, the reference checks), which was a quarter of the JVM's CPU in the booking
 * storm (bench/HISTORY.md, stop 43). Here a record is one insert, made by the request thread itself.
 */
public class AuditEventStore {

	static final String SUBTYPE_SYSTEM = "urn:onetrip:audit-subtype";

	private final JdbcTemplate jdbc;

	public AuditEventStore(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
		jdbc.execute("CREATE TABLE IF NOT EXISTS OT_AUDIT_EVENT (ID BIGSERIAL PRIMARY KEY, RECORDED TIMESTAMPTZ NOT NULL, "
				+ "TYPE TEXT NOT NULL, SUBTYPE TEXT NOT NULL, ACTION TEXT, OUTCOME TEXT NOT NULL, AGENTS TEXT[] NOT NULL, "
				+ "ENTITIES TEXT[] NOT NULL, RECORD TEXT, RESOURCE TEXT, HAPI_RES_ID BIGINT UNIQUE, "
				+ "CHECK ((RECORD IS NULL) <> (RESOURCE IS NULL)))");
		jdbc.execute("CREATE INDEX IF NOT EXISTS OT_AUDIT_EVENT_RECORDED ON OT_AUDIT_EVENT (RECORDED)");
		// GIN: an event names several records and agents, and the console asks "everything about Patient/X".
		jdbc.execute("CREATE INDEX IF NOT EXISTS OT_AUDIT_EVENT_ENTITIES ON OT_AUDIT_EVENT USING GIN (ENTITIES)");
		jdbc.execute("CREATE INDEX IF NOT EXISTS OT_AUDIT_EVENT_AGENTS ON OT_AUDIT_EVENT USING GIN (AGENTS)");
	}

	/** What an event is searched by, however it is kept. */
	record Indexed(Instant recorded, String type, String subtype, String action, String outcome, List<String> agents,
			List<String> entities) {}

	/** One stored event: its id and either the record it was made from or, for one HAPI stored, its FHIR JSON. */
	record Row(long id, Instant recorded, AuditRecord record, String resource) {}

	static Indexed indexed(AuditRecord record) {
		Set<String> entities = new LinkedHashSet<>();
		for (String named : record.patients()) {
			if (AuditEventRendering.isPlainReference(named)) {
				entities.add(named);
			}
		}
		for (String named : record.entities()) {
			if (AuditEventRendering.isPlainReference(named)) {
				entities.add(named);
			}
		}
		List<String> agents = record.agentHospital() == null ? List.of() : List.of("Organization/" + record.agentHospital());
		var type = AuditEventRendering.type(record.kind());
		return new Indexed(record.when(), type.getSystem() + "|" + type.getCode(), SUBTYPE_SYSTEM + "|" + record.subtype(),
				record.action(), AuditEventRendering.outcome(record).toCode(), agents, List.copyOf(entities));
	}

	/** What an AuditEvent HAPI stored (before OneTrip kept its own table) is searched by, as a record's would be. */
	static Indexed indexed(AuditEvent event) {
		List<String> agents = event.getAgent().stream().map(agent -> agent.getWho().getReference())
				.filter(reference -> reference != null && AuditEventRendering.isPlainReference(reference)).distinct().toList();
		List<String> entities = event.getEntity().stream().map(entity -> {
			Reference what = entity.getWhat();
			// A name kept as an identifier because it was not stored when written: searched by, like a record's.
			return what.hasReference() ? what.getReference()
					: "urn:onetrip:reference".equals(what.getIdentifier().getSystem()) ? what.getIdentifier().getValue() : null;
		}).filter(reference -> reference != null && AuditEventRendering.isPlainReference(reference)).distinct().toList();
		Coding subtype = event.getSubtypeFirstRep();
		Date recorded = event.hasRecorded() ? event.getRecorded()
				: event.getMeta().hasLastUpdated() ? event.getMeta().getLastUpdated() : new Date();
		return new Indexed(recorded.toInstant(), event.getType().getSystem() + "|" + event.getType().getCode(),
				subtype.getSystem() + "|" + subtype.getCode(), event.hasAction() ? event.getAction().toCode() : null,
				event.hasOutcome() ? event.getOutcome().toCode() : AuditEvent.AuditEventOutcome._0.toCode(), agents, entities);
	}

	private static final String INSERT_RECORD = "INSERT INTO OT_AUDIT_EVENT (RECORDED, TYPE, SUBTYPE, ACTION, OUTCOME, AGENTS, "
			+ "ENTITIES, RECORD) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

	/** Appends these records (the JSON of each given beside it), in one statement batch; autocommitted. */
	public void append(List<AuditRecord> records, List<String> json) {
		if (records.size() == 1) {
			// The statement made from the plain connection: JdbcTemplate's connection callback wraps the connection in a
			// proxy for each call and reaches every method through reflection (2 % of a booking storm's request threads).
			jdbc.update(connection -> {
				PreparedStatement insert = connection.prepareStatement(INSERT_RECORD);
				bind(connection, insert, indexed(records.get(0)), 0);
				insert.setString(8, json.get(0));
				return insert;
			});
			return;
		}
		if (records.isEmpty()) {
			return;
		}
		jdbc.execute((Connection connection) -> {
			try (PreparedStatement insert = connection.prepareStatement(INSERT_RECORD)) {
				for (int i = 0; i < records.size(); i++) {
					bind(connection, insert, indexed(records.get(i)), 0);
					insert.setString(8, json.get(i));
					insert.addBatch();
				}
				insert.executeBatch();
			}
			return null;
		});
	}

	/**
	 * Appends one record and the rows that belong with it in one statement (the rows' inserts as the WITH clauses of
	 * the record's): stored together or not at all; autocommitted.
	 */
	public void appendWith(AuditRecord record, String json, List<RowBesideTheRecord> beside) {
		StringBuilder sql = new StringBuilder("WITH ");
		for (int i = 0; i < beside.size(); i++) {
			sql.append(i == 0 ? "" : ", ").append("beside").append(i).append(" AS (").append(beside.get(i).insert()).append(')');
		}
		sql.append(' ').append(INSERT_RECORD);
		jdbc.update(connection -> {
			PreparedStatement insert = connection.prepareStatement(sql.toString());
			int parameter = 0;
			for (RowBesideTheRecord row : beside) {
				for (Object value : row.values()) {
					insert.setObject(++parameter, value);
				}
			}
			bind(connection, insert, indexed(record), parameter);
			insert.setString(parameter + 8, json);
			return insert;
		});
	}

	/**
	 * Appends an AuditEvent composed whole (not from a record), in the caller's transaction if it has one; with
	 * {@code hapiResId}, one HAPI stored before this table existed, which a second call for the same one leaves alone.
	 */
	void appendResource(Long hapiResId, Indexed indexed, String resourceJson) {
		jdbc.execute((Connection connection) -> {
			try (PreparedStatement insert = connection.prepareStatement("INSERT INTO OT_AUDIT_EVENT (RECORDED, TYPE, SUBTYPE, "
					+ "ACTION, OUTCOME, AGENTS, ENTITIES, RESOURCE, HAPI_RES_ID) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
					+ "ON CONFLICT (HAPI_RES_ID) DO NOTHING")) {
				bind(connection, insert, indexed, 0);
				insert.setString(8, resourceJson);
				insert.setObject(9, hapiResId, java.sql.Types.BIGINT);
				insert.executeUpdate();
			}
			return null;
		});
	}

	/** The searched columns, as parameters {@code after + 1} to {@code after + 7}. */
	private static void bind(Connection connection, PreparedStatement insert, Indexed indexed, int after) throws SQLException {
		insert.setTimestamp(after + 1, Timestamp.from(indexed.recorded()));
		insert.setString(after + 2, indexed.type());
		insert.setString(after + 3, indexed.subtype());
		insert.setString(after + 4, indexed.action());
		insert.setString(after + 5, indexed.outcome());
		insert.setArray(after + 6, connection.createArrayOf("text", indexed.agents().toArray()));
		insert.setArray(after + 7, connection.createArrayOf("text", indexed.entities().toArray()));
	}

	/** The highest HAPI primary key among the AuditEvents copied from HAPI's tables, 0 if none. */
	long lastAdoptedHapiResId() {
		Long last = jdbc.queryForObject("SELECT MAX(HAPI_RES_ID) FROM OT_AUDIT_EVENT", Long.class);
		return last == null ? 0 : last;
	}

	/** The HAPI primary keys of the AuditEvents already adopted from this range. */
	Set<Long> adoptedAmong(long fromResId, long toResId) {
		return new java.util.HashSet<>(jdbc.queryForList("SELECT HAPI_RES_ID FROM OT_AUDIT_EVENT WHERE HAPI_RES_ID BETWEEN ? AND ?",
				Long.class, fromResId, toResId));
	}

	public java.util.Optional<Row> read(long id) {
		return jdbc.query("SELECT ID, RECORDED, RECORD, RESOURCE FROM OT_AUDIT_EVENT WHERE ID = ?", AuditEventStore::row, id).stream()
				.findFirst();
	}

	/** The rows the criteria select, in the order asked, {@code count} of them from {@code offset}. */
	public List<Row> search(Criteria criteria, boolean newestFirst, int offset, int count) {
		String order = newestFirst ? " ORDER BY RECORDED DESC, ID DESC" : " ORDER BY RECORDED, ID";
		List<Object> arguments = new ArrayList<>(criteria.arguments);
		arguments.add(count);
		arguments.add(offset);
		return jdbc.query("SELECT ID, RECORDED, RECORD, RESOURCE FROM OT_AUDIT_EVENT" + criteria.where() + order + " LIMIT ? OFFSET ?",
				AuditEventStore::row, arguments.toArray());
	}

	public int count(Criteria criteria) {
		Integer count = jdbc.queryForObject("SELECT COUNT(*) FROM OT_AUDIT_EVENT" + criteria.where(), Integer.class,
				criteria.arguments.toArray());
		return count == null ? 0 : count;
	}

	private static Row row(ResultSet rs, int i) throws SQLException {
		String record = rs.getString(3);
		try {
			return new Row(rs.getLong(1), rs.getTimestamp(2).toInstant(), record == null ? null : AuditRecord.fromJson(record),
					rs.getString(4));
		} catch (com.fasterxml.jackson.core.JsonProcessingException e) {
			throw new IllegalStateException("audit event " + rs.getLong(1) + " has an unreadable record: " + record, e);
		}
	}

	/**
	 * Conditions on the stored events, all of which must hold (FHIR's "and" between parameters and repeats); each
	 * condition is itself an "or" of values. A condition no event can meet (a system OneTrip never writes) makes the
	 * whole search empty rather than an error, as FHIR expects of a value that matches nothing.
	 */
	public static final class Criteria {
		private final List<String> conditions = new ArrayList<>();
		private final List<Object> arguments = new ArrayList<>();

		/** The event names any of these records ("Patient/1"). */
		public Criteria namesAnyEntity(Collection<String> references) {
			return overlaps("ENTITIES", references);
		}

		/** The event names a record of any type with one of these ids (a reference given without its type). */
		public Criteria namesAnyEntityWithId(Collection<String> ids) {
			List<String> patterns = ids.stream().map(id -> "%/" + likeEscaped(id)).toList();
			conditions.add("EXISTS (SELECT 1 FROM unnest(ENTITIES) e WHERE e LIKE ANY (?::text[]))");
			arguments.add(patterns.toArray(String[]::new));
			return this;
		}

		public Criteria hasAnyAgent(Collection<String> references) {
			return overlaps("AGENTS", references);
		}

		private Criteria overlaps(String column, Collection<String> references) {
			conditions.add(column + " && ?::text[]");
			arguments.add(references.toArray(String[]::new));
			return this;
		}

		/** {@code column} is one of these values (a token's code, or "system|code" where the column keeps both). */
		public Criteria isAnyOf(Column column, Collection<String> values) {
			conditions.add(column.name() + " = ANY (?::text[])");
			arguments.add(values.toArray(String[]::new));
			return this;
		}

		/** {@code column} ("system|code") is one of {@code values} or ends with one of {@code codes} (given without a system). */
		public Criteria isAnyOfOrHasAnyCode(Column column, Collection<String> values, Collection<String> codes) {
			conditions.add("(" + column.name() + " = ANY (?::text[]) OR " + column.name() + " LIKE ANY (?::text[]))");
			arguments.add(values.toArray(String[]::new));
			arguments.add(codes.stream().map(code -> "%|" + likeEscaped(code)).toArray(String[]::new));
			return this;
		}

		public Criteria recordedFrom(Instant inclusive) {
			conditions.add("RECORDED >= ?");
			arguments.add(Timestamp.from(inclusive));
			return this;
		}

		public Criteria recordedUntil(Instant inclusive) {
			conditions.add("RECORDED <= ?");
			arguments.add(Timestamp.from(inclusive));
			return this;
		}

		public Criteria hasAnyId(Collection<Long> ids) {
			conditions.add("ID = ANY (?::bigint[])");
			arguments.add(ids.toArray(Long[]::new));
			return this;
		}

		public Criteria matchesNothing() {
			conditions.add("FALSE");
			return this;
		}

		private String where() {
			return conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
		}

		private static String likeEscaped(String value) {
			return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
		}
	}

	/** The token columns a search may ask about. */
	public enum Column { TYPE, SUBTYPE, ACTION, OUTCOME }
}
