package org.onetrip.server.scheduling;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.onetrip.workflow.booking.Place;
import org.onetrip.workflow.booking.Claims.LiveClaim;
import org.onetrip.workflow.booking.SlotCapacity;
import org.onetrip.workflow.booking.SlotRule;

/**
 * The slot ledger in OneTrip's database. A claim locks the slot's row
 * ({@code SELECT ... FOR UPDATE}), counts the live claims and inserts its own before the lock is
 * released at commit: claims on one slot are serialised by the database, whichever instance makes them.
 */
public class RelationalSlotLedger implements SlotLedger {

	private final JdbcTemplate jdbc;
	/** Joins the caller's transaction (a FHIR write) or opens one for a direct call. */
	private final TransactionTemplate transaction;
	/** Whose holds have expired, where a caller gives no time of its own. */
	private final Clock clock;

	public RelationalSlotLedger(JdbcTemplate jdbc, PlatformTransactionManager transactions, Clock clock) {
		this.jdbc = jdbc;
		this.clock = clock;
		this.transaction = new TransactionTemplate(transactions);
		jdbc.execute("CREATE TABLE IF NOT EXISTS OT_SLOT ("
				+ "SLOT_ID VARCHAR(128) NOT NULL PRIMARY KEY, STARTS_AT BIGINT NOT NULL, CAPACITY INT NOT NULL, "
				+ "RESERVED INT NOT NULL, RESERVED_UNTIL BIGINT NOT NULL)");
		// One row per place taken: an appointment may span several slots, one place in each.
		jdbc.execute("CREATE TABLE IF NOT EXISTS OT_SLOT_CLAIM ("
				+ "APPOINTMENT_ID VARCHAR(128) NOT NULL, SLOT_ID VARCHAR(128) NOT NULL, SEAT VARCHAR(16) NOT NULL, "
				+ "EXPIRES_AT BIGINT, CLAIMED_AT BIGINT NOT NULL, PRIMARY KEY (APPOINTMENT_ID, SLOT_ID))");
		jdbc.execute("CREATE INDEX IF NOT EXISTS OT_SLOT_CLAIM_SLOT ON OT_SLOT_CLAIM (SLOT_ID)");
		// Added after the first release: whose slot it is (for the figures) and whether Slot.status says busy.
		jdbc.execute("ALTER TABLE OT_SLOT ADD COLUMN IF NOT EXISTS HOSPITAL VARCHAR(128) DEFAULT '" + Place.NO_HOSPITAL + "' NOT NULL");
		jdbc.execute("ALTER TABLE OT_SLOT ADD COLUMN IF NOT EXISTS DEPARTMENT VARCHAR(200) DEFAULT '" + Place.NO_DEPARTMENT + "' NOT NULL");
		jdbc.execute("CREATE INDEX IF NOT EXISTS OT_SLOT_START ON OT_SLOT (STARTS_AT)");
		jdbc.execute("CREATE INDEX IF NOT EXISTS OT_SLOT_CLAIM_EXPIRES ON OT_SLOT_CLAIM (EXPIRES_AT)");
	}

	@Override
	public void define(SlotCapacity slot) {
		transaction.executeWithoutResult(tx -> {
			if (lock(slot.slotId()).isEmpty()) {
				// A row that is not there locks nothing: two first definitions of one slot at once (two bookings for a Slot
				// stored before the ledger knew it) both get here. The second's insert waits for the first's row and leaves
				// it; the second then locks it and updates it as below.
				if (jdbc.update("INSERT INTO OT_SLOT (SLOT_ID, STARTS_AT, CAPACITY, RESERVED, RESERVED_UNTIL, HOSPITAL, DEPARTMENT) "
						+ "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (SLOT_ID) DO NOTHING", slot.slotId(), slot.start().toEpochMilli(),
						slot.capacity(), slot.reservedForReferrals(), slot.reservedUntil().toEpochMilli(), slot.hospital(),
						slot.department()) == 1) {
					return;
				}
				lock(slot.slotId());
			}
			int taken = counts(slot.slotId(), clock.instant())[0];
			if (slot.capacity() < taken) {
				throw new IllegalArgumentException("slot " + slot.slotId() + " has " + taken
						+ " appointments; its capacity cannot drop to " + slot.capacity());
			}
			jdbc.update("UPDATE OT_SLOT SET STARTS_AT = ?, CAPACITY = ?, RESERVED = ?, RESERVED_UNTIL = ?, HOSPITAL = ?, DEPARTMENT = ? "
					+ "WHERE SLOT_ID = ?", slot.start().toEpochMilli(), slot.capacity(), slot.reservedForReferrals(),
					slot.reservedUntil().toEpochMilli(), slot.hospital(), slot.department(), slot.slotId());
		});
	}

	@Override
	public Claimed claim(String slotId, String appointmentId, boolean referral, Instant expiresAt, Instant now) {
		return transaction.execute(tx -> {
			Optional<SlotCapacity> slot = lock(slotId);
			if (slot.isEmpty()) {
				return new Claimed(new SlotRule.Refused(SlotRule.RefusalKind.UNKNOWN_SLOT, "there is no slot " + slotId), Place.NOWHERE);
			}
			return new Claimed(claimLocked(slot.get(), appointmentId, referral, expiresAt, now), slot.get().place());
		});
	}

	/** The claim itself, with the slot's row locked by this transaction. */
	private SlotRule.Decision claimLocked(SlotCapacity slot, String appointmentId, boolean referral, Instant expiresAt, Instant now) {
		String slotId = slot.slotId();
		Long expires = expiresAt == null ? null : expiresAt.toEpochMilli();
		// The slot's live claims and this appointment's own (live or lapsed), in one statement.
		long nowMillis = now.toEpochMilli();
		Object[] own = null;
		int[] taken = new int[2];
		for (Object[] claim : jdbc.query("SELECT APPOINTMENT_ID, SEAT, EXPIRES_AT FROM OT_SLOT_CLAIM WHERE SLOT_ID = ? "
						+ "AND (APPOINTMENT_ID = ? OR EXPIRES_AT IS NULL OR EXPIRES_AT > ?)",
				(rs, i) -> new Object[] {rs.getString(1), rs.getString(2), rs.getObject(3)}, slotId, appointmentId, nowMillis)) {
			if (appointmentId.equals(claim[0])) {
				own = claim;
			} else if (claim[2] == null || ((Number) claim[2]).longValue() > nowMillis) {
				taken[0]++;
				taken[1] += SlotRule.Seat.RESERVED.name().equals(claim[1]) ? 1 : 0;
			}
		}
		if (own != null) {
			Object held = own[2];
			// A hold is kept only while the others' live claims leave it room: a claim whose "now" was read before this
			// lock was taken (or on an instance whose clock runs behind) may find its hold live that another claim, later
			// by its own clock, already counted as lapsed and took the place of. A place booked for good is always kept.
			if (held == null || ((Number) held).longValue() > nowMillis && taken[0] < slot.capacity()) {
				// The same appointment again (a hold being booked, an update): it keeps its place.
				jdbc.update("UPDATE OT_SLOT_CLAIM SET EXPIRES_AT = ? WHERE APPOINTMENT_ID = ? AND SLOT_ID = ?",
						expires, appointmentId, slotId);
				return new SlotRule.Granted(SlotRule.Seat.valueOf((String) own[1]));
			}
			// Its hold lapsed, or its place was taken as lapsed: it competes again like any new claim.
			jdbc.update("DELETE FROM OT_SLOT_CLAIM WHERE APPOINTMENT_ID = ? AND SLOT_ID = ?", appointmentId, slotId);
		}
		SlotRule.Decision decision = SlotRule.decide(slot, taken[0], taken[1], referral, now);
		if (decision instanceof SlotRule.Granted granted) {
			jdbc.update("INSERT INTO OT_SLOT_CLAIM (APPOINTMENT_ID, SLOT_ID, SEAT, EXPIRES_AT, CLAIMED_AT) VALUES (?, ?, ?, ?, ?)",
					appointmentId, slotId, granted.seat().name(), expires, now.toEpochMilli());
		}
		return decision;
	}

	@Override
	public List<String> releaseAllBut(String appointmentId, java.util.Set<String> keptSlotIds) {
		List<String> held = jdbc.queryForList("SELECT SLOT_ID FROM OT_SLOT_CLAIM WHERE APPOINTMENT_ID = ?", String.class, appointmentId);
		List<String> released = new java.util.ArrayList<>();
		for (String slotId : held) {
			if (!keptSlotIds.contains(slotId)) {
				jdbc.update("DELETE FROM OT_SLOT_CLAIM WHERE APPOINTMENT_ID = ? AND SLOT_ID = ?", appointmentId, slotId);
				released.add(slotId);
			}
		}
		return released;
	}

	@Override
	public List<String> slotsWithHoldsLapsedBetween(Instant from, Instant to) {
		return jdbc.queryForList("SELECT DISTINCT SLOT_ID FROM OT_SLOT_CLAIM WHERE EXPIRES_AT >= ? AND EXPIRES_AT < ?",
				String.class, from.toEpochMilli(), to.toEpochMilli());
	}

	@Override
	public LiveClaim liveClaim(String appointmentId, Instant now) {
		List<Object> expiries = jdbc.query("SELECT EXPIRES_AT FROM OT_SLOT_CLAIM WHERE APPOINTMENT_ID = ? AND (EXPIRES_AT IS NULL "
				+ "OR EXPIRES_AT > ?)", (rs, i) -> rs.getObject(1), appointmentId, now.toEpochMilli());
		if (expiries.isEmpty()) {
			return LiveClaim.NONE;
		}
		return expiries.stream().anyMatch(java.util.Objects::isNull) ? LiveClaim.BOOKED : LiveClaim.HELD;
	}

	@Override
	public java.util.Map<Place, Utilisation> utilisationByPlace(Instant from, Instant to) {
		java.util.Map<Place, Utilisation> byPlace = new java.util.TreeMap<>();
		long now = clock.instant().toEpochMilli();
		jdbc.query("SELECT s.HOSPITAL, s.DEPARTMENT, SUM(s.CAPACITY), SUM(COALESCE(c.TAKEN, 0)) FROM OT_SLOT s LEFT JOIN ("
						+ "SELECT SLOT_ID, COUNT(*) AS TAKEN FROM OT_SLOT_CLAIM WHERE EXPIRES_AT IS NULL OR EXPIRES_AT > ? GROUP BY SLOT_ID"
						+ ") c ON c.SLOT_ID = s.SLOT_ID WHERE s.STARTS_AT >= ? AND s.STARTS_AT < ? GROUP BY s.HOSPITAL, s.DEPARTMENT",
				rs -> {
					byPlace.put(new Place(rs.getString(1), rs.getString(2)), new Utilisation(rs.getLong(3), rs.getLong(4)));
				}, now, from.toEpochMilli(), to.toEpochMilli());
		return byPlace;
	}

	@Override
	public java.util.Map<String, Utilisation> utilisation(Instant from, Instant to) {
		java.util.Map<String, Utilisation> byHospital = new java.util.TreeMap<>();
		utilisationByPlace(from, to).forEach((place, figures) -> byHospital.merge(place.hospital(), figures,
				(a, b) -> new Utilisation(a.places() + b.places(), a.taken() + b.taken())));
		return byHospital;
	}

	/** One statement (the slot and its live claims counted beside it): the look every booking attempt makes first. */
	@Override
	public Optional<Availability> availability(String slotId, Instant now) {
		return jdbc.query("SELECT s.SLOT_ID, s.STARTS_AT, s.CAPACITY, s.RESERVED, s.RESERVED_UNTIL, s.HOSPITAL, s.DEPARTMENT, "
						+ "COUNT(c.SLOT_ID), COALESCE(SUM(CASE WHEN c.SEAT = 'RESERVED' THEN 1 ELSE 0 END), 0) "
						+ "FROM OT_SLOT s LEFT JOIN OT_SLOT_CLAIM c ON c.SLOT_ID = s.SLOT_ID AND (c.EXPIRES_AT IS NULL OR c.EXPIRES_AT > ?) "
						+ "WHERE s.SLOT_ID = ? GROUP BY s.SLOT_ID, s.STARTS_AT, s.CAPACITY, s.RESERVED, s.RESERVED_UNTIL, s.HOSPITAL, s.DEPARTMENT",
				(rs, i) -> new Availability(capacity(rs), rs.getInt(8), rs.getInt(9)), now.toEpochMilli(), slotId).stream().findFirst();
	}

	private Optional<SlotCapacity> lock(String slotId) {
		return jdbc.query("SELECT SLOT_ID, STARTS_AT, CAPACITY, RESERVED, RESERVED_UNTIL, HOSPITAL, DEPARTMENT FROM OT_SLOT WHERE SLOT_ID = ? FOR UPDATE",
				(rs, i) -> capacity(rs), slotId).stream().findFirst();
	}

	private static SlotCapacity capacity(java.sql.ResultSet rs) throws java.sql.SQLException {
		return new SlotCapacity(rs.getString(1), Instant.ofEpochMilli(rs.getLong(2)), rs.getInt(3), rs.getInt(4),
				Instant.ofEpochMilli(rs.getLong(5)), rs.getString(6), rs.getString(7));
	}

	/** [places taken, of which reserved] by bookings and holds that have not expired. */
	private int[] counts(String slotId, Instant now) {
		return jdbc.queryForObject("SELECT COUNT(*), COALESCE(SUM(CASE WHEN SEAT = 'RESERVED' THEN 1 ELSE 0 END), 0) "
						+ "FROM OT_SLOT_CLAIM WHERE SLOT_ID = ? AND (EXPIRES_AT IS NULL OR EXPIRES_AT > ?)",
				(rs, i) -> new int[] {rs.getInt(1), rs.getInt(2)}, slotId, now.toEpochMilli());
	}
}
