package org.onetrip.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An audit record's JSON line holds what Jackson's record mapping would write, and reads back as the same record. */
class AuditRecordTest {

	private static final ObjectMapper MAPPER = JsonMapper.builder().addModule(new JavaTimeModule())
			.disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();

	@Test
	void theLineIsTheRecordAsJacksonWouldWriteItAndReadsBackWhole() throws Exception {
		List<AuditRecord> records = List.of(
				new AuditRecord(Instant.parse("2026-12-04T20:30:00Z"), "rest", "C", "create", "svc-hospital-a", "hospital-a",
						"127.0.0.1", "POST /fhir/Appointment", List.of("Appointment/1", "Slot/2"), List.of("Patient/p1"), 409,
						"Appointment not booked: \"full\"\n\tline two", false),
				new AuditRecord(Instant.parse("2026-12-04T20:30:00.123456789Z"), "dicom-association", "E", "C-STORE", "MODALITY_1",
						null, null, null, List.of(), List.of(), 0, null, true, AuditRecord.CONSULT_ACCESS),
				new AuditRecord(Instant.parse("2026-01-01T00:00:00.5Z"), "login", "E", "bearer-token", "unauthenticated", null,
						"::1", "GET /fhir/Patient?name=Zoë \u4e2d\u6587 \\ </script>", List.of("x\u0000y"), List.of(), 401,
						"no bearer token", false, null));
		for (AuditRecord record : records) {
			String line = record.toJson();
			assertThat(line).doesNotContain("\n");
			assertThat(MAPPER.readTree(line)).as(line).isEqualTo(MAPPER.readTree(MAPPER.writeValueAsString(record)));
			assertThat(AuditRecord.fromJson(line)).isEqualTo(record);
		}
	}
}
