package org.onetrip.bench.pages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.onetrip.bench.Args;
import org.onetrip.bench.BearerToken;
import org.onetrip.bench.Latencies;
import org.onetrip.bench.Progress;
import org.onetrip.bench.fhir.ServerProcess;

/**
 * The pages' speed in a real browser (Debian's chromium through Playwright, never a downloaded browser): the web
 * application's first render (start page shown, a fresh browser profile each time), a signed-in doctor's page, and a
 * person's timeline from every hospital with {@code --resources} records (half at hospital A, half at hospital B),
 * from the click on "Find" to the timeline shown, and the viewer: the first image of a {@code --images}-image
 * 512 x 512 CT study (sent by hospital B over STOW-RS) from the click on "Open images", then each next image.
 * Targets (issue 18): first render 1 s, timeline 500 ms, first image frame 2 s.
 *
 * <pre>./onetrip bench pages --resources 500 --renders 20 --timelines 10</pre>
 */
public final class PagesBench {

	private static final ObjectMapper JSON = new ObjectMapper();
	private static final String PASSWORD = "bench password 0123";

	public static void main(String[] argv) throws Exception {
		Args args = new Args(argv);
		Path work = Path.of(args.get("work", ".cache"));
		int port = args.integer("port", 18096);
		int resources = args.integer("resources", 500);
		int renders = args.integer("renders", 20);
		int timelines = args.integer("timelines", 10);
		int images = args.integer("images", 20);
		Path chromium = Path.of(args.get("chromium", "/usr/bin/chromium"));
		Path dataDir = work.resolve("pages-bench-data-" + System.currentTimeMillis());
		// DICOM on (DICOMweb serves the viewer), on a free port.
		try (ServerProcess process = ServerProcess.start(Path.of(args.required("server-app")), dataDir, port, args.get("heap", "2g"),
				work.resolve("pages-bench-server.log"), List.of("--onetrip.dicom.enabled=true", "--onetrip.dicom.port=0"))) {
			System.err.printf(Locale.ROOT, "server ready in %.1f s%n", process.startupSeconds());
			String base = process.fhirBase().toString().replaceFirst("/fhir/?$", "");
			Fixture fixture = new Fixture(base);
			String citizenId = fixture.person(resources);
			fixture.study(work, images);
			String[] account = fixture.doctor();

			Latencies firstRender = new Latencies();
			Latencies doctorPage = new Latencies();
			Latencies timeline = new Latencies();
			Latencies timelineInPage = new Latencies();
			// The person lookup the doctor's page makes before the timeline, over HTTP alone (no browser): where the
			// time between the click and the timeline's own searches goes.
			Latencies patientSearch = new Latencies();
			Latencies personOperation = new Latencies();
			fixture.lookups(citizenId, 10, patientSearch, personOperation);
			Latencies firstImage = new Latencies();
			Latencies nextImage = new Latencies();
			try (Playwright playwright = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
					Browser browser = playwright.chromium().launch(new BrowserType.LaunchOptions().setExecutablePath(chromium)
							.setHeadless(true).setArgs(List.of("--headless", "--no-sandbox", "--disable-background-networking",
									"--disable-component-update", "--disable-gpu", "--no-first-run", "--disable-sync")))) {
				try (Progress progress = new Progress("first render", renders, "renders", "renders", "/s")) {
					for (int i = 0; i < renders; i++) {
						try (BrowserContext context = browser.newContext()) {
							Page page = context.newPage();
							long start = System.nanoTime();
							page.navigate(base + "/app");
							page.waitForSelector("#as-doctor");
							firstRender.record(System.nanoTime() - start);
						}
						progress.advance(1);
					}
				}
				try (BrowserContext context = browser.newContext()) {
					Page page = context.newPage();
					page.navigate(base + "/account/activate");
					page.fill("#login", account[0]);
					page.fill("#code", account[1]);
					page.fill("#password", PASSWORD);
					page.fill("#confirm", PASSWORD);
					page.click("#activate");
					page.waitForURL(url -> url.contains("activated"));
					page.navigate(base + "/app");
					page.click("#as-doctor");
					page.waitForURL(url -> url.contains("/signin"));
					page.fill("#login", account[0]);
					page.fill("#password", PASSWORD);
					page.click("#sign-in");
					page.waitForURL(url -> url.endsWith("/app/doctor"));
					try (Progress progress = new Progress("timelines", timelines, "timelines", "timelines", "/s")) {
						for (int i = 0; i < timelines; i++) {
							long start = System.nanoTime();
							page.navigate(base + "/app/doctor");
							page.waitForSelector("#identifier");
							doctorPage.record(System.nanoTime() - start);
							page.fill("#identifier", "urn:onetrip:citizen-id|" + citizenId);
							start = System.nanoTime();
							page.click("#find");
							page.waitForSelector("#timeline-summary, .timeline .error, #find-problem");
							if (page.isVisible(".timeline .error, #find-problem")) {
								throw new IllegalStateException("the page says: " + page.textContent(".timeline .error, #find-problem"));
							}
							timeline.record(System.nanoTime() - start);
							timelineInPage.record(Long.parseLong(page.getAttribute("#timeline-summary", "data-ms")) * 1_000_000L);
							String summary = page.textContent("#timeline-summary");
							if (!summary.startsWith((resources + 1) + " items")) {
								throw new IllegalStateException("the timeline shows " + summary + ", not " + (resources + 1) + " items");
							}
							progress.advance(1);
						}
					}
					// The viewer, once (Cornerstone3D and the frames are cached by the browser after): the study's first image drawn
					// (the viewport names the instance it drew), then each next.
					String loaded = "() => { const v = document.querySelector('#viewer-viewport'); return v && v.dataset.instance }";
					if (page.isVisible("#timeline-more")) {
						page.click("#timeline-more"); // the study is older than the first items drawn
					}
					long start = System.nanoTime();
					page.click("#timeline li[data-type='ImagingStudy'] button.open-study");
					page.waitForFunction(loaded);
					firstImage.record(System.nanoTime() - start);
					for (int i = 1; i < images; i++) {
						String before = page.getAttribute("#viewer-viewport", "data-instance");
						start = System.nanoTime();
						page.click("#next-image");
						page.waitForFunction("(b) => document.querySelector('#viewer-viewport').dataset.instance !== b", before);
						nextImage.record(System.nanoTime() - start);
					}
				}
			}
			StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
					"### Pages in Debian's chromium (headless, Playwright): first render, a doctor's page, a timeline of %d records "
							+ "from 2 hospitals%n%n", resources));
			report.append(Latencies.header()).append('\n');
			report.append(firstRender.row("/app first render (fresh browser profile, start page shown)")).append('\n');
			report.append(doctorPage.row("/app/doctor, signed in (search form shown)")).append('\n');
			report.append(timeline.row("timeline: click Find → " + resources + " items shown")).append('\n');
			report.append(timelineInPage.row("timeline: the page's own load time (FHIR searches + drawing)")).append('\n');
			report.append(patientSearch.row("HTTP alone: Patient?identifier=citizen ID (the page's first lookup)")).append('\n');
			report.append(personOperation.row("HTTP alone: Patient/[id]/$person (the page's second lookup)")).append('\n');
			report.append(firstImage.row("viewer: Open images → first 512x512 CT frame drawn")).append('\n');
			report.append(nextImage.row("viewer: next image drawn (Cornerstone3D: frame fetched, decoded, drawn)")).append('\n');
			report.append('\n').append(String.format(Locale.ROOT, "Targets: first render ≤ 1000 ms, timeline ≤ 500 ms, first image ≤ 2000 ms. Server start-up %.1f s, "
					+ "RSS at the end %d MiB.%n", process.startupSeconds(), process.rssMiB()));
			System.out.println(report);
		}
	}

	/** The person, their records, and a doctor's account, made over FHIR with the region's token. */
	private static final class Fixture {
		private final String base;
		private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
		private final String run = UUID.randomUUID().toString().substring(0, 8);
		/** Hospital B's MRN of the person: the PatientID of the study B's PACS sends. */
		private String mrnB;
		private String atB;

		Fixture(String base) {
			this.base = base;
		}

		/** A person registered at A and B, with half the records at each; returns their citizen ID. */
		String person(int resources) throws Exception {
			String citizenId = "PAGES-" + run;
			String atA = patient("hospital-a", citizenId, run);
			mrnB = "PG" + run + "0";
			atB = patient("hospital-b", citizenId, mrnB);
			StringBuilder bundleA = new StringBuilder("{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[");
			StringBuilder bundleB = new StringBuilder("{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[");
			Instant now = Instant.now();
			for (int i = 0; i < resources; i++) {
				String when = now.minus(Duration.ofDays(i + 1)).toString();
				if (i % 2 == 0) {
					bundleA.append(bundleA.charAt(bundleA.length() - 1) == '[' ? "" : ",").append("{\"resource\":{\"resourceType\":\"Encounter\","
							+ "\"meta\":{\"tag\":[{\"system\":\"urn:onetrip:owner\",\"code\":\"hospital-a\"}]},\"status\":\"finished\","
							+ "\"class\":{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ActCode\",\"code\":\"AMB\",\"display\":\"ambulatory\"},"
							+ "\"subject\":{\"reference\":\"Patient/" + atA + "\"},\"period\":{\"start\":\"" + when + "\"}},"
							+ "\"request\":{\"method\":\"POST\",\"url\":\"Encounter\"}}");
				} else {
					bundleB.append(bundleB.charAt(bundleB.length() - 1) == '[' ? "" : ",").append("{\"resource\":{\"resourceType\":\"DiagnosticReport\","
							+ "\"meta\":{\"tag\":[{\"system\":\"urn:onetrip:owner\",\"code\":\"hospital-b\"}]},\"status\":\"final\","
							+ "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"24627-2\",\"display\":\"CT Chest\"}]},"
							+ "\"subject\":{\"reference\":\"Patient/" + atB + "\"},\"effectiveDateTime\":\"" + when + "\","
							+ "\"conclusion\":\"No change.\"},\"request\":{\"method\":\"POST\",\"url\":\"DiagnosticReport\"}}");
				}
			}
			send("POST", "/fhir", bundleA.append("]}").toString());
			send("POST", "/fhir", bundleB.append("]}").toString());
			return citizenId;
		}

		/** Times the doctor's page's two lookups, as the region (no browser). */
		void lookups(String citizenId, int times, Latencies search, Latencies person) throws Exception {
			for (int i = 0; i < times; i++) {
				long start = System.nanoTime();
				JsonNode bundle = JSON.readTree(send("GET", "/fhir/Patient?identifier=urn:onetrip:citizen-id%7C" + citizenId + "&_count=1", null));
				search.record(System.nanoTime() - start);
				String id = bundle.path("entry").get(0).path("resource").path("id").asText();
				start = System.nanoTime();
				send("GET", "/fhir/Patient/" + id + "/$person", null);
				person.record(System.nanoTime() - start);
			}
		}

		/** A practitioner of hospital A with an activation code: {login, code}. */
		String[] doctor() throws Exception {
			String login = "pages-dr-" + run;
			JsonNode activation = JSON.readTree(send("POST", "/fhir/PractitionerRole/hospital-a-zhang-min-role/$account-activation",
					"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"login\",\"valueString\":\"" + login + "\"}]}"));
			for (JsonNode parameter : activation.path("parameter")) {
				if ("activation-code".equals(parameter.path("name").asText())) {
					return new String[] {login, parameter.path("valueString").asText()};
				}
			}
			throw new IllegalStateException("no activation code: " + activation);
		}

		/** One CT study of {@code images} 512 x 512 images of the person, sent by hospital B (STOW-RS); waits until in FHIR. */
		void study(Path work, int images) throws Exception {
			Path directory = work.resolve("pages-bench-study-" + run);
			org.onetrip.bench.dicom.BenchInstances.writeCtStudies(directory, "PG" + run, 1, images, 512, 1, () -> { });
			String boundary = "pages-" + run;
			java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
			try (var files = java.nio.file.Files.list(directory.resolve("part-0"))) {
				for (Path file : files.toList()) {
					body.write(("--" + boundary + "\r\nContent-Type: application/dicom\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
					body.write(java.nio.file.Files.readAllBytes(file));
					body.write("\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
				}
			}
			body.write(("--" + boundary + "--\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
			HttpResponse<String> stored = http.send(BearerToken.on(HttpRequest.newBuilder(URI.create(base + "/dicomweb/studies")))
					.header("Content-Type", "multipart/related; type=\"application/dicom\"; boundary=" + boundary)
					.header("X-OneTrip-Hospital", "hospital-b")
					.POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
			if (stored.statusCode() != 200) {
				throw new IllegalStateException("STOW-RS refused the study: " + stored.statusCode() + " " + stored.body());
			}
			Instant deadline = Instant.now().plusSeconds(60);
			while (Instant.now().isBefore(deadline)) {
				JsonNode found = JSON.readTree(send("GET", "/fhir/ImagingStudy?patient=Patient/" + atB, null));
				if (found.path("entry").size() > 0 && found.path("entry").get(0).path("resource").path("numberOfInstances").asInt() == images) {
					return;
				}
				Thread.sleep(200);
			}
			throw new IllegalStateException("the study never reached FHIR");
		}

		private String patient(String hospital, String citizenId, String mrn) throws Exception {
			String body = "{\"resourceType\":\"Patient\",\"meta\":{\"tag\":[{\"system\":\"urn:onetrip:owner\",\"code\":\"" + hospital + "\"}]},"
					+ "\"identifier\":[{\"system\":\"urn:onetrip:citizen-id\",\"value\":\"" + citizenId + "\"},"
					+ "{\"system\":\"urn:onetrip:mrn:" + hospital + "\",\"value\":\"" + mrn + "\"}],\"name\":[{\"family\":\"Pages\",\"given\":[\"Bench\"]}]}";
			return JSON.readTree(send("POST", "/fhir/Patient", body)).path("id").asText();
		}

		private String send(String method, String path, String body) throws Exception {
			HttpResponse<String> response = http.send(BearerToken.on(HttpRequest.newBuilder(URI.create(base + path)))
					.header("Content-Type", "application/fhir+json").method(method, body == null ? HttpRequest.BodyPublishers.noBody()
							: HttpRequest.BodyPublishers.ofString(body)).build(),
					HttpResponse.BodyHandlers.ofString());
			if (response.statusCode() >= 300) {
				throw new IllegalStateException(method + " " + path + ": " + response.statusCode() + " " + response.body());
			}
			return response.body();
		}
	}
}
