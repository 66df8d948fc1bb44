package org.onetrip.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.FhirHttp.Response;
import org.onetrip.server.OneTripInstance;

/**
 * The production storage: real PostgreSQL (embedded binaries), the {@code postgres} profile, and two
 * OneTrip instances sharing one database, as the province deploys it.
 */
class PostgresStorageTest {

	static EmbeddedPostgres postgres;
	static OneTripInstance instanceA;
	static OneTripInstance instanceB;

	@BeforeAll
	static void startPostgresAndTwoServers() throws Exception {
		postgres = EmbeddedPostgres.builder().start();
		Map<String, String> settings = Map.of(
				"spring.profiles.active", "postgres",
				"onetrip.data-dir", "target/pg-instance",
				"spring.datasource.url", postgres.getJdbcUrl("postgres", "postgres"),
				"spring.datasource.username", "postgres",
				"spring.datasource.password", "postgres");
		// One after the other: the first creates the schema, the second finds it.
		instanceA = OneTripInstance.start(settings);
		instanceB = OneTripInstance.start(settings);
	}

	@AfterAll
	static void stop() throws Exception {
		if (instanceB != null) instanceB.close();
		if (instanceA != null) instanceA.close();
		if (postgres != null) postgres.close();
	}

	@Test
	void whatOneInstanceWritesTheOtherReads() {
		Patient patient = new Patient();
		patient.addName().setFamily("Shared");
		String id = instanceA.fhir().post("/Patient", patient).as(Patient.class).getIdElement().getIdPart();
		assertThat(instanceB.fhir().get("/Patient/" + id).as(Patient.class).getNameFirstRep().getFamily()).isEqualTo("Shared");
		assertThat(instanceB.fhir().get("/Organization/clinic-c").status()).isEqualTo(200);
	}

	@Test
	void twoInstancesRegisteringOnePersonAtOnceMakeOnePatient() throws Exception {
		String citizenId = "330402199912120031";
		List<Integer> statuses = race(citizenId, true);
		assertThat(statuses).allMatch(s -> s == 200 || s == 201);
		assertThat(statuses).filteredOn(s -> s == 201).hasSize(1);
		assertThat(instanceA.fhir().get("/Patient?identifier=urn:onetrip:citizen-id|" + citizenId).bundle().getEntry()).hasSize(1);
	}

	@Test
	void plainCreatesOnTwoInstancesLetExactlyOneWin() throws Exception {
		String citizenId = "330402199912120058";
		List<Integer> statuses = race(citizenId, false);
		assertThat(statuses).filteredOn(s -> s == 201).hasSize(1);
		assertThat(statuses).filteredOn(s -> s != 201).allMatch(s -> s == 409);
		assertThat(instanceB.fhir().get("/Patient?identifier=urn:onetrip:citizen-id|" + citizenId).bundle().getEntry()).hasSize(1);
	}

	private static List<Integer> race(String citizenId, boolean conditional) throws Exception {
		int perInstance = 4;
		ExecutorService pool = Executors.newFixedThreadPool(perInstance * 2);
		CountDownLatch start = new CountDownLatch(1);
		List<Future<Response>> results = new ArrayList<>();
		for (int i = 0; i < perInstance * 2; i++) {
			FhirHttp fhir = (i % 2 == 0 ? instanceA : instanceB).fhir();
			Patient p = new Patient();
			p.addIdentifier().setSystem("urn:onetrip:citizen-id").setValue(citizenId);
			p.addName().setFamily("Race" + i);
			String body = fhir.json(p);
			Map<String, String> headers = conditional
					? Map.of("If-None-Exist", "identifier=urn:onetrip:citizen-id|" + citizenId)
					: Map.of();
			results.add(pool.submit(() -> {
				start.await();
				return fhir.post("/Patient", body, headers);
			}));
		}
		start.countDown();
		List<Integer> statuses = new ArrayList<>();
		for (Future<Response> f : results) {
			statuses.add(f.get().status());
		}
		pool.shutdown();
		return statuses;
	}
}
