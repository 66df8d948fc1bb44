package org.onetrip.dicom.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.onetrip.dicom.query.ImagingQuery;
import org.onetrip.dicom.query.QueryKey;
import org.onetrip.dicom.query.QueryLevel;
import org.onetrip.dicom.query.QueryMatch;

/**
 * The imaging index in three tables of the server's own database (PostgreSQL): {@code OT_DICOM_STUDY},
 * {@code OT_DICOM_SERIES}, {@code OT_DICOM_INSTANCE}. Adding an instance is one transaction that inserts the
 * instance row (its primary key, the SOP Instance UID, is what makes a re-sent instance a no-op) and counts it in
 * its series and study; the study's change counter tells the FHIR sync what to do.
 */
public final class JdbcImagingIndex implements ImagingIndex {

	private static final String DUPLICATE_KEY = "23505";
	/** The first key of this index's advisory locks (the second is the PatientID's hash): OneTrip's other locks differ. */
	private static final int PATIENT_LOCK_SPACE = 0x0D1C0;
	/** Also records the Patient made for the study, when there is one and the study had none (a null keeps it). */
	private static final String MARK_SYNCED = "UPDATE OT_DICOM_STUDY SET PATIENT_REF = COALESCE(PATIENT_REF, ?),"
			+ " SYNCED_SEQ = ?, SYNC_PENDING = (CHANGE_SEQ > ?),"
			+ " FIRST_PENDING_AT = CASE WHEN CHANGE_SEQ > ? THEN CAST(? AS TIMESTAMP) ELSE NULL END, SYNC_LEASE_UNTIL = NULL"
			+ " WHERE STUDY_UID = ?";
	/** Wait this long after a study's last instance before syncing it, unless it has waited {@link #maxSyncDelay}. */
	private final Duration quietPeriod;
	private final Duration maxSyncDelay;
	private final DataSource dataSource;
	private final Clock clock;

	public JdbcImagingIndex(DataSource dataSource, Duration quietPeriod, Duration maxSyncDelay, Clock clock) {
		this.dataSource = dataSource;
		this.quietPeriod = quietPeriod;
		this.maxSyncDelay = maxSyncDelay;
		this.clock = clock;
	}

	/** Creates the tables and indexes when missing (idempotent). */
	public void createSchema() {
		String[] ddl = {
				"CREATE TABLE IF NOT EXISTS OT_DICOM_STUDY (STUDY_UID VARCHAR(64) PRIMARY KEY, PATIENT_REF VARCHAR(64),"
						+ " PATIENT_SYSTEM VARCHAR(200) NOT NULL, PATIENT_ID VARCHAR(64) NOT NULL, PATIENT_NAME VARCHAR(400),"
						+ " BIRTH_DATE VARCHAR(16), SEX VARCHAR(16), HOSPITAL VARCHAR(64) NOT NULL, STUDY_DATE VARCHAR(16),"
						+ " STUDY_TIME VARCHAR(32), ACCESSION VARCHAR(64), STUDY_ID VARCHAR(64), DESCRIPTION VARCHAR(200),"
						+ " REFERRING VARCHAR(400), INSTITUTION VARCHAR(200), PROCEDURE_CODES VARCHAR(2000),"
						+ " MODALITIES VARCHAR(200) NOT NULL, SERIES_COUNT INTEGER NOT NULL, INSTANCE_COUNT INTEGER NOT NULL,"
						+ " CHANGE_SEQ BIGINT NOT NULL, SYNCED_SEQ BIGINT NOT NULL, SYNC_PENDING BOOLEAN NOT NULL,"
						+ " FIRST_PENDING_AT TIMESTAMP, SYNC_LEASE_UNTIL TIMESTAMP, UPDATED_AT TIMESTAMP NOT NULL,"
						+ " SENDER_DONE BOOLEAN NOT NULL DEFAULT FALSE)",
				"CREATE INDEX IF NOT EXISTS OT_DICOM_STUDY_PATIENT ON OT_DICOM_STUDY (PATIENT_ID, STUDY_DATE)",
				"CREATE INDEX IF NOT EXISTS OT_DICOM_STUDY_PERSON ON OT_DICOM_STUDY (PATIENT_REF, STUDY_DATE)",
				"CREATE INDEX IF NOT EXISTS OT_DICOM_STUDY_DATE ON OT_DICOM_STUDY (STUDY_DATE)",
				"CREATE INDEX IF NOT EXISTS OT_DICOM_STUDY_ACCESSION ON OT_DICOM_STUDY (ACCESSION)",
				"CREATE INDEX IF NOT EXISTS OT_DICOM_STUDY_SYNC ON OT_DICOM_STUDY (SYNC_PENDING, UPDATED_AT)",
				"CREATE TABLE IF NOT EXISTS OT_DICOM_SERIES (SERIES_UID VARCHAR(64) PRIMARY KEY, STUDY_UID VARCHAR(64) NOT NULL,"
						+ " MODALITY VARCHAR(16), SERIES_NUMBER VARCHAR(16), DESCRIPTION VARCHAR(200), BODY_PART VARCHAR(64),"
						+ " SERIES_DATE VARCHAR(16), SERIES_TIME VARCHAR(32), INSTANCE_COUNT INTEGER NOT NULL)",
				"CREATE INDEX IF NOT EXISTS OT_DICOM_SERIES_STUDY ON OT_DICOM_SERIES (STUDY_UID)",
				"CREATE TABLE IF NOT EXISTS OT_DICOM_INSTANCE (SOP_UID VARCHAR(64) PRIMARY KEY, SERIES_UID VARCHAR(64) NOT NULL,"
						+ " STUDY_UID VARCHAR(64) NOT NULL, SOP_CLASS_UID VARCHAR(64) NOT NULL, INSTANCE_NUMBER VARCHAR(16),"
						+ " TRANSFER_SYNTAX VARCHAR(64) NOT NULL, FILE_PATH VARCHAR(300) NOT NULL, FILE_SIZE BIGINT NOT NULL,"
						+ " RECEIVED_AT TIMESTAMP NOT NULL)",
				"CREATE INDEX IF NOT EXISTS OT_DICOM_INSTANCE_SERIES ON OT_DICOM_INSTANCE (SERIES_UID)",
				"CREATE INDEX IF NOT EXISTS OT_DICOM_INSTANCE_STUDY ON OT_DICOM_INSTANCE (STUDY_UID)",
		};
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			for (String sql : ddl) {
				statement.execute(sql);
			}
			// SENDER_DONE (sendersDone) is added to an index of an earlier version, only then: the ALTER locks the whole
			// table even when the column exists (a constant default: PostgreSQL adds it without rewriting the table).
			try (ResultSet column = statement.executeQuery("SELECT 1 FROM INFORMATION_SCHEMA.COLUMNS"
					+ " WHERE TABLE_NAME = 'ot_dicom_study' AND COLUMN_NAME = 'sender_done'")) {
				if (!column.next()) {
					statement.execute("ALTER TABLE OT_DICOM_STUDY ADD COLUMN SENDER_DONE BOOLEAN NOT NULL DEFAULT FALSE");
				}
			}
			// PATIENT_REF is null until the FHIR sync has made the Patient of a PatientID the region did not know; an
			// index of an earlier version has it NOT NULL. Altered only then: the ALTER locks the whole table.
			try (ResultSet column = statement.executeQuery("SELECT IS_NULLABLE FROM INFORMATION_SCHEMA.COLUMNS"
					+ " WHERE TABLE_NAME = 'ot_dicom_study' AND COLUMN_NAME = 'patient_ref'")) {
				if (column.next() && "NO".equals(column.getString(1))) {
					statement.execute("ALTER TABLE OT_DICOM_STUDY ALTER COLUMN PATIENT_REF DROP NOT NULL");
				}
			}
		} catch (SQLException e) {
			throw new IllegalStateException("could not create the imaging index tables: " + e.getMessage(), e);
		}
	}

	@Override
	public Added add(NewInstance instance) {
		SQLException last = null;
		// A series or study row created at the same moment by another association makes our insert a duplicate:
		// the whole transaction is tried again and then finds the row.
		for (int attempt = 0; attempt < 4; attempt++) {
			try (Connection connection = dataSource.getConnection()) {
				connection.setAutoCommit(false);
				try {
					Added added = addInTransaction(connection, instance);
					connection.commit();
					return added;
				} catch (SQLException e) {
					connection.rollback();
					if (!DUPLICATE_KEY.equals(e.getSQLState())) {
						throw e;
					}
					last = e;
				} finally {
					connection.setAutoCommit(true);
				}
			} catch (SQLException e) {
				throw new IndexUnavailableException("imaging index write failed: " + e.getMessage(), e);
			}
		}
		throw new IndexUnavailableException("imaging index write kept colliding: " + last.getMessage(), last);
	}

	private Added addInTransaction(Connection connection, NewInstance instance) throws SQLException {
		DicomHeader h = instance.header();
		Timestamp now = Timestamp.from(clock.instant());
		try (PreparedStatement insert = connection.prepareStatement(
				"INSERT INTO OT_DICOM_INSTANCE (SOP_UID, SERIES_UID, STUDY_UID, SOP_CLASS_UID, INSTANCE_NUMBER,"
						+ " TRANSFER_SYNTAX, FILE_PATH, FILE_SIZE, RECEIVED_AT) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
			set(insert, h.sopInstanceUid(), h.seriesInstanceUid(), h.studyInstanceUid(), h.sopClassUid(),
					cut(h.instanceNumber(), 16), instance.transferSyntaxUid(), instance.relativePath(), instance.size(), now);
			insert.executeUpdate();
		} catch (SQLException e) {
			if (DUPLICATE_KEY.equals(e.getSQLState()) && exists(connection, h.sopInstanceUid())) {
				return Added.ALREADY_STORED;
			}
			throw e;
		}
		boolean newSeries;
		try (PreparedStatement update = connection.prepareStatement(
				"UPDATE OT_DICOM_SERIES SET INSTANCE_COUNT = INSTANCE_COUNT + 1 WHERE SERIES_UID = ?")) {
			update.setString(1, h.seriesInstanceUid());
			newSeries = update.executeUpdate() == 0;
		}
		if (newSeries) {
			try (PreparedStatement insert = connection.prepareStatement(
					"INSERT INTO OT_DICOM_SERIES (SERIES_UID, STUDY_UID, MODALITY, SERIES_NUMBER, DESCRIPTION, BODY_PART,"
							+ " SERIES_DATE, SERIES_TIME, INSTANCE_COUNT) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)")) {
				set(insert, h.seriesInstanceUid(), h.studyInstanceUid(), cut(h.modality(), 16), cut(h.seriesNumber(), 16),
						cut(h.seriesDescription(), 200), cut(h.bodyPartExamined(), 64), cut(h.seriesDate(), 16),
						cut(h.seriesTime(), 32));
				insert.executeUpdate();
			}
		}
		String modalityToken = "|" + h.modality() + "|";
		int updated;
		try (PreparedStatement update = connection.prepareStatement(
				"UPDATE OT_DICOM_STUDY SET PATIENT_REF = COALESCE(PATIENT_REF, ?),"
						+ " INSTANCE_COUNT = INSTANCE_COUNT + 1, SERIES_COUNT = SERIES_COUNT + ?,"
						+ " MODALITIES = CASE WHEN ? = '||' OR MODALITIES LIKE ? ESCAPE '!' THEN MODALITIES"
						+ " ELSE MODALITIES || ? END, CHANGE_SEQ = CHANGE_SEQ + 1,"
						+ " FIRST_PENDING_AT = CASE WHEN SYNC_PENDING THEN FIRST_PENDING_AT ELSE ? END,"
						+ " SYNC_PENDING = TRUE, SENDER_DONE = FALSE, UPDATED_AT = ? WHERE STUDY_UID = ?")) {
			set(update, instance.patientRef(), newSeries ? 1 : 0, modalityToken, "%" + likeEscape(modalityToken) + "%",
					h.modality() + "|", now, now, h.studyInstanceUid());
			updated = update.executeUpdate();
		}
		if (updated == 0) {
			try (PreparedStatement insert = connection.prepareStatement(
					"INSERT INTO OT_DICOM_STUDY (STUDY_UID, PATIENT_REF, PATIENT_SYSTEM, PATIENT_ID, PATIENT_NAME, BIRTH_DATE,"
							+ " SEX, HOSPITAL, STUDY_DATE, STUDY_TIME, ACCESSION, STUDY_ID, DESCRIPTION, REFERRING, INSTITUTION,"
							+ " PROCEDURE_CODES, MODALITIES, SERIES_COUNT, INSTANCE_COUNT, CHANGE_SEQ, SYNCED_SEQ, SYNC_PENDING,"
							+ " FIRST_PENDING_AT, UPDATED_AT)"
							+ " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1, 1, 0, TRUE, ?, ?)")) {
				set(insert, h.studyInstanceUid(), instance.patientRef(), instance.patient().system(),
						cut(instance.patient().value(), 64), cut(h.patientName(), 400), cut(h.patientBirthDate(), 16),
						cut(h.patientSex(), 16), instance.hospital(), cut(h.studyDate(), 16), cut(h.studyTime(), 32),
						cut(h.accessionNumber(), 64), cut(h.studyId(), 64), cut(h.studyDescription(), 200),
						cut(h.referringPhysicianName(), 400), cut(h.institutionName(), 200),
						cut(ProcedureCodes.encode(h.procedureCodes()), 2000),
						h.modality().isEmpty() ? "|" : modalityToken, now, now);
				insert.executeUpdate();
			}
		}
		return Added.NEW;
	}

	private static boolean exists(Connection connection, String sopInstanceUid) throws SQLException {
		try (PreparedStatement select = connection.prepareStatement("SELECT 1 FROM OT_DICOM_INSTANCE WHERE SOP_UID = ?")) {
			select.setString(1, sopInstanceUid);
			try (ResultSet rows = select.executeQuery()) {
				return rows.next();
			}
		} catch (SQLException aborted) {
			// PostgreSQL refuses any statement after an error in the transaction: the duplicate key was the instance's.
			return true;
		}
	}

	@Override
	public boolean contains(String sopInstanceUid) {
		try (Connection connection = dataSource.getConnection();
				PreparedStatement select = connection.prepareStatement("SELECT 1 FROM OT_DICOM_INSTANCE WHERE SOP_UID = ?")) {
			select.setString(1, sopInstanceUid);
			try (ResultSet rows = select.executeQuery()) {
				return rows.next();
			}
		} catch (SQLException e) {
			throw new IndexUnavailableException("imaging index read failed: " + e.getMessage(), e);
		}
	}

	@Override
	public Duration quietPeriod() {
		return quietPeriod;
	}

	@Override
	public List<QueryMatch> find(ImagingQuery query, int limit) {
		if (query.matchesNobody()) {
			return List.of();
		}
		SqlQuery sql = QuerySql.build(query, limit);
		return select(sql, "imaging query failed: ", rows -> {
			Map<QueryKey, String> values = new EnumMap<>(QueryKey.class);
			for (QueryKey key : sql.returned()) {
				String value = rows.getString(key.name());
				values.put(key, value == null ? "" : key == QueryKey.ModalitiesInStudy ? modalityList(value) : value);
			}
			values.put(QueryKey.IssuerOfPatientID, rows.getString("PATIENT_SYSTEM"));
			return new QueryMatch(values, rows.getString("PATIENT_SYSTEM"));
		});
	}

	@Override
	public List<StoredInstance> locate(ImagingQuery query, int limit) {
		if (query.level() != QueryLevel.IMAGE) {
			throw new IllegalArgumentException("instances are located by an IMAGE-level query, not " + query.level());
		}
		if (query.matchesNobody()) {
			return List.of();
		}
		return select(QuerySql.build(query, limit, true), "imaging index read failed: ", rows -> new StoredInstance(
				rows.getString("StudyInstanceUID"), rows.getString("SeriesInstanceUID"), rows.getString("SOPInstanceUID"),
				rows.getString("SOPClassUID"), rows.getString("AvailableTransferSyntaxUID"), rows.getString("FILE_PATH")));
	}

	@FunctionalInterface
	private interface Row<T> {
		T map(ResultSet rows) throws SQLException;
	}

	/** Runs a query built by {@link QuerySql}, one result per row. */
	private <T> List<T> select(SqlQuery sql, String failure, Row<T> row) {
		try (Connection connection = dataSource.getConnection();
				PreparedStatement select = connection.prepareStatement(sql.text())) {
			for (int i = 0; i < sql.parameters().size(); i++) {
				select.setObject(i + 1, sql.parameters().get(i));
			}
			List<T> results = new ArrayList<>();
			try (ResultSet rows = select.executeQuery()) {
				while (rows.next()) {
					results.add(row.map(rows));
				}
			}
			return results;
		} catch (SQLException e) {
			throw new IndexUnavailableException(failure + e.getMessage(), e);
		}
	}

	@Override
	public Optional<StudySnapshot> study(String studyInstanceUid) {
		return Optional.ofNullable(studies(List.of(studyInstanceUid)).get(studyInstanceUid));
	}

	/** Three queries for any number of studies (the sync reads its whole batch at once). */
	@Override
	public Map<String, StudySnapshot> studies(List<String> studyInstanceUids) {
		if (studyInstanceUids.isEmpty()) {
			return Map.of();
		}
		try (Connection connection = dataSource.getConnection()) {
			java.sql.Array uids = connection.createArrayOf("varchar", studyInstanceUids.toArray());
			Map<String, StudySnapshot> studies = new LinkedHashMap<>();
			try (PreparedStatement select = connection.prepareStatement(
					"SELECT STUDY_UID, PATIENT_REF, PATIENT_SYSTEM, PATIENT_ID, HOSPITAL, PATIENT_NAME, STUDY_DATE, STUDY_TIME,"
							+ " ACCESSION, DESCRIPTION, REFERRING, PROCEDURE_CODES, CHANGE_SEQ, UPDATED_AT, BIRTH_DATE, SEX"
							+ " FROM OT_DICOM_STUDY WHERE STUDY_UID = ANY(?)")) {
				select.setArray(1, uids);
				try (ResultSet row = select.executeQuery()) {
					while (row.next()) {
						studies.put(row.getString(1), new StudySnapshot(row.getString(1), row.getString(2),
								new PatientKey(row.getString(3), row.getString(4)), row.getString(5), str(row, 6), str(row, 15),
								str(row, 16), str(row, 7), str(row, 8), str(row, 9), str(row, 10), str(row, 11),
								ProcedureCodes.decode(row.getString(12)), row.getLong(13), row.getTimestamp(14).toInstant(),
								List.of()));
					}
				}
			}
			Map<String, List<StudySnapshot.Instance>> instancesBySeries = new LinkedHashMap<>();
			try (PreparedStatement select = connection.prepareStatement(
					"SELECT SERIES_UID, SOP_UID, SOP_CLASS_UID, INSTANCE_NUMBER, TRANSFER_SYNTAX, FILE_PATH, FILE_SIZE"
							+ " FROM OT_DICOM_INSTANCE WHERE STUDY_UID = ANY(?) ORDER BY SERIES_UID, SOP_UID")) {
				select.setArray(1, uids);
				try (ResultSet row = select.executeQuery()) {
					while (row.next()) {
						instancesBySeries.computeIfAbsent(row.getString(1), k -> new ArrayList<>()).add(
								new StudySnapshot.Instance(row.getString(2), row.getString(3), str(row, 4), row.getString(5),
										row.getString(6), row.getLong(7)));
					}
				}
			}
			Map<String, List<StudySnapshot.Series>> seriesByStudy = new LinkedHashMap<>();
			try (PreparedStatement select = connection.prepareStatement(
					"SELECT STUDY_UID, SERIES_UID, MODALITY, SERIES_NUMBER, DESCRIPTION, BODY_PART, SERIES_DATE, SERIES_TIME"
							+ " FROM OT_DICOM_SERIES WHERE STUDY_UID = ANY(?) ORDER BY SERIES_UID")) {
				select.setArray(1, uids);
				try (ResultSet row = select.executeQuery()) {
					while (row.next()) {
						seriesByStudy.computeIfAbsent(row.getString(1), k -> new ArrayList<>()).add(new StudySnapshot.Series(
								row.getString(2), str(row, 3), str(row, 4), str(row, 5), str(row, 6), str(row, 7), str(row, 8),
								List.copyOf(instancesBySeries.getOrDefault(row.getString(2), List.of()))));
					}
				}
			}
			Map<String, StudySnapshot> whole = new LinkedHashMap<>();
			studies.forEach((uid, study) -> whole.put(uid, new StudySnapshot(study.studyInstanceUid(), study.patientRef(),
					study.patient(), study.hospital(), study.patientName(), study.patientBirthDate(), study.patientSex(),
					study.studyDate(), study.studyTime(), study.accessionNumber(), study.studyDescription(),
					study.referringPhysicianName(), study.procedureCodes(), study.changeSeq(), study.updatedAt(),
					List.copyOf(seriesByStudy.getOrDefault(uid, List.of())))));
			return whole;
		} catch (SQLException e) {
			throw new IndexUnavailableException("imaging index read failed: " + e.getMessage(), e);
		}
	}

	@Override
	public List<PendingSync> claimStudiesToSync(int limit, Duration lease, Share share) {
		Instant now = clock.instant();
		List<PendingSync> candidates = new ArrayList<>();
		try (Connection connection = dataSource.getConnection()) {
			try (PreparedStatement select = connection.prepareStatement(
					"SELECT STUDY_UID, CHANGE_SEQ FROM OT_DICOM_STUDY WHERE SYNC_PENDING = TRUE"
							+ " AND (UPDATED_AT < ? OR FIRST_PENDING_AT < ? OR SENDER_DONE)"
							+ " AND (SYNC_LEASE_UNTIL IS NULL OR SYNC_LEASE_UNTIL < ?)"
							+ " AND MOD(HASHTEXT(PATIENT_SYSTEM || '|' || PATIENT_ID) & 2147483647, ?) = ?"
							+ " ORDER BY UPDATED_AT FETCH FIRST " + limit + " ROWS ONLY")) {
				set(select, Timestamp.from(now.minus(quietPeriod)), Timestamp.from(now.minus(maxSyncDelay)),
						Timestamp.from(now), share.of(), share.index());
				try (ResultSet rows = select.executeQuery()) {
					while (rows.next()) {
						candidates.add(new PendingSync(rows.getString(1), rows.getLong(2)));
					}
				}
			}
			List<PendingSync> claimed = new ArrayList<>();
			try (PreparedStatement claim = connection.prepareStatement(
					"UPDATE OT_DICOM_STUDY SET SYNC_LEASE_UNTIL = ? WHERE STUDY_UID = ? AND SYNC_PENDING = TRUE"
							+ " AND (SYNC_LEASE_UNTIL IS NULL OR SYNC_LEASE_UNTIL < ?)")) {
				for (PendingSync candidate : candidates) {
					set(claim, Timestamp.from(now.plus(lease)), candidate.studyInstanceUid(), Timestamp.from(now));
					if (claim.executeUpdate() == 1) {
						claimed.add(candidate);
					}
				}
			}
			return claimed;
		} catch (SQLException e) {
			throw new IndexUnavailableException("imaging index read failed: " + e.getMessage(), e);
		}
	}

	@Override
	public void markSynced(List<Synced> studies) {
		Timestamp now = Timestamp.from(clock.instant());
		try (Connection connection = dataSource.getConnection()) {
			connection.setAutoCommit(false);
			try (PreparedStatement mark = connection.prepareStatement(MARK_SYNCED)) {
				// Rows locked in the one order every multi-study write here uses (see sendersDone).
				for (Synced study : studies.stream().sorted(Comparator.comparing(Synced::studyInstanceUid)).toList()) {
					set(mark, study.newPatientRef(), study.changeSeq(), study.changeSeq(), study.changeSeq(), now,
							study.studyInstanceUid());
					mark.addBatch();
				}
				mark.executeBatch();
				connection.commit();
			} catch (SQLException e) {
				connection.rollback();
				throw e;
			} finally {
				connection.setAutoCommit(true);
			}
		} catch (SQLException e) {
			throw new IndexUnavailableException("imaging index write failed: " + e.getMessage(), e);
		}
	}

	/**
	 * PostgreSQL session advisory locks, all taken by one statement in the order of the locks themselves (the keys'
	 * hashes), so that two servers locking overlapping sets never deadlock, held on a connection of their own while
	 * {@code work} runs, released after.
	 */
	@Override
	public <T> T withPatientsLocked(Collection<PatientKey> patients, Supplier<T> work) {
		if (patients.isEmpty()) {
			return work.get();
		}
		Object[] keys = patients.stream().map(p -> p.system() + "|" + p.value()).distinct().toArray();
		try (Connection connection = dataSource.getConnection()) {
			try (PreparedStatement lock = connection.prepareStatement("SELECT PG_ADVISORY_LOCK(?, LOCK_KEY) FROM"
					+ " (SELECT DISTINCT HASHTEXT(PATIENT_KEY) AS LOCK_KEY FROM UNNEST(?) AS K(PATIENT_KEY)"
					+ " ORDER BY LOCK_KEY) ORDERED")) {
				lock.setInt(1, PATIENT_LOCK_SPACE);
				lock.setArray(2, connection.createArrayOf("varchar", keys));
				lock.executeQuery().close();
				return work.get();
			} finally {
				try (Statement unlock = connection.createStatement()) {
					unlock.execute("SELECT PG_ADVISORY_UNLOCK_ALL()");
				}
			}
		} catch (SQLException e) {
			throw new IndexUnavailableException("imaging index lock failed: " + e.getMessage(), e);
		}
	}

	@Override
	public void sendersDone(Map<String, Integer> newInstancesByStudy) {
		if (newInstancesByStudy.isEmpty()) {
			return;
		}
		List<String> uids = new ArrayList<>(newInstancesByStudy.keySet());
		// The rows are locked first, in Study Instance UID order as markSynced locks them (byte order, "C": the database's
		// collation may order the dots of a UID otherwise than Java does), because an UPDATE ... FROM locks in
		// whatever order its join runs, and a sender done with 300 studies deadlocked with the sync marking 15 of them
		// (the sync's side was rolled back and its studies waited out their 30 s lease).
		try (Connection connection = dataSource.getConnection();
				PreparedStatement done = connection.prepareStatement("WITH SENT AS (SELECT * FROM"
						+ " UNNEST(?::varchar[], ?::int[]) AS S(STUDY_UID, INSTANCES)),"
						+ " LOCKED AS (SELECT STUDY_UID FROM OT_DICOM_STUDY WHERE STUDY_UID IN (SELECT STUDY_UID FROM SENT)"
						+ " ORDER BY STUDY_UID COLLATE \"C\" FOR UPDATE)"
						+ " UPDATE OT_DICOM_STUDY SET SENDER_DONE = TRUE FROM SENT"
						+ " WHERE OT_DICOM_STUDY.STUDY_UID = SENT.STUDY_UID AND SYNC_PENDING"
						+ " AND OT_DICOM_STUDY.INSTANCE_COUNT = SENT.INSTANCES"
						+ " AND OT_DICOM_STUDY.STUDY_UID IN (SELECT STUDY_UID FROM LOCKED)")) {
			done.setArray(1, connection.createArrayOf("varchar", uids.toArray()));
			done.setArray(2, connection.createArrayOf("integer", uids.stream().map(newInstancesByStudy::get).toArray()));
			done.executeUpdate();
		} catch (SQLException e) {
			throw new IndexUnavailableException("imaging index write failed: " + e.getMessage(), e);
		}
	}

	@Override
	public void postpone(String studyInstanceUid, Duration delay) {
		update("UPDATE OT_DICOM_STUDY SET SYNC_LEASE_UNTIL = ? WHERE STUDY_UID = ?",
				Timestamp.from(clock.instant().plus(delay)), studyInstanceUid);
	}

	@Override
	public void releaseClaim(String studyInstanceUid) {
		update("UPDATE OT_DICOM_STUDY SET SYNC_LEASE_UNTIL = NULL WHERE STUDY_UID = ?", studyInstanceUid);
	}

	@Override
	public long pendingSyncCount() {
		return count("SELECT COUNT(*) FROM OT_DICOM_STUDY WHERE SYNC_PENDING = TRUE");
	}

	@Override
	public long studyCount() {
		return count("SELECT COUNT(*) FROM OT_DICOM_STUDY");
	}

	@Override
	public long instanceCount() {
		return count("SELECT COUNT(*) FROM OT_DICOM_INSTANCE");
	}

	@Override
	public Optional<Instant> lastReceivedAt() {
		try (Connection connection = dataSource.getConnection();
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("SELECT MAX(RECEIVED_AT) FROM OT_DICOM_INSTANCE")) {
			rows.next();
			Timestamp newest = rows.getTimestamp(1);
			return newest == null ? Optional.empty() : Optional.of(newest.toInstant());
		} catch (SQLException e) {
			throw new IndexUnavailableException("imaging index read failed: " + e.getMessage(), e);
		}
	}

	private long count(String sql) {
		try (Connection connection = dataSource.getConnection();
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery(sql)) {
			rows.next();
			return rows.getLong(1);
		} catch (SQLException e) {
			throw new IndexUnavailableException("imaging index read failed: " + e.getMessage(), e);
		}
	}

	private void update(String sql, Object... parameters) {
		try (Connection connection = dataSource.getConnection();
				PreparedStatement statement = connection.prepareStatement(sql)) {
			set(statement, parameters);
			statement.executeUpdate();
		} catch (SQLException e) {
			throw new IndexUnavailableException("imaging index write failed: " + e.getMessage(), e);
		}
	}

	private static void set(PreparedStatement statement, Object... parameters) throws SQLException {
		for (int i = 0; i < parameters.length; i++) {
			statement.setObject(i + 1, parameters[i]);
		}
	}

	private static String str(ResultSet row, int column) throws SQLException {
		String value = row.getString(column);
		return value == null ? "" : value;
	}

	/** Values longer than their column are cut rather than refused: the file keeps the whole value. */
	private static String cut(String value, int length) {
		return value.length() <= length ? value : value.substring(0, length);
	}

	/** "|CT|SR|" as stored -> "CT\\SR" as DICOM returns a multi-valued CS. */
	private static String modalityList(String stored) {
		return String.join("\\", java.util.Arrays.stream(stored.split("\\|")).filter(m -> !m.isEmpty()).toList());
	}

	static String likeEscape(String value) {
		return value.replace("!", "!!").replace("%", "!%").replace("_", "!_");
	}

	/** A SQL text with its parameters and the keys its rows carry (as column labels). */
	record SqlQuery(String text, List<Object> parameters, List<QueryKey> returned) {}
}
