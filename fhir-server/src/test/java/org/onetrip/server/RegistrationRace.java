package org.onetrip.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.hl7.fhir.r4.model.Patient;

/** Several hospital systems register one person (same citizen ID) at the same instant. */
public final class RegistrationRace {

	public static final String CITIZEN = "urn:onetrip:citizen-id";

	private RegistrationRace() {}

	/**
	 * {@code clients} threads, spread round-robin over {@code servers}, POST a Patient with this citizen ID
	 * when a latch opens; with {@code conditional} each carries If-None-Exist on it. Returns their HTTP statuses.
	 */
	public static List<Integer> run(List<FhirHttp> servers, String citizenId, int clients, boolean conditional)
			throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(clients);
		CountDownLatch start = new CountDownLatch(1);
		Map<String, String> headers = conditional
				? Map.of("If-None-Exist", "identifier=" + CITIZEN + "|" + citizenId)
				: Map.of();
		List<Future<FhirHttp.Response>> results = new ArrayList<>();
		for (int i = 0; i < clients; i++) {
			FhirHttp fhir = servers.get(i % servers.size());
			Patient p = new Patient();
			p.addIdentifier().setSystem(CITIZEN).setValue(citizenId);
			p.addName().setFamily("Racer" + i);
			String body = fhir.json(p);
			results.add(pool.submit(() -> {
				start.await();
				return fhir.post("/Patient", body, headers);
			}));
		}
		start.countDown();
		List<Integer> statuses = new ArrayList<>();
		for (Future<FhirHttp.Response> f : results) {
			statuses.add(f.get().status());
		}
		pool.shutdown();
		return statuses;
	}
}
