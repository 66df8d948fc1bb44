package org.onetrip.server.hapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;

class H2QueryRewritesTest {

	private final H2QueryRewrites inspector = new H2QueryRewrites();

	@Test
	void aPerPatientSortedSearchIsLedByTheLinkTable() {
		String hapi = "SELECT t1.RES_ID FROM HFJ_RESOURCE t1 INNER JOIN HFJ_RES_LINK t0 ON (t1.RES_ID = t0.SRC_RESOURCE_ID) "
				+ "LEFT OUTER JOIN HFJ_SPIDX_DATE t2 ON ((t1.RES_ID = t2.RES_ID) AND (t2.HASH_IDENTITY = ?)) "
				+ "WHERE ((t0.SRC_PATH = ?) AND (t0.TARGET_RESOURCE_ID = ?)) ORDER BY t2.SP_VALUE_LOW DESC NULLS LAST fetch first ? rows only";
		assertThat(inspector.inspect(hapi)).isEqualTo(
				"SELECT t1.RES_ID FROM HFJ_RES_LINK t0 INNER JOIN HFJ_RESOURCE t1 ON (t1.RES_ID = t0.SRC_RESOURCE_ID) "
				+ "LEFT OUTER JOIN HFJ_SPIDX_DATE t2 ON ((t1.RES_ID = t2.RES_ID) AND (t2.HASH_IDENTITY = ?)) "
				+ "WHERE ((t0.SRC_PATH = ?) AND (t0.TARGET_RESOURCE_ID = ?)) ORDER BY t2.SP_VALUE_LOW DESC NULLS LAST fetch first ? rows only");
	}

	@Test
	void statementsWithoutAnOuterJoinOrWithoutTheShapeAreUntouched() {
		String inner = "SELECT t1.RES_ID FROM HFJ_RESOURCE t1 INNER JOIN HFJ_RES_LINK t0 ON (t1.RES_ID = t0.SRC_RESOURCE_ID) WHERE t0.TARGET_RESOURCE_ID = ?";
		assertThat(inspector.inspect(inner)).isEqualTo(inner);
		String other = "select rt1_0.RES_ID from HFJ_RESOURCE rt1_0 left outer join HFJ_RES_VER x on x.RES_ID = rt1_0.RES_ID";
		assertThat(inspector.inspect(other)).isEqualTo(other);
	}

	/** As Hibernate writes HAPI's lookup of three ids (a transaction of three PUTs with client ids). */
	private static final String THREE_IDS = "select rt1_0.RES_ID,rt1_0.RES_TYPE,rt1_0.FHIR_ID,rt1_0.RES_DELETED_AT,rt1_0.PARTITION_ID "
			+ "from HFJ_RESOURCE rt1_0 where (rt1_0.RES_TYPE=? and rt1_0.FHIR_ID=? or rt1_0.RES_TYPE=? and rt1_0.FHIR_ID=? "
			+ "or rt1_0.RES_TYPE=? and rt1_0.FHIR_ID=?)";

	@Test
	void severalIdsAreLookedUpAsRowValuesWithTheParametersInTheSameOrder() {
		assertThat(inspector.inspect(THREE_IDS)).isEqualTo(
				"select rt1_0.RES_ID,rt1_0.RES_TYPE,rt1_0.FHIR_ID,rt1_0.RES_DELETED_AT,rt1_0.PARTITION_ID "
				+ "from HFJ_RESOURCE rt1_0 where (rt1_0.RES_TYPE, rt1_0.FHIR_ID) IN ((?, ?), (?, ?), (?, ?))");
		String one = "select rt1_0.RES_ID from HFJ_RESOURCE rt1_0 where (rt1_0.RES_TYPE=? and rt1_0.FHIR_ID=?)";
		assertThat(inspector.inspect(one)).isEqualTo(one);
	}

	/** What the rewrite is for: H2 probes the whole (type, id) index for each id instead of reading every row of the type. */
	@Test
	void h2ProbesTheTypeAndIdIndexForTheRewrittenLookupButNotForHapisOwn() throws Exception {
		try (Connection db = DriverManager.getConnection("jdbc:h2:mem:ids-" + System.nanoTime(), "sa", "")) {
			db.createStatement().execute("CREATE TABLE HFJ_RESOURCE (RES_ID BIGINT PRIMARY KEY, RES_TYPE VARCHAR(40), "
					+ "FHIR_ID VARCHAR(64), RES_DELETED_AT TIMESTAMP, PARTITION_ID INT)");
			db.createStatement().execute("ALTER TABLE HFJ_RESOURCE ADD CONSTRAINT IDX_RES_TYPE_FHIR_ID UNIQUE (RES_TYPE, FHIR_ID)");
			db.createStatement().execute("INSERT INTO HFJ_RESOURCE SELECT X, 'Patient', 'p-' || X, NULL, NULL FROM SYSTEM_RANGE(1, 2000)");
			assertThat(plan(db, THREE_IDS)).doesNotContain("IN(ROW");
			assertThat(plan(db, inspector.inspect(THREE_IDS))).containsPattern("IDX_RES_TYPE_FHIR_ID\\w*:\\s+IN\\(ROW");
			try (PreparedStatement lookup = db.prepareStatement(inspector.inspect(THREE_IDS))) {
				String[] ids = {"p-7", "p-nobody", "p-1999"};
				for (int i = 0; i < 3; i++) {
					lookup.setString(2 * i + 1, "Patient");
					lookup.setString(2 * i + 2, ids[i]);
				}
				try (ResultSet rows = lookup.executeQuery()) {
					java.util.Set<Long> found = new java.util.HashSet<>();
					while (rows.next()) {
						found.add(rows.getLong(1));
					}
					assertThat(found).containsExactlyInAnyOrder(7L, 1999L);
				}
			}
		}
	}

	private static String plan(Connection db, String sql) throws Exception {
		try (PreparedStatement explain = db.prepareStatement("EXPLAIN " + sql)) {
			for (int i = 1; i <= 6; i++) {
				explain.setString(i, i % 2 == 1 ? "Patient" : "p-" + i);
			}
			try (ResultSet rs = explain.executeQuery()) {
				rs.next();
				return rs.getString(1);
			}
		}
	}
}
