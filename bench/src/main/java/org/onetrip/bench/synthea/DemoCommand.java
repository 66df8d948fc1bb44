package org.onetrip.bench.synthea;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.onetrip.bench.Args;
import org.onetrip.terminology.region.Region;
import org.onetrip.terminology.region.RegionConfig;

/**
 * {@code ./onetrip demo --patients N [--seed S] [--threads T]}: generates N patients with Synthea,
 * places them in the region's hospitals and loads them into the running server.
 */
public final class DemoCommand {

	public static void main(String[] argv) throws Exception {
		Args args = new Args(argv);
		int patients = args.integer("patients", 20);
		long seed = args.integer("seed", 42);
		int threads = args.integer("threads", 3);
		URI fhir = URI.create(args.required("fhir"));
		Region region = RegionConfig.load(Path.of(args.required("region")));

		requireServer(fhir);
		List<Path> bundles = new SyntheaRunner(Path.of(args.required("synthea-lib")), Path.of(args.required("work")))
				.bundles(patients, seed);
		BundleLoader.Result result = new BundleLoader(fhir, new Regionaliser(region), threads).load(bundles);

		System.out.printf(Locale.ROOT, "Loaded %d bundles, %,d resources in %.1f s: %,.0f resources/s%n",
				result.bundles(), result.resources(), result.seconds(), result.resourcesPerSecond());
		if (!result.failures().isEmpty()) {
			System.err.println(result.failures().size() + " bundle(s) failed:");
			result.failures().stream().limit(20).forEach(f -> System.err.println("  " + f));
			System.exit(1);
		}
	}

	private static void requireServer(URI fhir) throws InterruptedException {
		try {
			HttpResponse<Void> response = HttpClient.newHttpClient().send(
					HttpRequest.newBuilder(URI.create(fhir + "/metadata")).timeout(Duration.ofSeconds(10)).GET().build(),
					HttpResponse.BodyHandlers.discarding());
			if (response.statusCode() == 200) {
				return;
			}
		} catch (java.io.IOException e) {
			// fall through to the message below
		}
		System.err.println("No OneTrip server answers at " + fhir + ". Start it first with ./onetrip run (in another terminal).");
		System.exit(2);
	}
}
