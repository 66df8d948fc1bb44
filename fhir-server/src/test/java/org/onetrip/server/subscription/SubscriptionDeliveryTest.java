package org.onetrip.server.subscription;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Subscription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.ServerTest;
import org.onetrip.server.TestTokens;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Subscriptions delivered to a real HTTP receiver started by the test: what matches and the hospital may receive
 * arrives with the resource and the subscriber's headers; nothing else does; a receiver that fails and recovers gets
 * everything, in order, and the Subscription shows the failure meanwhile; a receiver that hangs delays nobody else;
 * a Subscription OneTrip cannot deliver is refused and not stored.
 */
class SubscriptionDeliveryTest extends ServerTest {

	static final String CITIZEN = "urn:onetrip:citizen-id";
	static final String RUN_CODES = "urn:onetrip:test:subscriptions";

	@Autowired
	ActiveSubscriptions active;

	HookReceiver receiver;
	FhirHttp systemA;
	FhirHttp hospitalB;
	String run;
	/** A patient of hospital A (and B); Y is hospital B's only. */
	String xAtA;
	String xAtB;
	String yAtB;

	@BeforeEach
	void people() throws Exception {
		receiver = new HookReceiver();
		systemA = fhir.as(TestTokens.mint("lis-a", "hospital-a", "system/*.cruds", null));
		hospitalB = fhir.as(TestTokens.hospital("hospital-b", "user/*.cruds"));
		run = unique("subs");
		xAtA = created(systemA.post("/Patient", patient(run + "-x", "urn:onetrip:mrn:hospital-a")));
		xAtB = created(hospitalB.post("/Patient", patient(run + "-x", "urn:onetrip:mrn:hospital-b")));
		yAtB = created(hospitalB.post("/Patient", patient(run + "-y", "urn:onetrip:mrn:hospital-b")));
	}

	@AfterEach
	void stopReceiver() {
		receiver.close();
	}

	private static Patient patient(String citizenId, String mrnSystem) {
		Patient patient = new Patient();
		patient.addIdentifier().setSystem(CITIZEN).setValue(citizenId);
		patient.addIdentifier().setSystem(mrnSystem).setValue(unique("mrn"));
		patient.addName().setFamily("Notified").addGiven(citizenId);
		return patient;
	}

	private String observation(String patientId, String code) {
		Observation observation = new Observation();
		observation.setStatus(Observation.ObservationStatus.FINAL);
		observation.getCode().addCoding().setSystem(RUN_CODES).setCode(code);
		observation.getSubject().setReference("Patient/" + patientId);
		return created(hospitalB.post("/Observation", observation));
	}

	private static String created(FhirHttp.Response response) {
		assertThat(response.status()).as(response.toString()).isEqualTo(201);
		return response.fhirContext().newJsonParser().parseResource(response.body()).getIdElement().getIdPart();
	}

	private Subscription subscription(String endpoint, String criteria) {
		Subscription subscription = new Subscription();
		subscription.setStatus(Subscription.SubscriptionStatus.REQUESTED);
		subscription.setReason("test " + run);
		subscription.setCriteria(criteria);
		subscription.getChannel().setType(Subscription.SubscriptionChannelType.RESTHOOK).setEndpoint(endpoint)
				.setPayload("application/fhir+json").addHeader("Authorization: Bearer receiver-secret");
		return subscription;
	}

	/** Creates it as hospital A's system and waits until it matches writes (this instance reads it at once). */
	private Subscription subscribe(Subscription subscription) throws InterruptedException {
		return subscribe(subscription, "Observation");
	}

	private Subscription subscribe(Subscription subscription, String aboutType) throws InterruptedException {
		FhirHttp.Response response = systemA.post("/Subscription", subscription);
		assertThat(response.status()).as(response.toString()).isEqualTo(201);
		Subscription stored = response.as(Subscription.class);
		assertThat(stored.getStatus()).isEqualTo(Subscription.SubscriptionStatus.ACTIVE);
		awaitMatching(stored.getIdElement().getIdPart(), aboutType);
		return stored;
	}

	/** Until this instance matches writes of the type against the subscription (it reads it at once after the commit). */
	private void awaitMatching(String id, String aboutType) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (active.of(aboutType).stream().noneMatch(a -> a.id().equals(id))) {
			assertThat(System.nanoTime()).as("subscription active within 10 s").isLessThan(deadline);
			Thread.sleep(20);
		}
	}

	private String criteria() {
		return "Observation?code=" + RUN_CODES + "|" + run;
	}

	@Test
	void aMatchingWriteReachesTheReceiverWithTheResourceAndNothingElseDoes() throws Exception {
		Subscription subscription = subscribe(subscription(receiver.url("/hook"), criteria()));

		String ofX = observation(xAtB, run);
		observation(xAtB, run + "-other"); // does not match the criteria
		observation(yAtB, run); // matches, but Y is not hospital A's patient

		HookReceiver.Received got = receiver.next(Duration.ofSeconds(10));
		assertThat(got).as("a notification within 10 s").isNotNull();
		assertThat(got.method()).isEqualTo("PUT");
		assertThat(got.path()).isEqualTo("/hook/Observation/" + ofX);
		assertThat(got.header("Authorization")).isEqualTo("Bearer receiver-secret");
		assertThat(got.header("X-OneTrip-Subscription")).isEqualTo("Subscription/" + subscription.getIdElement().getIdPart());
		assertThat(got.header("X-OneTrip-Delivery")).matches("\\d+");
		Observation delivered = fhirContext.newJsonParser().parseResource(Observation.class, got.body());
		assertThat(delivered.getSubject().getReference()).isEqualTo("Patient/" + xAtB);

		assertThat(receiver.next(Duration.ofSeconds(2))).as("nothing else delivered").isNull();
	}

	@Test
	void aTopicSubscriptionGetsANotificationBundleForEachEventAboutTheWholePerson() throws Exception {
		Subscription subscription = subscription(receiver.url("/topic"), Topic.REPORT_FINAL.url());
		subscription.getMeta().addProfile("http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription");
		// Hospital A names its own record of X; the reports come on hospital B's record of the same person.
		subscription.getCriteriaElement().addExtension(
				"http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-filter-criteria",
				new org.hl7.fhir.r4.model.StringType("DiagnosticReport?patient=Patient/" + xAtA));
		subscription.getChannel().getPayloadElement().addExtension(
				"http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content",
				new org.hl7.fhir.r4.model.CodeType("full-resource"));
		String id = subscribe(subscription, "DiagnosticReport").getIdElement().getIdPart();

		DiagnosticReport report = new DiagnosticReport().setStatus(DiagnosticReport.DiagnosticReportStatus.PRELIMINARY);
		report.getCode().addCoding().setSystem(RUN_CODES).setCode(run);
		report.getSubject().setReference("Patient/" + xAtB);
		String reportId = created(hospitalB.post("/DiagnosticReport", report));
		report.setId(reportId);
		report.setStatus(DiagnosticReport.DiagnosticReportStatus.FINAL);
		assertThat(hospitalB.put("/DiagnosticReport/" + reportId, report).status()).isEqualTo(200);
		report.setConclusion("No change: saved again");
		assertThat(hospitalB.put("/DiagnosticReport/" + reportId, report).status()).isEqualTo(200);
		DiagnosticReport ofY = new DiagnosticReport().setStatus(DiagnosticReport.DiagnosticReportStatus.FINAL);
		ofY.getCode().addCoding().setSystem(RUN_CODES).setCode(run);
		ofY.getSubject().setReference("Patient/" + yAtB);
		created(hospitalB.post("/DiagnosticReport", ofY));

		HookReceiver.Received got = receiver.next(Duration.ofSeconds(10));
		assertThat(got).as("a notification within 10 s").isNotNull();
		assertThat(got.method()).isEqualTo("POST");
		assertThat(got.path()).isEqualTo("/topic");
		assertThat(got.header("X-OneTrip-Event")).isEqualTo("1");
		Bundle notification = fhirContext.newJsonParser().parseResource(Bundle.class, got.body());
		assertThat(notification.getType()).isEqualTo(Bundle.BundleType.HISTORY);
		Parameters status = (Parameters) notification.getEntryFirstRep().getResource();
		assertThat(status.getParameter("type").getValue().primitiveValue()).isEqualTo("event-notification");
		assertThat(status.getParameter("topic").getValue().primitiveValue()).isEqualTo(Topic.REPORT_FINAL.url());
		assertThat(((Reference) status.getParameter("subscription").getValue()).getReference()).isEqualTo("Subscription/" + id);
		Parameters.ParametersParameterComponent event = status.getParameter("notification-event");
		assertThat(event.getPart()).anySatisfy(p -> {
			assertThat(p.getName()).isEqualTo("event-number");
			assertThat(p.getValue().primitiveValue()).isEqualTo("1");
		});
		assertThat(event.getPart()).anySatisfy(p -> {
			assertThat(p.getName()).isEqualTo("focus");
			assertThat(((Reference) p.getValue()).getReference()).endsWith("/DiagnosticReport/" + reportId);
		});
		DiagnosticReport focus = (DiagnosticReport) notification.getEntry().get(1).getResource();
		assertThat(focus.getStatus()).isEqualTo(DiagnosticReport.DiagnosticReportStatus.FINAL);
		assertThat(focus.hasConclusion()).as("the report as the event's write left it").isFalse();

		assertThat(receiver.next(Duration.ofSeconds(2))).as("saving a final report again, or Y's report, is no event for A").isNull();
		assertThat(fhir.get("/metadata").body()).contains(Topic.REPORT_FINAL.url());
	}

	@Test
	void anUnknownTopicOrAFilterOnAnotherResourceIsRefused() {
		assertRefused(subscription(receiver.url("/topic"), Topic.CANONICAL_BASE + "no-such-topic"), "does not publish");
		Subscription wrongFilter = subscription(receiver.url("/topic"), Topic.IMAGING_STUDY_NEW.url());
		wrongFilter.getCriteriaElement().addExtension(
				"http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-filter-criteria",
				new org.hl7.fhir.r4.model.StringType("DiagnosticReport?patient=Patient/" + xAtA));
		assertRefused(wrongFilter, "ImagingStudy?");
	}

	@Test
	void aReceiverThatFailsGetsEverythingInOrderOnceItRecoversAndTheSubscriptionShowsTheFailure() throws Exception {
		receiver.refusingFirst(3);
		Subscription subscription = subscribe(subscription(receiver.url("/hook"), criteria()));
		String id = subscription.getIdElement().getIdPart();

		String first = observation(xAtB, run);
		String second = observation(xAtB, run);

		Subscription.SubscriptionStatus seen = waitForStatus(id, Subscription.SubscriptionStatus.ERROR, Duration.ofSeconds(20));
		assertThat(seen).isEqualTo(Subscription.SubscriptionStatus.ERROR);
		assertThat(systemA.get("/Subscription/" + id).as(Subscription.class).getError()).contains("answered 500");

		HookReceiver.Received one = receiver.next(Duration.ofSeconds(30));
		HookReceiver.Received two = receiver.next(Duration.ofSeconds(10));
		assertThat(one).isNotNull();
		assertThat(two).isNotNull();
		assertThat(List.of(one.path(), two.path())).containsExactly("/hook/Observation/" + first, "/hook/Observation/" + second);
		assertThat(waitForStatus(id, Subscription.SubscriptionStatus.ACTIVE, Duration.ofSeconds(10)))
				.isEqualTo(Subscription.SubscriptionStatus.ACTIVE);
	}

	@Test
	void aReceiverThatHangsDelaysNoOtherSubscriber() throws Exception {
		try (HookReceiver hanging = new HookReceiver().hangingFor(Duration.ofSeconds(15))) {
			subscribe(subscription(hanging.url("/slow"), criteria()));
			subscribe(subscription(receiver.url("/quick"), criteria()));

			long started = System.nanoTime();
			String written = observation(xAtB, run);

			HookReceiver.Received got = receiver.next(Duration.ofSeconds(5));
			assertThat(got).as("the quick receiver served while the other hangs").isNotNull();
			assertThat(got.path()).isEqualTo("/quick/Observation/" + written);
			assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
		}
	}

	@Test
	void aSubscriptionOneTripCannotDeliverIsRefusedAndNotStored() {
		String endpoint = receiver.url("/refused-" + run);
		Subscription websocket = subscription(endpoint, criteria());
		websocket.getChannel().setType(Subscription.SubscriptionChannelType.WEBSOCKET);
		assertRefused(websocket, "rest-hook");
		assertRefused(subscription(endpoint, "NoSuchType?code=x"), "resource type");
		assertRefused(subscription(endpoint, "Observation?no-such-parameter=1"), "no-such-parameter");
		assertRefused(subscription("ftp://127.0.0.1/" + run, criteria()), "http");
		Subscription badHeader = subscription(endpoint, criteria());
		badHeader.getChannel().getHeader().clear();
		badHeader.getChannel().addHeader("no colon here");
		assertRefused(badHeader, "Name: value");

		assertThat(fhir.get("/Subscription?url=" + endpoint).bundle().getEntry()).isEmpty();
	}

	@Test
	void aPatientsAppIsNotifiedOfItsOwnPersonsRecordsOnly() throws Exception {
		FhirHttp xsApp = fhir.as(TestTokens.patient(xAtA, "patient/*.cruds"));
		FhirHttp ysApp = fhir.as(TestTokens.patient(yAtB, "patient/*.cruds"));
		FhirHttp.Response response = xsApp.post("/Subscription", subscription(receiver.url("/app"), criteria()));
		assertThat(response.status()).as(response.toString()).isEqualTo(201);
		String id = response.as(Subscription.class).getIdElement().getIdPart();
		awaitMatching(id, "Observation");

		observation(yAtB, run); // another person's
		String ofX = observation(xAtB, run); // X's record at hospital B: the same person as the app's

		HookReceiver.Received got = receiver.next(Duration.ofSeconds(10));
		assertThat(got).isNotNull();
		assertThat(got.path()).isEqualTo("/app/Observation/" + ofX);
		assertThat(receiver.next(Duration.ofSeconds(2))).isNull();
		// The subscription is the app's person's: another patient neither reads nor deletes it, nor does a hospital read it.
		assertThat(xsApp.get("/Subscription/" + id).status()).isEqualTo(200);
		assertThat(ysApp.get("/Subscription/" + id).status()).isEqualTo(403);
		assertThat(ysApp.delete("/Subscription/" + id).status()).isEqualTo(403);
		assertThat(hospitalB.get("/Subscription/" + id).status()).isEqualTo(404);

		// A hospital's subscription tagged as a patient's by its sender stays the hospital's: X's app does not see it.
		Subscription tagged = subscription(receiver.url("/hospital"), criteria());
		tagged.getMeta().addTag("urn:onetrip:subscriber-patient", xAtA, null);
		String hospitals = systemA.post("/Subscription", tagged).as(Subscription.class).getIdElement().getIdPart();
		assertThat(xsApp.get("/Subscription/" + hospitals).status()).isEqualTo(403);
	}

	@Test
	void aHospitalSeesOnlyItsOwnSubscriptions() throws Exception {
		Subscription subscription = subscribe(subscription(receiver.url("/hook"), criteria()));
		String id = subscription.getIdElement().getIdPart();

		assertThat(hospitalB.get("/Subscription/" + id).status()).isEqualTo(404);
		assertThat(systemA.get("/Subscription/" + id).status()).isEqualTo(200);
		assertThat(fhir.get("/Subscription/" + id).status()).isEqualTo(200);
	}

	private void assertRefused(Subscription subscription, String words) {
		FhirHttp.Response response = systemA.post("/Subscription", subscription);
		assertThat(response.status()).as(response.toString()).isEqualTo(422);
		assertThat(response.outcome().getIssueFirstRep().getDiagnostics()).contains(words);
	}

	private Subscription.SubscriptionStatus waitForStatus(String id, Subscription.SubscriptionStatus wanted, Duration within)
			throws InterruptedException {
		long deadline = System.nanoTime() + within.toNanos();
		Subscription.SubscriptionStatus status;
		do {
			status = systemA.get("/Subscription/" + id).as(Subscription.class).getStatus();
			if (status == wanted) {
				return status;
			}
			Thread.sleep(100);
		} while (System.nanoTime() < deadline);
		return status;
	}
}
