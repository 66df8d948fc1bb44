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
import java.util.concurrent.atomic.AtomicInteger;
import org.onetrip.bench.Args;
import org.onetrip.bench.Clients;
import org.onetrip.bench.KeptAliveConnection;
import org.onetrip.bench.Latencies;
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
	private final HttpClient http = Clients.http("storm-http");
	private final org.onetrip.bench.ProcessTreeCpu cpu;
	/**
	 * The attempts' HTTP client: "plain", each client thread's own kept-alive connection with blocking reads
	 * ({@link KeptAliveConnection}), or "jdk", Java's HttpClient shared by all, as the storm sent before stop 49.
	 */
	private String attemptsClient = "plain";
	/** The plain connections of the running round, per client thread and instance; closed when the round ends. */
	private final ThreadLocal<java.util.Map<String, KeptAliveConnection>> connections =
			ThreadLocal.withInitial(java.util.HashMap::new);
	private final java.util.Queue<KeptAliveConnection> opened = new java.util.concurrent.ConcurrentLinkedQueue<>();

	BookingStorm() throws Exception {
		cpu = new org.onetrip.bench.ProcessTreeCpu();
	}

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
		// Long enough for the JIT to have compiled most of what the rounds run: after 4,000 attempts its compiler threads
		// were still ~30 % of the JVMs' CPU in the hot round, after 60,000 ~15 % (bench/HISTORY.md, stop 50).
		int warmUp = args.integer("warm-up", 60_000);
		String heap = args.get("heap", "1g");
		Path work = Path.of(args.required("work"));
		Path app = Path.of(args.required("server-app"));
		String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
		Random random = new Random(args.integer("seed", 7));
		attemptsClient = args.get("attempts-client", "plain");
		if (!List.of("plain", "jdk").contains(attemptsClient)) {
			throw new IllegalArgumentException("--attempts-client is plain or jdk, not " + attemptsClient);
		}

		{
			List<ServerProcess> servers = ServerProcess.onOnePostgres(app, work, "storm", stamp, instances, 18090, heap, List.of());
			try {
				Shape storm = new Shape(hotSlots, hotCapacity, coldSlots, coldCapacity, hotShare);
				// A round of the same shape on slots of its own, right after start: what a cold server does, and the JIT
				// warm-up the measured rounds do not pay (a region's server runs for months; the JIT's share is reported).
				// Its cold slots grow with its attempts, so it books the same share of them as the hot-slot run does.
				Shape warmUpShape = new Shape(hotSlots, hotCapacity, Math.max(1, (int) ((long) coldSlots * warmUp / attempts)),
						coldCapacity, hotShare);
				Round cold = round("warm-up", servers, warmUpShape, warmUp, clients, random);
				Round hotRun = round("hot slots", servers, storm, attempts, clients, random);
				// Every attempt has a place: the rate of bookings themselves, not of refusals.
				int placesEach = 4;
				Shape roomy = new Shape(0, 0, (attempts + placesEach - 1) / placesEach, placesEach, 0);
				Round roomyRun = round("a place for every attempt", servers, roomy, attempts, clients, random);

				StringBuilder report = new StringBuilder();
				report.append(String.format(Locale.ROOT, "### Booking storm: %d clients through %d instance(s) on one PostgreSQL%n%n",
						clients, instances));
				report.append(String.format(Locale.ROOT, "Hot-slot run: %,d attempts, %d hot slots x %d places (%.0f %% of attempts), "
						+ "%d cold slots x %d places; %,d places in all. Roomy run: %,d attempts on %,d slots x %d places. "
						+ "Both after a warm-up round of %,d attempts shaped like the hot-slot run (cold slots in proportion), "
						+ "on slots of its own. "
						+ "Attempts sent %s.%n%n",
						attempts, hotSlots, hotCapacity, hotShare * 100, coldSlots, coldCapacity, storm.places(), attempts,
						roomy.coldSlots(), placesEach, warmUp, attemptsClient.equals("plain")
								? "on a kept-alive HTTP/1.1 connection per client, blocking reads (`--attempts-client plain`)"
								: "through Java's HttpClient shared by all clients (`--attempts-client jdk`)"));
				report.append("| figure | hot slots | a place for every attempt | warm-up (right after start) |\n|---|---:|---:|---:|\n");
				report.append(row("attempts per second", r -> String.format(Locale.ROOT, "%.0f", r.attemptsPerSecond()), hotRun, roomyRun, cold));
				report.append(row("bookings per second (201)", r -> String.format(Locale.ROOT, "%.0f", r.booked() / r.seconds()), hotRun, roomyRun, cold));
				report.append(row("booked (201) / refused (409) / other", r -> String.format(Locale.ROOT, "%,d / %,d / %,d",
						r.booked(), r.refused(), r.other()), hotRun, roomyRun, cold));
				report.append(row("hot slots full after", r -> r.hotFullAfter() < 0 ? "-" : String.format(Locale.ROOT, "%.1f s",
						r.hotFullAfter()), hotRun, roomyRun, cold));
				report.append(row("appointments stored afterwards", r -> String.format(Locale.ROOT, "%,d", r.stored()), hotRun, roomyRun, cold));
				report.append(row("**slots over capacity**", r -> "**" + r.overbooked() + "**", hotRun, roomyRun, cold));
				report.append(row("server CPU ms per attempt: all (JVMs / PostgreSQL)", r -> String.format(Locale.ROOT, "%.2f (%.2f / %.2f)",
						r.serverCpuMillis() / (double) r.attempts(), r.jvmCpuMillis() / (double) r.attempts(),
						(r.serverCpuMillis() - r.jvmCpuMillis()) / (double) r.attempts()), hotRun, roomyRun, cold));
				report.append(row("of the JVMs' CPU, their JIT compilers' ms per attempt", r -> String.format(Locale.ROOT, "%.2f",
						r.jitCpuMillis() / (double) r.attempts()), hotRun, roomyRun, cold));
				report.append(row("load generator CPU ms per attempt", r -> String.format(Locale.ROOT, "%.2f",
						r.clientCpuMillis() / (double) r.attempts()), hotRun, roomyRun, cold));
				report.append(row("request p50 / p99 ms", r -> String.format(Locale.ROOT, "%.1f / %.1f", r.latencies().percentile(50),
						r.latencies().percentile(99)), hotRun, roomyRun, cold));
				// Whether the slow tail is the bookings (a create, the slot's row lock, the commit) or the refusals (queueing).
				report.append(row("p50 / p99 ms of bookings (201); of refusals (409)", r -> String.format(Locale.ROOT,
						"%.1f / %.1f; %.1f / %.1f", r.latencies(201).percentile(50), r.latencies(201).percentile(99),
						r.latencies(409).percentile(50), r.latencies(409).percentile(99)), hotRun, roomyRun, cold));
				if (servers.size() > 1) {
					// Each client sends to one instance: a slower instance serves fewer attempts, each waiting longer. With
					// BENCH_INSTANCE<n>_JVM_OPTS, an A/B of JVM options in one run, both sides on the machine at the same moments.
					for (int i = 0; i < servers.size(); i++) {
						int instance = i;
						report.append(row("instance " + (i + 1) + ": attempts; JVM / JIT CPU ms per attempt; p50 / p99 ms",
								r -> r.byInstance().get(instance).figures(), hotRun, roomyRun, cold));
					}
				}
				for (Round r : List.of(hotRun, roomyRun, cold)) {
					if (r.other() > 0) {
						report.append("\nOther statuses (").append(r.label()).append("): ").append(r.statuses()).append('\n');
					}
				}
				System.out.println(report);
			} finally {
				ServerProcess.closeAll(servers);
				if (!args.flag("keep-data")) {
					ServerProcess.deleteData(work, "storm", stamp, instances);
				}
			}
		}
	}

	/** Where a round's attempts go: {@code hotShare} of them to the few hot slots, the rest to the many cold ones. */
	record Shape(int hotSlots, int hotCapacity, int coldSlots, int coldCapacity, double hotShare) {
		int places() {
			return hotSlots * hotCapacity + coldSlots * coldCapacity;
		}
	}

	/** @param hotFullAfter seconds from the round's start to the last booking of a hot slot; -1 without hot slots */
	record Round(String label, double seconds, java.util.Map<Integer, AtomicInteger> statuses, Latencies latencies,
			java.util.Map<Integer, Latencies> latenciesByStatus, double hotFullAfter, long stored, int overbooked,
			long serverCpuMillis, long jvmCpuMillis, long jitCpuMillis, long clientCpuMillis, List<Served> byInstance) {
		int attempts() {
			return statuses.values().stream().mapToInt(AtomicInteger::get).sum();
		}

		Latencies latencies(int status) {
			return latenciesByStatus.getOrDefault(status, new Latencies());
		}

		int count(int status) {
			return statuses.getOrDefault(status, new AtomicInteger()).get();
		}

		int booked() {
			return count(201);
		}

		int refused() {
			return count(409);
		}

		int other() {
			return statuses.values().stream().mapToInt(AtomicInteger::get).sum() - booked() - refused();
		}

		double attemptsPerSecond() {
			return attempts() / seconds;
		}
	}

	/** What one instance served in a round: its clients' attempts and latencies, its JVM's CPU (its JIT's within). */
	record Served(Latencies latencies, long jvmCpuMillis, long jitCpuMillis) {
		String figures() {
			int attempts = latencies.count();
			return String.format(Locale.ROOT, "%,d; %.2f / %.2f; %.0f / %.0f", attempts, jvmCpuMillis / (double) attempts,
					jitCpuMillis / (double) attempts, latencies.percentile(50), latencies.percentile(99));
		}
	}

	private static String row(String figure, java.util.function.Function<Round, String> value, Round... rounds) {
		StringBuilder row = new StringBuilder("| ").append(figure);
		for (Round round : rounds) {
			row.append(" | ").append(value.apply(round));
		}
		return row.append(" |\n").toString();
	}

	/** One round on fresh slots: the clients share the attempts, each sending to its instance; then the slots are counted. */
	private Round round(String label, List<ServerProcess> servers, Shape shape, int attempts, int clients, Random random) throws Exception {
		List<String> bases = servers.stream().map(s -> s.fhirBase().toString()).toList();
		List<SlotSpec> hot = shape.hotSlots() == 0 ? List.of() : slots(bases.get(0), "hot", shape.hotSlots(), shape.hotCapacity());
		List<SlotSpec> cold = shape.coldSlots() == 0 ? List.of() : slots(bases.get(0), "cold", shape.coldSlots(), shape.coldCapacity());
		java.util.Set<String> hotIds = new java.util.HashSet<>();
		hot.forEach(slot -> hotIds.add(slot.id()));
		List<SlotSpec> targets = new ArrayList<>();
		for (int i = 0; i < attempts; i++) {
			targets.add(!hot.isEmpty() && (cold.isEmpty() || random.nextDouble() < shape.hotShare())
					? hot.get(random.nextInt(hot.size())) : cold.get(random.nextInt(cold.size())));
		}
		Collections.shuffle(targets, random);

		java.util.concurrent.atomic.AtomicLong lastHotBooking = new java.util.concurrent.atomic.AtomicLong(-1);
		List<ServerProcess.Cpu> instanceCpuBefore = ServerProcess.Cpu.eachOf(cpu, servers);
		ServerProcess.Cpu serverCpuBefore = ServerProcess.Cpu.sum(instanceCpuBefore);
		// The benchmark's own process tree holds the servers it started: the load generator is the rest of it.
		long clientCpuBefore = cpu.millis(ProcessHandle.current().pid()) - serverCpuBefore.all();
		long t0 = System.nanoTime();
		Clients.Run run;
		try {
			run = Clients.run(label, attempts, clients, bases, (i, base) -> {
				int status = post(base, appointment(targets.get(i).id()));
				if (status == 201 && hotIds.contains(targets.get(i).id())) {
					lastHotBooking.accumulateAndGet(System.nanoTime() - t0, Math::max);
				}
				return status;
			});
		} finally {
			for (KeptAliveConnection connection; (connection = opened.poll()) != null; ) {
				connection.close();
			}
		}
		List<ServerProcess.Cpu> instanceCpuAfter = ServerProcess.Cpu.eachOf(cpu, servers);
		ServerProcess.Cpu serverCpuAfter = ServerProcess.Cpu.sum(instanceCpuAfter);
		ServerProcess.Cpu serverCpu = serverCpuAfter.minus(serverCpuBefore);
		List<Served> byInstance = new ArrayList<>();
		for (int i = 0; i < servers.size(); i++) {
			ServerProcess.Cpu used = instanceCpuAfter.get(i).minus(instanceCpuBefore.get(i));
			byInstance.add(new Served(run.latenciesByBase().get(bases.get(i)), used.jvm(), used.jit()));
		}
		long clientCpu = cpu.millis(ProcessHandle.current().pid()) - serverCpuAfter.all() - clientCpuBefore;
		long stored = 0;
		int overbooked = 0;
		List<SlotSpec> all = new ArrayList<>(hot);
		all.addAll(cold);
		for (SlotSpec slot : all) {
			int count = count(bases.get(bases.size() - 1) + "/Appointment?slot=Slot/" + slot.id() + "&status=booked&_summary=count");
			stored += count;
			if (count > slot.capacity()) {
				overbooked++;
			}
		}
		return new Round(label, run.seconds(), run.statuses(), run.latencies(), run.latenciesByStatus(), hot.isEmpty() ? -1 : lastHotBooking.get() / 1e9, stored,
				overbooked, serverCpu.all(), serverCpu.jvm(), serverCpu.jit(), clientCpu, byInstance);
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

	private int post(String base, String body) {
		try {
			if (attemptsClient.equals("plain")) {
				KeptAliveConnection connection = connections.get().computeIfAbsent(base, b -> {
					KeptAliveConnection opening = new KeptAliveConnection(URI.create(b));
					opened.add(opening);
					return opening;
				});
				return connection.send("POST", URI.create(base).getRawPath() + "/Appointment", "application/fhir+json",
						org.onetrip.bench.BearerToken.authorization(), body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
			}
			return http.send(org.onetrip.bench.BearerToken.on(HttpRequest.newBuilder(URI.create(base + "/Appointment"))).timeout(Duration.ofSeconds(60))
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
