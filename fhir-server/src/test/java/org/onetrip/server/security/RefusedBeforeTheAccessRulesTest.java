package org.onetrip.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.ServerTest;
import org.onetrip.server.TestTokens;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A signed-in caller's request refused before the access rules judged it is audited as a refusal, with the token's
 * caller: a token naming a hospital the region does not have, a body HAPI cannot parse. Neither was audited.
 */
class RefusedBeforeTheAccessRulesTest extends ServerTest {

	@Autowired
	DataSource dataSource;

	@Test
	void aTokenForAHospitalNotInTheRegionIsAuditedAsARefusal() {
		String hospital = unique("hospital-gone");
		FhirHttp.Response refused = fhir.as(TestTokens.hospital(hospital, "user/*.cruds")).get("/Patient?name=anyone");

		assertThat(refused.status()).isEqualTo(403);
		assertThat(recordsNaming(hospital)).isEqualTo(1);
	}

	@Test
	void aBodyHapiCannotParseIsAuditedAsARefusal() {
		String marker = unique("unparsable");
		FhirHttp.Response refused = fhir.post("/Patient?marker=" + marker, "{\"resourceType\":\"Patient\",\"birthDate\":",
				Map.of("Content-Type", "application/fhir+json"));

		assertThat(refused.status()).isEqualTo(400);
		assertThat(recordsNaming(marker)).isEqualTo(1);
	}

	private int recordsNaming(String text) {
		return new JdbcTemplate(dataSource).queryForObject("SELECT COUNT(*) FROM OT_AUDIT_EVENT WHERE RECORD LIKE ?",
				Integer.class, "%" + text + "%");
	}
}
