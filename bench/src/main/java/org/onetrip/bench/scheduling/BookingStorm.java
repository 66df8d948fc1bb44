package org.onetrip.bench.scheduling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.onetrip.bench.Args;
import org.onetrip.bench.Latencies;
import org.onetrip.bench.Progress;
import org.onetrip.bench.fhir.ServerProcess;

/**
 * The booking storm: many clients booking a few hot slots and many cold ones at once, through one or two
 * OneTrip instances on one PostgreSQL: the first instance's own (durable, as {@code ./onetrip run} stores), which
 * the others reach as an external database. Counts bookings per second and, from the stored Appointments
 * afterwards, every slot holding more appointments than its capacity (must be none).
 *
 * <pre>./onetrip bench storm --attempts 10000 --clients 64 --instances 2</pre>
 */
public final class BookingStorm {

	private static final ObjectMapper JSON = new ObjectMapper();
	// Daemon threads: the client's pool must not keep the JVM (and ./onetrip bench storm) alive after the report.
	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
			.executor(Executors.newFixedThreadPool(8, r -> {
				Thread thread = new Thread(r, "storm-http");
				thread.setDaemon(true);
				return thread;
			})).build();

	record SlotSpec(String id, int capacity) {}

	public static void main(String[] argv) throws Exception {
		new BookingStorm().run(new Args(argv));
	}

	private void run(Args args) throws Exception {
		int attempts = args.integer("attempts", 10_000);
		int clients = args.integer("clients", 64);
		int instances = args.integer("instances", 1);
		int hotSlots = args.integer("hot-slots", 4);
		int hotCapacity = args.integer("hot-capacity", 10);
		int coldSlots = args.integer("cold-slots", 400);
		int coldCapacity = args.integer("cold-capacity", 4);
		double hotShare = Double.parseDouble(args.get("hot-share", "0.8"));
		String heap = args.get("heap", "1g");
		Path work = Path.of(args.required("work"));
		Path app = Path.of(args.required("server-app"));
		String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
		Random random = new Random(args.integer("seed", 7));

		{
			int postgresPort = freePort();
			Path firstData = work.resolve("storm-data-" + stamp + "-0");
			List<ServerProcess> servers = new ArrayList<>();
			try {
				for (int i = 0; i < instances; i++) {
					// One after the other: the first starts PostgreSQL and creates the schema.
					List<String> storage = i == 0
							? List.of("--onetrip.storage.embedded.port=" + postgresPort)
							: List.of("--spring.profiles.active=postgres",
									"--spring.datasource.url=jdbc:postgresql://127.0.0.1:" + postgresPort
											+ "/onetrip?reWriteBatchedInserts=true",
									"--spring.datasource.username=onetrip", "--spring.datasource.password="
											+ java.nio.file.Files.readString(firstData.resolve("keys/postgres-password")).strip());
					servers.add(ServerProcess.start(app, i == 0 ? firstData : work.resolve("storm-data-" + stamp + "-" + i),
							18090 + i, heap, work.resolve("storm-server-" + stamp + "-" + i + ".log"), storage));
					System.err.printf(Locale.ROOT, "instance %d ready in %.1f s%n", i + 1, servers.get(i).startupSeconds());
				}
				List<String> bases = servers.stream().map(s -> s.fhirBase().toString()).toList();
				List<SlotSpec> hot = slots(bases.get(0), "hot", hotSlots, hotCapacity);
				List<SlotSpec> cold = slots(bases.get(0), "cold", coldSlots, coldCapacity);

				List<SlotSpec> targets = new ArrayList<>();
				for (int i = 0; i < attempts; i++) {
					targets.add(random.nextDouble() < hotShare ? hot.get(random.nextInt(hot.size())) : cold.get(random.nextInt(cold.size())));
				}
				Collections.shuffle(targets, random);

				ConcurrentHashMap<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
				Latencies latencies = new Latencies();
				Progress progress = new Progress("booking", attempts, "attempts");
				ExecutorService pool = Executors.newFixedThreadPool(clients);
				AtomicInteger next = new AtomicInteger();
				long t0 = System.nanoTime();
				List<Future<?>> futures = new ArrayList<>();
				for (int c = 0; c < clients; c++) {
					String base = bases.get(c % bases.size());
					futures.add(pool.submit(() -> {
						int i;
						while ((i = next.getAndIncrement()) < attempts) {
							long start = System.nanoTime();
							int status = post(base + "/Appointment", appointment(targets.get(i).id()));
							latencies.record(System.nanoTime() - start);
							statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
							progress.advance(1);
						}
						return null;
					}));
				}
				for (Future<?> f : futures) {
					f.get();
				}
				double seconds = (System.nanoTime() - t0) / 1e9;
				pool.shutdown();
				progress.close();

				int booked = statuses.getOrDefault(201, new AtomicInteger()).get();
				int refused = statuses.getOrDefault(409, new AtomicInteger()).get();
				int other = attempts - booked - refused;
				int overbooked = 0;
				long stored = 0;
				List<SlotSpec> all = new ArrayList<>(hot);
				all.addAll(cold);
				for (SlotSpec slot : all) {
					int count = count(bases.get(bases.size() - 1) + "/Appointment?slot=Slot/" + slot.id() + "&status=booked&_summary=count");
					stored += count;
					if (count > slot.capacity()) {
						overbooked++;
					}
				}
				int capacity = hotSlots * hotCapacity + coldSlots * coldCapacity;
				StringBuilder report = new StringBuilder();
				report.append(String.format(Locale.ROOT, "### Booking storm: %,d attempts from %d clients through %d instance(s) "
								+ "on one PostgreSQL%n%n", attempts, clients, instances));
				report.append(String.format(Locale.ROOT, "%d hot slots x %d places (%.0f %% of attempts), %d cold slots x %d places; "
						+ "%,d places in all.%n%n", hotSlots, hotCapacity, hotShare * 100, coldSlots, coldCapacity, capacity));
				report.append("| figure | value |\n|---|---:|\n");
				report.append(String.format(Locale.ROOT, "| attempts per second | %.0f |%n", attempts / seconds));
				report.append(String.format(Locale.ROOT, "| bookings per second (201) | %.0f |%n", booked / seconds));
				report.append(String.format(Locale.ROOT, "| booked (201) / refused (409) / other | %,d / %,d / %,d |%n", booked, refused, other));
				report.append(String.format(Locale.ROOT, "| appointments stored afterwards | %,d |%n", stored));
				report.append(String.format(Locale.ROOT, "| **slots over capacity** | **%d** |%n", overbooked));
				report.append(String.format(Locale.ROOT, "| request p50 / p99 ms | %.1f / %.1f |%n",
						latencies.percentile(50), latencies.percentile(99)));
				if (other > 0) {
					report.append("\nOther statuses: ").append(statuses).append('\n');
				}
				System.out.println(report);
			} finally {
				// The first instance's PostgreSQL serves the others: stop them first.
				for (int i = servers.size() - 1; i >= 0; i--) {
					servers.get(i).close();
				}
			}
		}
	}

	private static int freePort() throws java.io.IOException {
		try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

	/** Slots two days ahead on one schedule of hospital A radiology, written in one transaction. */
	private List<SlotSpec> slots(String base, String kind, int count, int capacity) throws Exception {
		ObjectNode bundle = JSON.createObjectNode().put("resourceType", "Bundle").put("type", "transaction");
		ArrayNode entries = bundle.putArray("entry");
		String schedule = "urn:uuid:" + java.util.UUID.randomUUID();
		ObjectNode s = entries.addObject().put("fullUrl", schedule);
		ObjectNode scheduleResource = s.putObject("resource").put("resourceType", "Schedule");
		scheduleResource.putArray("actor").addObject().put("reference", "HealthcareService/hospital-a-radiology");
		s.putObject("request").put("method", "POST").put("url", "Schedule");
		Instant start = Instant.now().plus(Duration.ofDays(2));
		List<SlotSpec> slots = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			String id = "storm-" + kind + "-" + i + "-" + Long.toString(System.nanoTime(), 36);
			ObjectNode e = entries.addObject().put("fullUrl", "Slot/" + id);
			ObjectNode slot = e.putObject("resource").put("resourceType", "Slot").put("id", id).put("status", "free");
			slot.putObject("schedule").put("reference", schedule);
			slot.put("start", start.plusSeconds(1800L * i).toString()).put("end", start.plusSeconds(1800L * i + 1800).toString());
			slot.putArray("extension").addObject().put("url", "urn:onetrip:fhir:extension:slot-capacity").put("valueInteger", capacity);
			e.putObject("request").put("method", "PUT").put("url", "Slot/" + id);
			slots.add(new SlotSpec(id, capacity));
		}
		HttpResponse<String> r = http.send(org.onetrip.bench.BearerToken.on(HttpRequest.newBuilder(URI.create(base))).timeout(Duration.ofMinutes(5))
				.header("Content-Type", "application/fhir+json").POST(HttpRequest.BodyPublishers.ofString(bundle.toString())).build(),
				HttpResponse.BodyHandlers.ofString());
		if (r.statusCode() != 200) {
			throw new IllegalStateException("slots not created: " + r.statusCode() + " " + r.body());
		}
		return slots;
	}

	private static String appointment(String slotId) {
		ObjectNode a = JSON.createObjectNode().put("resourceType", "Appointment").put("status", "booked");
		a.putArray("slot").addObject().put("reference", "Slot/" + slotId);
		ObjectNode p = a.putArray("participant").addObject().put("status", "accepted");
		p.putObject("actor").put("reference", "HealthcareService/hospital-a-radiology");
		return a.toString();
	}

	private int post(String url, String body) {
		try {
			return http.send(org.onetrip.bench.BearerToken.on(HttpRequest.newBuilder(URI.create(url))).timeout(Duration.ofSeconds(60))
					.header("Content-Type", "application/fhir+json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
					HttpResponse.BodyHandlers.discarding()).statusCode();
		} catch (Exception e) {
			return -1;
		}
	}

	private int count(String url) throws Exception {
		HttpResponse<String> r = http.send(org.onetrip.bench.BearerToken.on(HttpRequest.newBuilder(URI.create(url))).header("Accept", "application/fhir+json")
				.GET().build(), HttpResponse.BodyHandlers.ofString());
		JsonNode total = JSON.readTree(r.body()).get("total");
		if (total == null) {
			throw new IllegalStateException("count failed: " + r.body());
		}
		return total.asInt();
	}
}
