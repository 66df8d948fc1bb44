package org.onetrip.server.inputcheck;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.ServerTest;
import org.onetrip.server.TestTokens;

/** Limits a client meets: bundle entries (413), requests per second (429); each with an OperationOutcome. */
class LimitsTest extends ServerTest {

	@Test
	void aTransactionWithTooManyEntriesIsRefusedWith413AndStoresNothing() {
		String family = unique("Bulk");
		Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
		for (int i = 0; i < MAX_BUNDLE_ENTRIES_IN_TESTS + 1; i++) {
			bundle.addEntry().setResource(new Patient().addName(new org.hl7.fhir.r4.model.HumanName().setFamily(family)))
					.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Patient");
		}
		FhirHttp.Response refused = fhir.as(TestTokens.hospital("hospital-a", "user/*.cruds")).post("/", bundle);
		assertThat(refused.status()).isEqualTo(413);
		assertThat(refused.outcome().getIssueFirstRep().getDiagnostics()).contains("at most " + MAX_BUNDLE_ENTRIES_IN_TESTS);
		assertThat(fhir.get("/Patient?family=" + family + "&_summary=count").bundle().getTotal()).isZero();

		bundle.getEntry().remove(0);
		assertThat(fhir.as(TestTokens.hospital("hospital-a", "user/*.cruds")).post("/", bundle).status()).as("at the limit").isEqualTo(200);
	}

	@Test
	void aClientAboveItsRateGets429WithRetryAfterAndTheRegionsServicesAreNotLimited() throws Exception {
		FhirHttp kiosk = fhir.as(TestTokens.mint(unique("kiosk"), "hospital-b", "user/*.rs", null));
		List<FhirHttp.Response> answers = burst(kiosk, 3 * CLIENT_BURST_IN_TESTS);
		List<FhirHttp.Response> throttled = answers.stream().filter(r -> r.status() == 429).toList();
		assertThat(throttled).as("more than the burst at once").isNotEmpty();
		assertThat(answers).allMatch(r -> r.status() == 200 || r.status() == 429);
		assertThat(throttled.get(0).header("Retry-After")).matches("[1-9][0-9]*");
		assertThat(throttled.get(0).outcome().getIssueFirstRep().getCode().toCode()).isEqualTo("throttled");

		assertThat(burst(fhir, 3 * CLIENT_BURST_IN_TESTS)).as("a region service").allMatch(r -> r.status() == 200);
		Thread.sleep(1500);
		assertThat(kiosk.get("/Organization/hospital-b").status()).as("the bucket refills").isEqualTo(200);
	}

	private static List<FhirHttp.Response> burst(FhirHttp client, int requests) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(8);
		List<Future<FhirHttp.Response>> futures = new ArrayList<>();
		for (int i = 0; i < requests; i++) {
			futures.add(pool.submit(() -> client.get("/Organization/hospital-b")));
		}
		List<FhirHttp.Response> answers = new ArrayList<>();
		for (Future<FhirHttp.Response> future : futures) {
			answers.add(future.get());
		}
		pool.shutdown();
		return answers;
	}
}
