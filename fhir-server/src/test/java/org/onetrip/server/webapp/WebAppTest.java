package org.onetrip.server.webapp;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.onetrip.server.BrowserSession;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.BrowserTest;
import org.onetrip.server.TestTokens;

/**
 * The web application at /app in a real browser (Debian's chromium through Playwright), signed in through OneTrip's
 * authorization server as each kind of person: a doctor finds a person registered at two hospitals and sees both
 * hospitals' records on one timeline; the patient sees their own; an operator sees the region's figures. Anything the
 * page logs as an error fails the test.
 */
class WebAppTest extends BrowserTest {

	static final String CITIZEN = "urn:onetrip:citizen-id";
	static final String PASSWORD = "a long enough password";

	@org.springframework.beans.factory.annotation.Autowired
	org.onetrip.server.scheduling.Rosters rosters;

	/** Today in the region's time zone, by the server's clock. */
	private java.time.LocalDate regionToday() {
		return clock.instant().atZone(rosters.zone()).toLocalDate();
	}

	/** The first day after today on which A's radiology sees patients (the demo roster closes it on Sundays). */
	private String nextWorkingDayOfARadiology() {
		org.onetrip.server.scheduling.Rosters.Roster roster = rosters.rosters().stream()
				.filter(r -> r.serviceId().equals("hospital-a-radiology") && !r.consultation()).findFirst().orElseThrow();
		java.time.LocalDate day = regionToday().plusDays(1);
		while (roster.slotStarts(day, rosters.zone()).isEmpty()) {
			day = day.plusDays(1);
		}
		return day.toString();
	}

	/** The spread of grey levels the viewer's canvas shows (0 for a blank or single-colour picture). */
	static final String GREY_LEVELS_DRAWN = "() => { const v = document.querySelector('#viewer-viewport canvas');"
			+ " const c = document.createElement('canvas'); c.width = v.width; c.height = v.height; const g = c.getContext('2d');"
			+ " g.drawImage(v, 0, 0); const d = g.getImageData(0, 0, c.width, c.height).data; let min = 255, max = 0;"
			+ " for (let k = 0; k < d.length; k += 4) { min = Math.min(min, d[k]); max = Math.max(max, d[k]); } return max - min; }";

	@Test
	void aDoctorFindsAPersonOfTwoHospitalsAndSeesBothOnOneTimeline() throws Exception {
		String citizenId = unique("3302");
		String atA = register("hospital-a", citizenId, "urn:onetrip:mrn:hospital-a", unique("A"));
		String mrnB = unique("B");
		String atB = register("hospital-b", citizenId, "urn:onetrip:mrn:hospital-b", mrnB);
		// B's PACS sends a CT study of 3 images under B's MRN: it becomes an ImagingStudy of B's record.
		org.onetrip.server.dicom.TestInstances.Study study = org.onetrip.server.dicom.TestInstances.Study.ct(mrnB);
		stow("hospital-b", org.onetrip.server.dicom.TestInstances.study(study, 1, 3));
		org.onetrip.server.dicom.TestInstances.awaitImagingStudy(fhir, study.studyUid(), 3);
		// B's CT chest ten days ago, in B's own code; A's visit four days ago.
		report("hospital-b", atB, "RAD1003", java.time.Instant.now().minus(java.time.Duration.ofDays(10)).toString());
		visit("hospital-a", atA, java.time.Instant.now().minus(java.time.Duration.ofDays(4)).toString());
		String login = unique("dr-zhang");
		String code = activation(fhir.as(TestTokens.hospital("hospital-a", "user/*.cruds")),
				"/PractitionerRole/hospital-a-zhang-min-role/$account-activation", new Parameters().addParameter("login", login));

		try (BrowserContext context = browser.phone("en-GB")) {
			Page page = context.newPage();
			List<String> errors = watchForErrors(page);
			signInToTheApp(page, login, code, "doctor", "/app/doctor");
			page.fill("#identifier", CITIZEN + "|" + citizenId);
			page.click("#find");
			page.waitForSelector("#timeline li");
			assertThat(page.textContent("#person-records")).contains("hospital-a", "hospital-b");
			assertThat(page.locator("#timeline li[data-hospital='hospital-b'][data-type='DiagnosticReport']").textContent())
					.contains("City Central Hospital");
			assertThat(page.locator("#timeline li[data-hospital='hospital-a'][data-type='Encounter']").count()).isEqualTo(1);
			// Newest first: A's visit (4 days ago) before B's report (10 days ago).
			assertThat(page.locator("#timeline li").first().getAttribute("data-type")).isEqualTo("Encounter");

			// B's study opens in the viewer (Cornerstone3D, frames from OneTrip's WADO-RS): real pixels, not a blank picture.
			page.click("#timeline li[data-type='ImagingStudy'] button.open-study");
			awaitFirstImage(page, errors);
			assertThat(page.getAttribute("#viewer-viewport", "data-columns")).as("the stored pixel grid").isEqualTo("32");
			assertThat(((Number) page.evaluate(GREY_LEVELS_DRAWN)).intValue()).as("grey levels drawn").isGreaterThan(100);
			assertThat(page.textContent("#image-position")).isEqualTo("1 / 3");
			String first = page.getAttribute("#viewer-viewport", "data-instance");
			page.click("#next-image");
			page.waitForFunction("(first) => document.querySelector('#viewer-viewport').dataset.instance !== first", first);
			assertThat(page.textContent("#image-position")).isEqualTo("2 / 3");
			// Windowing by hand: a drag to the right widens the window.
			String window = page.textContent("#image-window");
			var box = page.locator("#viewer-viewport").boundingBox();
			page.mouse().move(box.x + box.width / 2, box.y + box.height / 2);
			page.mouse().down();
			page.mouse().move(box.x + box.width / 2 + 60, box.y + box.height / 2, new com.microsoft.playwright.Mouse.MoveOptions().setSteps(4));
			page.mouse().up();
			page.waitForFunction("(w) => document.querySelector('#image-window').textContent !== w", window);
			BrowserSession.screenshot(page, "viewer");
			page.click("#close-viewer");
			page.waitForSelector("#exam");

			// The doctor orders a CT chest in A's own code: the card says B did one ten days ago, with the report.
			page.selectOption("#exam", "CT-CHEST");
			page.click("#sign-order");
			page.waitForSelector(".cds-card");
			assertThat(page.textContent(".cds-card .cds-summary")).contains("City Central Hospital");
			assertThat(page.locator(".cds-card a.cds-link").first().getAttribute("href")).contains("/fhir/DiagnosticReport/");
			page.selectOption(".override-reason", new com.microsoft.playwright.options.SelectOption().setIndex(1));
			page.click(".cds-card button.override");
			page.waitForSelector("#order-outcome");
			BrowserSession.screenshot(page, "doctor-view");
			assertThat(page.textContent("#order-outcome")).contains("Ordered despite the earlier exam", "ServiceRequest/");

			page.fill("#identifier", "no-such-identifier-" + unique("x"));
			page.click("#find");
			page.waitForSelector("#find-problem");
			assertThat(page.textContent("#find-problem")).contains("No patient of the region");
			assertThat(errors).as("errors in the browser console").isEmpty();
		}
	}

	@Test
	void aPatientSeesTheirOwnRecordsFromEveryHospital() throws Exception {
		String citizenId = unique("3303");
		String atA = register("hospital-a", citizenId, "urn:onetrip:mrn:hospital-a", unique("A"));
		String mrnB = unique("B");
		String atB = register("hospital-b", citizenId, "urn:onetrip:mrn:hospital-b", mrnB);
		org.onetrip.server.dicom.TestInstances.Study study = org.onetrip.server.dicom.TestInstances.Study.ct(mrnB);
		stow("hospital-b", org.onetrip.server.dicom.TestInstances.study(study, 1, 2));
		org.onetrip.server.dicom.TestInstances.awaitImagingStudy(fhir, study.studyUid(), 2);
		// Someone else's study, which the patient's token must not open.
		String strangerMrn = unique("B");
		register("hospital-b", unique("3398"), "urn:onetrip:mrn:hospital-b", strangerMrn);
		org.onetrip.server.dicom.TestInstances.Study strangers = org.onetrip.server.dicom.TestInstances.Study.ct(strangerMrn);
		stow("hospital-b", org.onetrip.server.dicom.TestInstances.study(strangers, 1, 1));
		org.onetrip.server.dicom.TestInstances.awaitImagingStudy(fhir, strangers.studyUid(), 1);
		report("hospital-b", atB, "US4001", "2026-11-21T09:00:00Z");
		// More visits than one page of search results: the timeline follows the next links.
		StringBuilder visits = new StringBuilder("{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[");
		for (int i = 0; i < 205; i++) {
			visits.append(i == 0 ? "" : ",").append("{\"resource\":{\"resourceType\":\"Encounter\",\"status\":\"finished\",")
					.append("\"class\":{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ActCode\",\"code\":\"AMB\"},")
					.append("\"subject\":{\"reference\":\"Patient/").append(atA).append("\"},\"period\":{\"start\":\"2025-0")
					.append(1 + i % 9).append("-1").append(i % 10).append("\"}},\"request\":{\"method\":\"POST\",\"url\":\"Encounter\"}}");
		}
		FhirHttp.Response stored = fhir.as(TestTokens.hospital("hospital-a", "user/*.cruds")).post("", visits.append("]}").toString(),
				java.util.Map.of("Content-Type", "application/fhir+json"));
		assertThat(stored.status()).as(stored.body()).isEqualTo(200);
		String code = activation(fhir.as(TestTokens.hospital("hospital-a", "user/*.cruds")), "/Patient/" + atA + "/$account-activation",
				new Parameters());
		try (BrowserContext context = browser.phone("en-GB")) {
			Page page = context.newPage();
			List<String> errors = watchForErrors(page);
			signInToTheApp(page, citizenId, code, "patient", "/app/patient");
			page.waitForSelector("#timeline li");
			assertThat(page.locator("#timeline li[data-hospital='hospital-b'][data-type='DiagnosticReport']").textContent()).contains("City Central Hospital");
			assertThat(page.textContent("#timeline-summary")).startsWith("207 items from 2 hospital(s)");
			assertThat(page.locator("#timeline li").count()).as("the newest 100 drawn first").isEqualTo(100);
			page.click("#timeline-more");
			assertThat(page.locator("#timeline li").count()).isEqualTo(207);

			// The patient opens their own study from hospital B; DICOMweb opens it to their token, and no one else's.
			page.click("#timeline li[data-type='ImagingStudy'] button.open-study");
			awaitFirstImage(page, errors);
			assertThat(page.textContent("#image-position")).isEqualTo("1 / 2");
			page.click("#close-viewer");
			String patientToken = TestTokens.patient(atA, "patient/*.rs");
			assertThat(dicomweb("/studies/" + study.studyUid() + "/series", patientToken)).isEqualTo(200);
			assertThat(dicomweb("/studies/" + strangers.studyUid() + "/series", patientToken)).isEqualTo(403);
			assertThat(dicomweb("/studies?PatientID=" + strangerMrn, patientToken)).isEqualTo(403);

			// The health card as a QR code: a scanner at hospital A reads it and finds the person.
			page.click("#show-card");
			page.waitForSelector("#health-card-qr");
			// The image element is there before its data URL is decoded: a screenshot then shows a blank square.
			page.waitForFunction("() => { const qr = document.querySelector('#health-card-qr'); "
					+ "return qr && qr.complete && qr.naturalWidth > 0; }");
			String token = decodeQr(page.locator("#health-card-qr").screenshot());
			FhirHttp.Response resolved = fhir.as(TestTokens.hospital("hospital-a", "user/*.cruds")).post("/Patient/$health-card-resolve",
					new Parameters().addParameter("token", token).addParameter("organization", "Organization/hospital-a"));
			assertThat(resolved.status()).as(resolved.body()).isEqualTo(200);
			assertThat(resolved.bundle().getEntry()).extracting(e -> e.getResource().getIdElement().getIdPart()).containsExactly(atA);
			// A patient's app shows its own person's card only.
			assertThat(fhir.as(TestTokens.patient(atA, "patient/*.rs")).post("/Patient/" + register("hospital-a", unique("3399"),
					"urn:onetrip:mrn:hospital-a", unique("A")) + "/$health-card", new Parameters()).status()).isEqualTo(403);

			// A day without a free place (yesterday): the page says so and offers the next day that has one.
			page.selectOption("#department", "hospital-a-radiology");
			page.fill("#day", regionToday().minusDays(1).toString());
			page.click("#find-slots");
			page.waitForSelector("#no-offers #next-free-day");
			page.click("#next-free-day");
			page.waitForSelector("#offers li[data-slot]");
			assertThat(page.locator("#offers li[data-slot]").first().getAttribute("data-slot"))
					.contains(page.inputValue("#day").replace("-", ""));

			// Book a place at hospital A's radiology on its next working day, see it, cancel it.
			page.fill("#day", nextWorkingDayOfARadiology());
			page.click("#find-slots");
			page.waitForSelector("#offers li");
			BrowserSession.screenshot(page, "patient-app");
			assertThat(page.locator("#offers button.book").count()).as("free places that day").isGreaterThan(1);
			// Others take the last offered slot's places while the page shows it: booking it is refused in plain words.
			String lastSlot = page.locator("#offers li[data-slot]").last().getAttribute("data-slot");
			fillUp(lastSlot);
			page.locator("#offers li[data-slot='" + lastSlot + "'] button.book").click();
			page.waitForSelector("#appointment-problem");
			assertThat(page.textContent("#appointment-problem")).startsWith("That place has just gone");
			page.waitForSelector("#offers li");
			errors.removeIf(e -> e.contains("409")); // the refusal this race was made for
			page.locator("#offers button.book").first().click();
			page.waitForSelector("#appointment-notice");
			assertThat(page.textContent("#appointment-notice")).startsWith("Booked");
			page.waitForSelector("#my-appointments li[data-id]");
			String booked = page.locator("#my-appointments li[data-id]").first().getAttribute("data-id");
			assertThat(fhir.get("/Appointment/" + booked).as(org.hl7.fhir.r4.model.Appointment.class).getStatus())
					.isEqualTo(org.hl7.fhir.r4.model.Appointment.AppointmentStatus.BOOKED);
			page.locator("#my-appointments li[data-id='" + booked + "'] button.cancel").click();
			page.waitForSelector("#appointment-notice:has-text('Cancelled')");
			assertThat(fhir.getFresh("/Appointment/" + booked).as(org.hl7.fhir.r4.model.Appointment.class).getStatus())
					.isEqualTo(org.hl7.fhir.r4.model.Appointment.AppointmentStatus.CANCELLED);

			// Pay once: today's visit at hospital A shows its charges as they happen; the patient settles it from the app.
			// And the follow-up plan hospital A applied for hypertension: the next follow-ups and their due days.
			insuredVisitToday(atA);
			FhirHttp.Response applied = fhir.as(TestTokens.hospital("hospital-a", "user/*.cruds")).post("/PlanDefinition/followup-hypertension/$apply",
					new Parameters().addParameter("subject", "Patient/" + atA));
			assertThat(applied.status()).as(applied.body()).isEqualTo(200);
			page.reload();
			page.waitForSelector("#follow-ups tr.follow-up, #follow-ups .error, #follow-ups p.hint:has-text('No follow-up')");
			assertThat(page.locator("#follow-ups tr.follow-up").count()).as(page.textContent("#follow-ups")).isPositive();
			assertThat(page.locator("#follow-ups tr.follow-up").count()).as("4 visits and a yearly ECG").isEqualTo(5);
			assertThat(page.textContent("#follow-ups")).contains("Follow-up visit with a blood pressure check (1 of 4)", "Yearly ECG");
			page.waitForSelector("#bills .visit-account td");
			assertThat(page.textContent("#bills .visit-account")).contains("Outpatient registration fee", "25.00 CNY");
			page.click("#bills button.settle");
			page.waitForSelector("#bills-notice");
			assertThat(page.textContent("#bills-notice")).startsWith("Settled: you paid 25.00 CNY of 25.00 CNY");
			page.waitForSelector("#bills tr.invoice");
			assertThat(page.locator("#bills .visit-account").count()).as("no visit in progress any more").isZero();
			assertThat(errors).as("errors in the browser console").isEmpty();
		}
	}

	/** Hospital A records the person's Coverage and their arrival today: the visit's Account with its registration fee. */
	private void insuredVisitToday(String patientId) {
		FhirHttp hospitalA = fhir.as(TestTokens.hospital("hospital-a", "user/*.cruds"));
		org.hl7.fhir.r4.model.Coverage coverage = new org.hl7.fhir.r4.model.Coverage()
				.setStatus(org.hl7.fhir.r4.model.Coverage.CoverageStatus.ACTIVE).setBeneficiary(new Reference("Patient/" + patientId));
		coverage.addPayor(new Reference().setDisplay("Provincial Medical Insurance Bureau"));
		coverage.addClass_().setType(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/coverage-class", "plan", null)))
				.setValue("urban-employee");
		assertThat(hospitalA.post("/Coverage", coverage).status()).isEqualTo(201);
		java.time.ZonedDateTime start = java.time.LocalDate.now(java.time.ZoneId.of("Asia/Shanghai")).atTime(9, 30)
				.atZone(java.time.ZoneId.of("Asia/Shanghai"));
		org.hl7.fhir.r4.model.Appointment arrived = new org.hl7.fhir.r4.model.Appointment()
				.setStatus(org.hl7.fhir.r4.model.Appointment.AppointmentStatus.ARRIVED)
				.setStart(java.util.Date.from(start.toInstant())).setEnd(java.util.Date.from(start.plusMinutes(30).toInstant()));
		arrived.addParticipant().setActor(new Reference("Patient/" + patientId))
				.setStatus(org.hl7.fhir.r4.model.Appointment.ParticipationStatus.ACCEPTED);
		arrived.addParticipant().setActor(new Reference("HealthcareService/hospital-a-internal-medicine"))
				.setStatus(org.hl7.fhir.r4.model.Appointment.ParticipationStatus.ACCEPTED);
		FhirHttp.Response created = hospitalA.post("/Appointment", arrived);
		assertThat(created.status()).as(created.body()).isEqualTo(201);
	}

	@Test
	void anOperatorSeesTheRegionsHospitalsAppointmentFiguresAndAFailingSubscription() throws Exception {
		String failing = failingSubscription();
		String login = unique("operator");
		String code = activation(fhir, "/$account-activation", new Parameters().addParameter("login", login)
				.addParameter("name", "Region Operator"));
		try (BrowserContext context = browser.phone("en-GB")) {
			Page page = context.newPage();
			List<String> errors = watchForErrors(page);
			signInToTheApp(page, login, code, "operator", "/app/console");
			page.waitForSelector("#hospitals li");
			assertThat(page.textContent("#hospitals")).contains("City Central Hospital");
			page.waitForSelector("#attempted");
			assertThat(page.textContent("#attempted")).matches("\\d+");
			// The trends: today's appointment attempts go up by one when someone books.
			String todays = "() => { const l = document.querySelector(\"#trend-bookings polyline[data-series='attempted']\");"
					+ " return l ? Number(l.dataset.values.split(',').pop()) : -1; }";
			try {
				page.waitForSelector("#trend-bookings polyline[data-series='attempted']", new Page.WaitForSelectorOptions()
						.setState(com.microsoft.playwright.options.WaitForSelectorState.ATTACHED).setTimeout(15_000));
			} catch (com.microsoft.playwright.PlaywrightException e) {
				throw new AssertionError("the trends were not drawn; the page's errors: " + errors, e);
			}
			int before = ((Number) page.evaluate(todays)).intValue();
			String slot = org.onetrip.server.scheduling.BookingRace.slot(fhir, 5, java.time.Duration.ofDays(2));
			assertThat(fhir.post("/Appointment", org.onetrip.server.scheduling.BookingRace.booked(slot)).status()).isEqualTo(201);
			page.selectOption("#trend-hospital", "hospital-a");
			page.waitForSelector("#trends:not([data-loading])", new Page.WaitForSelectorOptions()
					.setState(com.microsoft.playwright.options.WaitForSelectorState.ATTACHED));
			page.selectOption("#trend-hospital", "");
			page.waitForFunction("(before) => (" + todays + ")() > before", before);
			// The region's DICOM nodes, each echoed now: hospital B's address has nobody listening in the tests.
			page.waitForSelector("#dicom-nodes tr[data-ae='HOSP_B']");
			assertThat(page.getAttribute("#dicom-nodes tr[data-ae='HOSP_B']", "data-echo")).isEqualTo("failed");
			assertThat(page.getAttribute("#dicom-nodes tr[data-ae='CLINIC_C']", "data-echo")).isEqualTo("no address");
			// The reports: referrals by the hospitals' levels and state, today's pay-once figures per hospital.
			page.waitForSelector("#referral-figures");
			page.waitForSelector("#settlement-figures tr[data-hospital='hospital-a']");
			// Background work: the index rebuild and the relink (idle here), the subscription deliveries waiting.
			page.waitForSelector("#background-tasks tr[data-task='prior-exam-reindex']");
			assertThat(page.getAttribute("#subscription-queue", "data-queued")).matches("\\d+");
			BrowserSession.screenshot(page, "region-console");
			// A hospital's receiver that is down: its subscription shows as failing, with OneTrip's reason.
			page.waitForSelector("#subscriptions tr[data-status='error']");
			assertThat(page.locator("#subscriptions tr[data-status='error']").allTextContents())
					.anySatisfy(row -> assertThat(row).contains(failing).contains("could not be reached"));
			// The audit trail: the operator's own sign-in is there (the outbox writes it within a moment).
			page.fill("#audit-subtype", "sign-in");
			boolean found = false;
			for (int i = 0; i < 20 && !found; i++) {
				page.click("#audit-search");
				page.waitForSelector("#audit-events");
				found = page.locator("#audit-events tr[data-subtype='sign-in']").count() > 0;
				if (!found) {
					page.waitForTimeout(500);
				}
			}
			assertThat(found).as("the operator's sign-in in the audit trail").isTrue();
			assertThat(errors).as("errors in the browser console").isEmpty();
		}
	}

	@Test
	void aDoctorSeesTheDepartmentsDayAndAnswersAReferral() {
		String atA = register("hospital-a", unique("3304"), "urn:onetrip:mrn:hospital-a", unique("A"));
		// The first free place of A's radiology's next working day is booked for the patient.
		String workingDay = nextWorkingDayOfARadiology();
		org.hl7.fhir.r4.model.Bundle offers = fhir.get("/Appointment/$find?service=HealthcareService/hospital-a-radiology&start="
				+ workingDay).bundle();
		assertThat(offers.getEntry()).as("free places that day").isNotEmpty();
		org.hl7.fhir.r4.model.Appointment offer = (org.hl7.fhir.r4.model.Appointment) offers.getEntryFirstRep().getResource();
		offer.addParticipant().setActor(new Reference("Patient/" + atA)).setStatus(org.hl7.fhir.r4.model.Appointment.ParticipationStatus.ACCEPTED);
		FhirHttp.Response booked = fhir.post("/Appointment/$book", new Parameters().addParameter(
				new Parameters.ParametersParameterComponent().setName("appt-resource").setResource(offer)));
		assertThat(booked.status()).as(booked.body()).isEqualTo(200);
		String slot = offer.getSlotFirstRep().getReferenceElement().getIdPart();
		// Clinic C refers the patient to hospital A: OneTrip opens the Task A answers.
		org.hl7.fhir.r4.model.ServiceRequest referral = new org.hl7.fhir.r4.model.ServiceRequest();
		referral.setStatus(org.hl7.fhir.r4.model.ServiceRequest.ServiceRequestStatus.ACTIVE);
		referral.setIntent(org.hl7.fhir.r4.model.ServiceRequest.ServiceRequestIntent.ORDER);
		referral.addCategory(new CodeableConcept(new Coding("urn:onetrip:referral-category", "examination", null)));
		referral.setCode(new CodeableConcept(new Coding("http://loinc.org", "24627-2", "CT Chest")).setText("CT Chest"));
		referral.setSubject(new Reference("Patient/" + atA));
		referral.setRequester(new Reference("Organization/clinic-c"));
		referral.addPerformer(new Reference("Organization/hospital-a"));
		String referralId = fhir.post("/ServiceRequest", referral).as(org.hl7.fhir.r4.model.ServiceRequest.class).getIdElement().getIdPart();
		String taskId = fhir.get("/Task?focus=ServiceRequest/" + referralId).bundle().getEntryFirstRep().getResource().getIdElement()
				.getIdPart();

		String login = unique("dr-chen");
		String code = activation(fhir.as(TestTokens.hospital("hospital-a", "user/*.cruds")),
				"/PractitionerRole/hospital-a-chen-wei-role/$account-activation", new Parameters().addParameter("login", login));
		try (BrowserContext context = browser.phone("en-GB")) {
			Page page = context.newPage();
			List<String> errors = watchForErrors(page);
			signInToTheApp(page, login, code, "doctor", "/app/doctor");

			page.click("#tab-day");
			page.waitForSelector("#department-slots");
			page.fill("#department-day", workingDay);
			page.dispatchEvent("#department-day", "change");
			page.waitForSelector("#department-slots tr[data-slot='" + slot + "']");
			assertThat(page.textContent("#department-slots tr[data-slot='" + slot + "'] td.taken")).isEqualTo("1");

			page.click("#tab-referrals");
			page.waitForSelector("#referrals li[data-task='" + taskId + "']");
			String item = "#referrals li[data-task='" + taskId + "']";
			assertThat(page.textContent(item)).contains("CT Chest");
			page.click(item + " button.reject");
			page.waitForSelector("#referral-problem");
			page.fill(item + " input.reason", "No CT slot this month; please refer to Imaging D");
			page.click(item + " button.reject");
			page.waitForSelector("#referral-notice");
			assertThat(fhir.getFresh("/Task/" + taskId).as(org.hl7.fhir.r4.model.Task.class).getStatus())
					.isEqualTo(org.hl7.fhir.r4.model.Task.TaskStatus.REJECTED);
			BrowserSession.screenshot(page, "referral-inbox");
			assertThat(errors).as("errors in the browser console").isEmpty();
		}
	}

	@Test
	void aDoctorReadsTheConsultantsOpinionOnTheTimeline() {
		String citizenId = unique("3305");
		String atA = register("hospital-a", citizenId, "urn:onetrip:mrn:hospital-a", unique("A"));
		// Dr Li of hospital A asks Dr Zhao of the regional imaging centre for a review; he takes it and gives his opinion.
		org.hl7.fhir.r4.model.ServiceRequest request = new org.hl7.fhir.r4.model.ServiceRequest();
		request.setStatus(org.hl7.fhir.r4.model.ServiceRequest.ServiceRequestStatus.ACTIVE);
		request.setIntent(org.hl7.fhir.r4.model.ServiceRequest.ServiceRequestIntent.ORDER);
		request.addCategory(new CodeableConcept(org.onetrip.server.consultation.ConsultationRequests.category()));
		request.setCode(new CodeableConcept().setText("Review of a chest CT"));
		request.setSubject(new Reference("Patient/" + atA));
		request.setRequester(new Reference("PractitionerRole/hospital-a-li-na-role"));
		request.addPerformer(new Reference("PractitionerRole/imaging-d-zhao-qiang-role"));
		request.setAuthoredOn(new java.util.Date());
		FhirHttp.Response asked = fhir.as(TestTokens.hospital("hospital-a", "user/*.cruds")).post("/ServiceRequest", request);
		assertThat(asked.status()).as(asked.body()).isEqualTo(201);
		String consult = asked.as(org.hl7.fhir.r4.model.ServiceRequest.class).getIdElement().getIdPart();
		String taskId = fhir.getFresh("/Task?focus=ServiceRequest/" + consult).bundle().getEntryFirstRep().getResource()
				.getIdElement().getIdPart();
		// Dr Zhao takes it in his consult inbox and gives his opinion there.
		String zhaoLogin = unique("dr-zhao");
		String zhaoCode = activation(fhir.as(TestTokens.hospital("imaging-d", "user/*.cruds")),
				"/PractitionerRole/imaging-d-zhao-qiang-role/$account-activation", new Parameters().addParameter("login", zhaoLogin));
		try (BrowserContext context = browser.phone("en-GB")) {
			Page page = context.newPage();
			List<String> errors = watchForErrors(page);
			signInToTheApp(page, zhaoLogin, zhaoCode, "doctor", "/app/doctor");
			page.click("#tab-consults");
			String item = "#consults li[data-task='" + taskId + "']";
			page.waitForSelector(item);
			assertThat(page.textContent(item)).contains("Review of a chest CT");
			page.click(item + " button.accept");
			page.waitForSelector(item + "[data-status='accepted']");
			page.fill(item + " textarea.opinion", "Calcified granuloma; no follow-up needed");
			page.click(item + " button.send-opinion");
			page.waitForFunction("() => document.querySelector('#consult-notice').textContent.includes('Opinion sent')");
			page.waitForSelector(item, new Page.WaitForSelectorOptions().setState(com.microsoft.playwright.options.WaitForSelectorState.DETACHED));
			assertThat(errors).as("errors in the browser console").isEmpty();
		}
		assertThat(fhir.getFresh("/Task/" + taskId).as(org.hl7.fhir.r4.model.Task.class).getStatus())
				.isEqualTo(org.hl7.fhir.r4.model.Task.TaskStatus.COMPLETED);

		String login = unique("dr-li");
		String code = activation(fhir.as(TestTokens.hospital("hospital-a", "user/*.cruds")),
				"/PractitionerRole/hospital-a-li-na-role/$account-activation", new Parameters().addParameter("login", login));
		try (BrowserContext context = browser.phone("en-GB")) {
			Page page = context.newPage();
			List<String> errors = watchForErrors(page);
			signInToTheApp(page, login, code, "doctor", "/app/doctor");
			// The patient shows their health card: the doctor scans (pastes) its token.
			String card = fhir.post("/Patient/" + atA + "/$health-card", new Parameters()).as(Parameters.class)
					.getParameter("token").getValue().primitiveValue();
			page.fill("#identifier", card);
			page.click("#find");
			page.waitForSelector("#timeline li[data-consultation][data-type='DiagnosticReport']");
			assertThat(page.textContent("#timeline li[data-consultation][data-type='DiagnosticReport']"))
					.contains("Consultation opinion", "Regional Imaging Centre", "Calcified granuloma; no follow-up needed");
			assertThat(page.textContent("#timeline li[data-consultation][data-type='ServiceRequest']")).contains("Consultation", "active");
			BrowserSession.screenshot(page, "consultation-opinion");
			assertThat(errors).as("errors in the browser console").isEmpty();
		}
	}

	@Test
	void aPagePathIsTheApplicationAndAnExpiredSessionAsksToSignInAgain() {
		try (BrowserContext context = browser.phone("en-GB")) {
			Page page = context.newPage();
			List<String> errors = watchForErrors(page);
			// Deep link without a session: the start page, not an error.
			page.navigate(base() + "/app/doctor");
			page.waitForSelector("#as-doctor");
			// A sign-in answer that is not this tab's: said plainly.
			page.navigate(base() + "/app/callback?code=made-up&state=not-ours");
			page.waitForSelector("#sign-in-problem");
			assertThat(page.textContent("#sign-in-problem")).contains("does not belong to this tab");
			assertThat(errors).isEmpty();
			// A session whose token the server no longer takes (expired, revoked): said plainly, and the tab forgets it.
			page.evaluate("() => sessionStorage.setItem('onetrip.session', JSON.stringify({ role: 'doctor', accessToken: 'a.b.c', "
					+ "hospital: 'hospital-a', expiresAt: Date.now() + 60000 }))");
			page.navigate(base() + "/app/doctor");
			page.fill("#identifier", "anything");
			page.click("#find");
			page.waitForSelector("#find-problem");
			assertThat(page.textContent("#find-problem")).contains("Your session has ended");
			assertThat(page.evaluate("() => sessionStorage.getItem('onetrip.session')")).isNull();
		}
	}

	// ---------------------------------------------------------------------------------------------------------------

	/** Books every place of the slot for other patients, over FHIR, until OneTrip says it is full. */
	/** A subscription whose receiver refuses connections, once OneTrip has marked it failing: its endpoint. */
	private String failingSubscription() throws InterruptedException {
		String endpoint = "http://127.0.0.1:9/" + unique("receiver-down");
		String code = unique("down");
		org.hl7.fhir.r4.model.Subscription subscription = new org.hl7.fhir.r4.model.Subscription();
		subscription.setStatus(org.hl7.fhir.r4.model.Subscription.SubscriptionStatus.REQUESTED).setReason("a receiver that is down")
				.setCriteria("Observation?code=urn:onetrip:test:console|" + code);
		subscription.getChannel().setType(org.hl7.fhir.r4.model.Subscription.SubscriptionChannelType.RESTHOOK).setEndpoint(endpoint)
				.setPayload("application/fhir+json");
		FhirHttp hospitalA = fhir.as(TestTokens.mint("lis-a", "hospital-a", "system/*.cruds", null));
		String id = hospitalA.post("/Subscription", subscription).as(org.hl7.fhir.r4.model.Subscription.class).getIdElement().getIdPart();
		Thread.sleep(500); // matched from the next write on (read at once after this commit)
		org.hl7.fhir.r4.model.Observation observation = new org.hl7.fhir.r4.model.Observation();
		observation.setStatus(org.hl7.fhir.r4.model.Observation.ObservationStatus.FINAL);
		observation.getCode().addCoding().setSystem("urn:onetrip:test:console").setCode(code);
		assertThat(hospitalA.post("/Observation", observation).status()).isEqualTo(201);
		long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
		while (hospitalA.get("/Subscription/" + id).as(org.hl7.fhir.r4.model.Subscription.class).getStatus()
				!= org.hl7.fhir.r4.model.Subscription.SubscriptionStatus.ERROR) {
			assertThat(System.nanoTime()).as("marked failing within 30 s").isLessThan(deadline);
			Thread.sleep(200);
		}
		return endpoint;
	}

	private void fillUp(String slotReference) {
		org.hl7.fhir.r4.model.Slot slot = fhir.get("/" + slotReference).as(org.hl7.fhir.r4.model.Slot.class);
		for (int i = 0; i < 50; i++) {
			org.hl7.fhir.r4.model.Appointment appointment = new org.hl7.fhir.r4.model.Appointment();
			appointment.setStatus(org.hl7.fhir.r4.model.Appointment.AppointmentStatus.PROPOSED);
			appointment.setStart(slot.getStart()).setEnd(slot.getEnd()).addSlot(new Reference(slotReference));
			appointment.addParticipant().setActor(new Reference("HealthcareService/hospital-a-radiology"))
					.setStatus(org.hl7.fhir.r4.model.Appointment.ParticipationStatus.ACCEPTED);
			appointment.addParticipant().setActor(new Reference("Patient/" + register("hospital-a", unique("3397"),
					"urn:onetrip:mrn:hospital-a", unique("A")))).setStatus(org.hl7.fhir.r4.model.Appointment.ParticipationStatus.ACCEPTED);
			FhirHttp.Response booked = fhir.post("/Appointment/$book", new Parameters().addParameter(
					new Parameters.ParametersParameterComponent().setName("appt-resource").setResource(appointment)));
			if (booked.status() == 409) {
				return;
			}
			assertThat(booked.status()).as(booked.body()).isEqualTo(200);
		}
		throw new AssertionError(slotReference + " never filled up");
	}

	private int dicomweb(String path, String token) throws Exception {
		return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base() + "/dicomweb" + path))
				.header("Authorization", "Bearer " + token).header("Accept", "application/dicom+json").GET().build(),
				java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
	}

	/** STOW-RS of these files as {@code hospital}'s PACS. */
	private void stow(String hospital, List<java.nio.file.Path> files) throws Exception {
		org.onetrip.server.dicom.TestInstances.stow(base(), hospital, files);
	}

	private static String decodeQr(byte[] png) {
		try {
			java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png));
			var bitmap = new com.google.zxing.BinaryBitmap(new com.google.zxing.common.HybridBinarizer(
					new com.google.zxing.client.j2se.BufferedImageLuminanceSource(image)));
			return new com.google.zxing.qrcode.QRCodeReader().decode(bitmap).getText();
		} catch (Exception e) {
			throw new AssertionError("the page's QR code cannot be read: " + e, e);
		}
	}

	/** Until the viewer has drawn its first image; the page's errors say why when it does not. */
	private static void awaitFirstImage(Page page, List<String> errors) {
		try {
			page.waitForSelector("#viewer-viewport[data-instance]", new Page.WaitForSelectorOptions().setTimeout(20_000));
		} catch (com.microsoft.playwright.PlaywrightException e) {
			throw new AssertionError("the viewer drew no image; the page's errors: " + errors + "; the viewer: "
					+ page.innerHTML("#viewer"), e);
		}
	}

	private String base() {
		return "http://127.0.0.1:" + port;
	}

	/** Console errors, uncaught exceptions and refused requests of the page (with their addresses). */
	private static List<String> watchForErrors(Page page) {
		List<String> errors = new ArrayList<>();
		page.onConsoleMessage(message -> {
			if ("error".equals(message.type())) {
				errors.add(message.text() + " " + message.location());
			}
		});
		page.onResponse(response -> {
			if (response.status() >= 400) {
				errors.add(response.status() + " " + response.url());
			}
		});
		page.onPageError(errors::add);
		return errors;
	}

	private String register(String hospital, String citizenId, String mrnSystem, String mrn) {
		Patient patient = new Patient();
		patient.addName().setFamily(unique("Web")).addGiven("Lan");
		patient.addIdentifier().setSystem(CITIZEN).setValue(citizenId);
		patient.addIdentifier().setSystem(mrnSystem).setValue(mrn);
		FhirHttp.Response created = fhir.as(TestTokens.hospital(hospital, "user/*.cruds")).post("/Patient", patient);
		assertThat(created.status()).as(created.body()).isIn(200, 201);
		return created.as(Patient.class).getIdElement().getIdPart();
	}

	/** A final report in the hospital's own exam code (its code map says which regional exam it is). */
	private void report(String hospital, String patientId, String localCode, String when) {
		DiagnosticReport report = new DiagnosticReport();
		report.setStatus(DiagnosticReport.DiagnosticReportStatus.FINAL);
		report.setCode(new CodeableConcept(new Coding("urn:onetrip:exam-code:" + hospital, localCode, null)));
		report.setSubject(new Reference("Patient/" + patientId));
		report.setEffective(new org.hl7.fhir.r4.model.DateTimeType(when));
		FhirHttp.Response created = fhir.as(TestTokens.hospital(hospital, "user/*.cruds")).post("/DiagnosticReport", report);
		assertThat(created.status()).as(created.body()).isEqualTo(201);
	}

	private void visit(String hospital, String patientId, String when) {
		Encounter encounter = new Encounter();
		encounter.setStatus(Encounter.EncounterStatus.FINISHED);
		encounter.setClass_(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", "ambulatory"));
		encounter.setSubject(new Reference("Patient/" + patientId));
		encounter.getPeriod().setStartElement(new org.hl7.fhir.r4.model.DateTimeType(when));
		FhirHttp.Response created = fhir.as(TestTokens.hospital(hospital, "user/*.cruds")).post("/Encounter", encounter);
		assertThat(created.status()).as(created.body()).isEqualTo(201);
	}

	private static String activation(FhirHttp as, String path, Parameters parameters) {
		FhirHttp.Response response = as.post(path, parameters);
		assertThat(response.status()).as(response.body()).isEqualTo(200);
		return response.as(Parameters.class).getParameterValue("activation-code").primitiveValue();
	}

	private void activate(Page page, String login, String code) {
		page.navigate(base() + "/account/activate");
		page.fill("#login", login);
		page.fill("#code", code);
		page.fill("#password", PASSWORD);
		page.fill("#confirm", PASSWORD);
		page.click("#activate");
		page.waitForURL(url -> url.contains("activated"));
	}

	/** A person's first visit: the account activated with the desk's code, then /app, who they are, sign-in, their page. */
	private void signInToTheApp(Page page, String login, String code, String role, String landing) {
		activate(page, login, code);
		page.navigate(base() + "/app");
		page.click("#as-" + role);
		signIn(page, login);
		page.waitForURL(url -> url.endsWith(landing));
	}

	private static void signIn(Page page, String login) {
		page.waitForURL(url -> url.contains("/signin"));
		page.fill("#login", login);
		page.fill("#password", PASSWORD);
		page.click("#sign-in");
	}
}
