package org.onetrip.bench.settlement;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.onetrip.bench.Args;
import org.onetrip.bench.BearerToken;
import org.onetrip.bench.Clients;
import org.onetrip.bench.Latencies;
import org.onetrip.bench.fhir.ServerProcess;

/**
 * Pay once under load: persons with a Coverage and an open visit Account, then charges (completed lab and exam orders,
 * dispensed medication) from many clients, each adjudicated at once; then every Account settled on its credit line by
 * many clients at once, a tenth of them asked twice (the second must get the same Invoice). Through one or two
 * instances on one PostgreSQL.
 *
 * <pre>./onetrip bench settle --persons 1000 --charges 10000 --clients 64 --instances 2</pre>
 */
public final class SettlementBench {

	private static final ObjectMapper JSON = new ObjectMapper();
	private static final ZoneId REGION_ZONE = ZoneId.of("Asia/Shanghai");
	private final HttpClient http = Clients.http("settle-http");

	public static void main(String[] argv) throws Exception {
		new SettlementBench().run(new Args(argv));
		System.exit(0);
	}

	private record Answer(int status, String body) {}

	private record Phase(String label, int requests, double seconds, Map<Integer, AtomicInteger> statuses, Latencies latencies) {
		double perSecond() {
			return requests / seconds;
		}
	}

	private void run(Args args) throws Exception {
		int persons = args.integer("persons", 1000);
		int charges = args.integer("charges", 10_000);
		int clients = args.integer("clients", 64);
		int instances = args.integer("instances", 2);
		String heap = args.get("heap", "1g");
		Path work = Path.of(args.required("work"));
		Path app = Path.of(args.required("server-app"));
		String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
		Random random = new Random(args.integer("seed", 11));

		// Ended visits are not swept during the run: every settlement here is asked for.
		List<ServerProcess> servers = ServerProcess.onOnePostgres(app, work, "settle", stamp, instances, 18100, heap,
				List.of("--onetrip.settlement-sweep-every=PT24H"));
		try {
			List<String> bases = servers.stream().map(s -> s.fhirBase().toString()).toList();
			String today = LocalDate.now(REGION_ZONE).toString();
			List<String> patients = new ArrayList<>(Collections.nCopies(persons, (String) null));
			List<String> accounts = new ArrayList<>(Collections.nCopies(persons, (String) null));
			Phase setup = phase("persons", persons, clients, bases, (i, base) -> {
				Answer patient = post(base + "/Patient", patient(stamp, i));
				String id = JSON.readTree(patient.body()).path("id").asText();
				post(base + "/Coverage", coverage(id));
				Answer visit = post(base + "/Appointment", arrival(id, today));
				Answer found = get(base + "/Account?subject=Patient/" + id + "&status=active");
				patients.set(i, id);
				accounts.set(i, JSON.readTree(found.body()).path("entry").path(0).path("resource").path("id").asText());
				return visit.status();
			});
			if (accounts.stream().anyMatch(a -> a == null || a.isEmpty())) {
				throw new IllegalStateException("some visits have no Account: " + setup.statuses());
			}

			List<Integer> chargeTargets = new ArrayList<>();
			for (int i = 0; i < charges; i++) {
				chargeTargets.add(random.nextInt(persons));
			}
			Phase charging = phase("charges", charges, clients, bases, (i, base) -> {
				String patient = patients.get(chargeTargets.get(i));
				double kind = (i * 0.6180339887) % 1.0;
				return kind < 0.6 ? post(base + "/ServiceRequest", order(patient, "58410-2", "CBC panel")).status()
						: kind < 0.85 ? post(base + "/MedicationDispense", dispense(patient, 1 + i % 30)).status()
						: post(base + "/ServiceRequest", order(patient, "24725-4", "CT Head")).status();
			});

			List<Integer> settleTargets = new ArrayList<>();
			for (int i = 0; i < persons; i++) {
				settleTargets.add(i);
			}
			for (int i = 0; i < persons / 10; i++) {
				settleTargets.add(random.nextInt(persons)); // a second kiosk for the same Account
			}
			Collections.shuffle(settleTargets, random);
			Map<String, Set<String>> invoices = new ConcurrentHashMap<>();
			Phase settling = phase("$settle", settleTargets.size(), clients, bases, (i, base) -> {
				String account = accounts.get(settleTargets.get(i));
				Answer answer = post(base + "/Account/" + account + "/$settle", "{\"resourceType\":\"Parameters\"}");
				if (answer.status() == 200) {
					for (JsonNode parameter : JSON.readTree(answer.body()).path("parameter")) {
						if ("invoice".equals(parameter.path("name").asText())) {
							invoices.computeIfAbsent(account, a -> ConcurrentHashMap.newKeySet()).add(parameter.path("resource").path("id").asText());
						}
					}
				}
				return answer.status();
			});
			long accountsWithOneInvoice = invoices.values().stream().filter(s -> s.size() == 1).count();
			JsonNode report = JSON.readTree(get(bases.get(0) + "/$settlement-report?date=" + today + "&hospital=hospital-a").body());
			boolean balanced = false;
			for (JsonNode parameter : report.path("parameter")) {
				if ("balanced".equals(parameter.path("name").asText())) {
					balanced = parameter.path("valueBoolean").asBoolean();
				}
			}

			StringBuilder out = new StringBuilder();
			out.append(String.format(Locale.ROOT, "### Pay once: %,d persons, %,d charges, %d clients through %d instance(s) on one PostgreSQL%n%n",
					persons, charges, clients, instances));
			out.append(String.format(Locale.ROOT, "Each person: a Patient at hospital A, a Coverage (urban-employee: deductible 100.00, "
					+ "credit line 3,000.00) and an arrived visit (Encounter, registration fee, Account). Charges: 60 %% completed lab "
					+ "orders (CBC), 25 %% dispensed medication (1-30 units), 15 %% completed CT orders; each priced, adjudicated "
					+ "(Claim + ClaimResponse) and recorded in its request. Then every Account settled on its credit line, %,d of them "
					+ "asked twice at once.%n%n", persons / 10));
			out.append("| phase | requests | per second | p50 ms | p99 ms | statuses |\n|---|---:|---:|---:|---:|---|\n");
			for (Phase phase : List.of(setup, charging, settling)) {
				out.append(String.format(Locale.ROOT, "| %s | %,d | %.0f | %.1f | %.1f | %s |%n", phase.label(), phase.requests(),
						phase.perSecond(), phase.latencies().percentile(50), phase.latencies().percentile(99), phase.statuses()));
			}
			out.append(String.format(Locale.ROOT, "%nAccounts settled: %,d of %,d, each with one Invoice: %,d; the day's settlement "
					+ "report balanced: %s. The persons phase is 4 requests per person (Patient, Coverage, arrival, Account search), timed "
					+ "together.%n", invoices.size(), persons, accountsWithOneInvoice, balanced ? "yes" : "**no**"));
			System.out.println(out);
		} finally {
			ServerProcess.closeAll(servers);
			if (!args.flag("keep-data")) {
				ServerProcess.deleteData(work, "settle", stamp, instances);
			}
		}
	}

	private static Phase phase(String label, int count, int clients, List<String> bases, Clients.Request request) throws Exception {
		Clients.Run run = Clients.run(label, count, clients, bases, request);
		return new Phase(label, count, run.seconds(), run.statuses(), run.latencies());
	}

	private static String patient(String stamp, int i) {
		ObjectNode p = JSON.createObjectNode().put("resourceType", "Patient");
		p.putArray("identifier").addObject().put("system", "urn:onetrip:citizen-id").put("value", "settle-" + stamp + "-" + i);
		p.putArray("name").addObject().put("family", "Settle").putArray("given").add("P" + i);
		p.putObject("managingOrganization").put("reference", "Organization/hospital-a");
		return p.toString();
	}

	private static String coverage(String patient) {
		return """
				{"resourceType":"Coverage","status":"active","beneficiary":{"reference":"Patient/%s"},
				 "payor":[{"display":"Provincial Medical Insurance Bureau"}],
				 "class":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/coverage-class","code":"plan"}]},
				           "value":"urban-employee"}]}""".formatted(patient);
	}

	private static String arrival(String patient, String day) {
		return """
				{"resourceType":"Appointment","status":"arrived","start":"%sT09:30:00+08:00","end":"%sT10:00:00+08:00",
				 "participant":[{"actor":{"reference":"Patient/%s"},"status":"accepted"},
				                {"actor":{"reference":"HealthcareService/hospital-a-internal-medicine"},"status":"accepted"}]}"""
				.formatted(day, day, patient);
	}

	private static String order(String patient, String loinc, String display) {
		return """
				{"resourceType":"ServiceRequest","status":"completed","intent":"order","subject":{"reference":"Patient/%s"},
				 "performer":[{"reference":"Organization/hospital-a"}],
				 "code":{"coding":[{"system":"http://loinc.org","code":"%s","display":"%s"}]}}""".formatted(patient, loinc, display);
	}

	private static String dispense(String patient, int quantity) {
		return """
				{"resourceType":"MedicationDispense","status":"completed","subject":{"reference":"Patient/%s"},
				 "performer":[{"actor":{"reference":"Organization/hospital-a"}}],"quantity":{"value":%d},
				 "medicationCodeableConcept":{"coding":[{"system":"http://www.whocc.no/atc","code":"J01CA04","display":"amoxicillin"}]}}"""
				.formatted(patient, quantity);
	}

	private Answer post(String url, String body) throws Exception {
		HttpResponse<String> r = http.send(BearerToken.on(HttpRequest.newBuilder(URI.create(url))).timeout(Duration.ofSeconds(60))
				.header("Content-Type", "application/fhir+json").header("Accept", "application/fhir+json")
				.POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
		return new Answer(r.statusCode(), r.body());
	}

	private Answer get(String url) throws Exception {
		HttpResponse<String> r = http.send(BearerToken.on(HttpRequest.newBuilder(URI.create(url))).timeout(Duration.ofSeconds(60))
				.header("Accept", "application/fhir+json").GET().build(), HttpResponse.BodyHandlers.ofString());
		return new Answer(r.statusCode(), r.body());
	}
}
