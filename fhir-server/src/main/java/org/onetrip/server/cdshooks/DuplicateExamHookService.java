package org.onetrip.server.cdshooks;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.Patient;
import org.onetrip.server.priorexam.DuplicateExamCheck;
import org.onetrip.server.identity.PersonResolver;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.terminology.region.Hospital;

/**
 * One hook call: who the patient is across the region, which draft orders repeat a prior exam,
 * the cards, and the ledger entry of every reminder issued.
 */
public class DuplicateExamHookService {

	/** The CDS service could not get the patient: 412, as CDS Hooks prescribes. */
	public static class PatientUnavailable extends RuntimeException {
		public PatientUnavailable(String message) {
			super(message);
		}
	}

	private final PersonResolver persons;
	private final DuplicateExamCheck check;
	private final DuplicateExamCards cards;
	private final ReminderLedger ledger;
	private final RegionDirectory directory;
	private final FhirContext fhirContext;
	private final Clock clock;
	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

	public DuplicateExamHookService(PersonResolver persons, DuplicateExamCheck check, DuplicateExamCards cards,
			ReminderLedger ledger, RegionDirectory directory, FhirContext fhirContext, Clock clock) {
		this.persons = persons;
		this.check = check;
		this.cards = cards;
		this.ledger = ledger;
		this.directory = directory;
		this.fhirContext = fhirContext;
		this.clock = clock;
	}

	/** @param ownFhirBase OneTrip's FHIR base as this caller reaches it */
	public List<DuplicateExamCards.IssuedCard> call(String serviceId, CdsHookRequest request, String ownFhirBase) {
		Instant now = clock.instant();
		Set<String> person = person(request, ownFhirBase);
		String userHospital = directory.hospitalOf(request.userId()).map(Hospital::key).orElse(null);
		List<DuplicateExamCheck.OrderCheck> checks = check.check(person, request.orders(), userHospital, now);
		List<DuplicateExamCards.IssuedCard> issued = cards.cards(checks, ownFhirBase, now);
		for (DuplicateExamCards.IssuedCard card : issued) {
			var c = card.check();
			if (c.finding() != null && c.finding().isDuplicate()) {
				ledger.issued(new ReminderLedger.Reminder(card.uuid(), serviceId, request.hookInstance(), now,
						c.orderingHospital(), c.finding().ordered().code(), person.stream().findFirst().orElse(null),
						c.finding().repeats().get(0).source(), c.finding().emergency(), request.userId(), null, null));
			}
		}
		return issued;
	}

	/**
	 * The regional Patients of the person. With a prefetched Patient its identifiers decide (its id is the
	 * ordering system's, not OneTrip's); otherwise the Patient is read from OneTrip, or fetched from the
	 * ordering system's FHIR server when the hook names another one.
	 */
	private Set<String> person(CdsHookRequest request, String ownFhirBase) {
		boolean ownServer = request.fhirServer().map(s -> sameBase(s, ownFhirBase)).orElse(true);
		Set<String> ids = new LinkedHashSet<>();
		if (request.prefetchPatient().isPresent()) {
			ids.addAll(persons.byIdentifiers(request.prefetchPatient().get().getIdentifier()));
			if (ownServer) {
				ids.addAll(persons.byPatientId(request.patientId()));
			}
			return ids;
		}
		if (ownServer) {
			Set<String> local = persons.byPatientId(request.patientId());
			if (local.isEmpty()) {
				throw new PatientUnavailable("Patient/" + request.patientId() + " does not exist on this server");
			}
			return local;
		}
		Patient remote = fetch(request.fhirServer().get(), request.patientId(), request.fhirAccessToken());
		return persons.byIdentifiers(remote.getIdentifier());
	}

	private Patient fetch(String fhirServer, String patientId, Optional<String> token) {
		String url = fhirServer.replaceFirst("/+$", "") + "/Patient/" + patientId;
		try {
			HttpRequest.Builder get = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
					.header("Accept", "application/fhir+json").GET();
			token.ifPresent(t -> get.header("Authorization", "Bearer " + t));
			HttpResponse<String> response = http.send(get.build(), HttpResponse.BodyHandlers.ofString());
			if (response.statusCode() != 200) {
				throw new PatientUnavailable("no prefetch was sent and " + url + " answered " + response.statusCode());
			}
			return fhirContext.newJsonParser().parseResource(Patient.class, response.body());
		} catch (IOException | IllegalArgumentException | ca.uhn.fhir.parser.DataFormatException e) {
			throw new PatientUnavailable("no prefetch was sent and " + url + " could not be read: " + e.getMessage());
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new PatientUnavailable("interrupted while reading " + url);
		}
	}

	private static boolean sameBase(String a, String b) {
		return a.replaceFirst("/+$", "").equalsIgnoreCase(b.replaceFirst("/+$", ""));
	}
}
