package org.onetrip.server.hapi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class H2JoinOrderTest {

	private final H2JoinOrder inspector = new H2JoinOrder();

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
}
