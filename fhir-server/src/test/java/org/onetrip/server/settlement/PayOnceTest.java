package org.onetrip.server.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.hl7.fhir.r4.model.Account;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.ChargeItem;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.ClaimResponse;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Coverage;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Invoice;
import org.hl7.fhir.r4.model.MedicationDispense;
import org.hl7.fhir.r4.model.Money;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.PaymentReconciliation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Type;
import org.junit.jupiter.api.Test;
import org.onetrip.server.AtOnce;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.ServerTest;
import org.onetrip.server.TestClock;
import org.onetrip.server.TestTokens;

/**
 * Pay once (seed 002) over HTTP: a whole visit charged as it happens, adjudicated at once, settled once; the deductible
 * shared by every hospital under concurrency; two kiosks settling at once; the refusals that change nothing.
 */
class PayOnceTest extends ServerTest {

	static final ZoneId REGION_ZONE = ZoneId.of("Asia/Shanghai");
	static final String CITIZEN = "urn:onetrip:citizen-id";
	static final String LOINC = "http://loinc.org";
	static final String ATC = "http://www.whocc.no/atc";
	static final Coding HYPERTENSION = new Coding("http://hl7.org/fhir/sid/icd-10", "I10", "Essential hypertension");
	static final String INTERNAL_MEDICINE = "HealthcareService/hospital-a-internal-medicine";

	@Test
	void aWholeVisitIsChargedAsItHappensAndSettledOnce() {
		String patient = patient("hospital-a", unique("330100"));
		coverage(patient, "urban-employee");
		LocalDate today = LocalDate.now(REGION_ZONE);
		Map<String, BigDecimal> before = report(today, "hospital-a");

		Encounter visit = arrive(patient, INTERNAL_MEDICINE, today);
		String account = accountOf(visit);
		ChargeItem fee = fhir.get("/ChargeItem?account=Account/" + account).bundle().getEntry().stream()
				.map(e -> (ChargeItem) e.getResource()).findFirst().orElseThrow();
		assertThat(fee.getPriceOverride().getValue()).isEqualByComparingTo("25.00");
		Account opened = fhir.get("/Account/" + account).as(Account.class);
		assertThat(opened.getStatus()).isEqualTo(Account.AccountStatus.ACTIVE);
		assertThat(opened.getCoverageFirstRep().getCoverage().getReference()).startsWith("Coverage/");
		assertThat(opened.getOwner().getReference()).isEqualTo("Organization/hospital-a");
		assertThat(adjudication(fee, "deductible")).as("the fee goes to the year's deductible").isEqualByComparingTo("25.00");

		String ct = order(patient, "hospital-a", visit, LOINC, "24725-4", "CT Head");
		ChargeItem ctCharge = chargeMadeBy("ServiceRequest/" + ct);
		assertThat(ctCharge.getPriceOverride().getValue()).isEqualByComparingTo("300.00");
		assertThat(ctCharge.getAccountFirstRep().getReference()).isEqualTo("Account/" + account);
		assertThat(adjudication(ctCharge, "eligible")).isEqualByComparingTo("210.00");
		assertThat(adjudication(ctCharge, "deductible")).as("what is left of the 100.00").isEqualByComparingTo("75.00");
		assertThat(adjudication(ctCharge, "benefit")).isEqualByComparingTo("135.00");
		assertThat(adjudication(ctCharge, "copay")).isEqualByComparingTo("165.00");
		finalReport(patient, ct, visit);
		assertThat(fhir.get("/ChargeItem?account=Account/" + account).bundle().getEntry()).as("the report does not charge the exam again")
				.hasSize(2);

		ChargeItem drug = chargeMadeBy("MedicationDispense/" + dispense(patient, visit, "J01CA04", "amoxicillin", 21));
		assertThat(drug.getPriceOverride().getValue()).isEqualByComparingTo("12.60");
		assertThat(adjudication(drug, "benefit")).isEqualByComparingTo("7.56");

		try (TestClock.Moved dayTwo = clock.movedOn(Duration.ofDays(1))) {
			Encounter revisit = arrive(patient, INTERNAL_MEDICINE, today.plusDays(1));
			assertThat(accountOf(revisit)).as("the revisit the registration covers shares its Account").isEqualTo(account);
			ChargeItem lab = chargeMadeBy("ServiceRequest/" + order(patient, "hospital-a", revisit, LOINC, "58410-2", "CBC"));
			assertThat(lab.getAccountFirstRep().getReference()).isEqualTo("Account/" + account);
			assertThat(adjudication(lab, "copay")).isEqualByComparingTo("5.00");
		}

		FhirHttp.Response settled = fhir.post("/Account/" + account + "/$settle", new Parameters());
		assertThat(settled.status()).as(settled.body()).isEqualTo(200);
		Parameters outcome = settled.as(Parameters.class);
		Invoice invoice = (Invoice) outcome.getParameter("invoice").getResource();
		assertThat(invoice.getLineItem()).hasSize(4);
		assertThat(invoice.getTotalGross().getValue()).isEqualByComparingTo("362.60");
		assertThat(invoice.getTotalNet().getValue()).as("the patient's part").isEqualByComparingTo("200.04");
		assertThat(invoice.getTotalPriceComponent().get(1).getAmount().getValue()).as("the insurer's").isEqualByComparingTo("162.56");
		PaymentReconciliation payment = (PaymentReconciliation) outcome.getParameter("payment").getResource();
		assertThat(payment.getPaymentAmount().getValue()).isEqualByComparingTo("200.04");
		assertThat(outcome.getParameterValue("method").primitiveValue()).isEqualTo("credit-line");
		assertThat(fhir.get("/Account/" + account).as(Account.class).getStatus()).isEqualTo(Account.AccountStatus.INACTIVE);
		assertThat(fhir.get("/ChargeItem?account=Account/" + account).bundle().getEntry())
				.allSatisfy(e -> assertThat(((ChargeItem) e.getResource()).getStatus()).isEqualTo(ChargeItem.ChargeItemStatus.BILLED));

		Parameters again = fhir.post("/Account/" + account + "/$settle", new Parameters()).as(Parameters.class);
		assertThat(again.getParameter("invoice").getResource().getIdElement().getIdPart()).isEqualTo(invoice.getIdElement().getIdPart());
		assertThat(again.getParameterValue("settled-before").primitiveValue()).isEqualTo("true");

		Map<String, BigDecimal> after = report(today, "hospital-a");
		assertThat(delta(before, after, "charges")).as("fee, CT, drug today; the lab was tomorrow").isEqualByComparingTo("3");
		assertThat(delta(before, after, "charges-gross")).isEqualByComparingTo("337.60");
		assertThat(delta(before, after, "settlements")).isEqualByComparingTo("1");
		assertThat(delta(before, after, "settlements-gross")).isEqualByComparingTo("362.60");
		assertThat(delta(before, after, "settlements-insurer")).isEqualByComparingTo("162.56");
		assertThat(delta(before, after, "paid-on-credit")).isEqualByComparingTo("200.04");
		assertThat(after.get("balanced")).isEqualByComparingTo("1");

		// Reversed after the settlement: refunded on the credit line, its Claim cancelled, the year's deductible given back.
		ServiceRequest wrong = fhir.get("/ServiceRequest/" + ct).as(ServiceRequest.class);
		wrong.setStatus(ServiceRequest.ServiceRequestStatus.ENTEREDINERROR);
		assertThat(fhir.put("/ServiceRequest/" + ct, wrong).status()).isEqualTo(200);
		ChargeItem reversed = fhir.get("/ChargeItem/" + ctCharge.getIdElement().getIdPart()).as(ChargeItem.class);
		assertThat(reversed.getStatus()).isEqualTo(ChargeItem.ChargeItemStatus.ABORTED);
		assertThat(claimOf(ctCharge).getStatus()).isEqualTo(Claim.ClaimStatus.CANCELLED);
		Map<String, BigDecimal> refunded = report(today, "hospital-a");
		assertThat(delta(after, refunded, "refunds")).isEqualByComparingTo("-165.00");
		assertThat(delta(after, refunded, "reversals-patient")).isEqualByComparingTo("165.00");
		assertThat(delta(after, refunded, "credit-outstanding")).isEqualByComparingTo("-165.00");
		assertThat(fhir.delete("/ChargeItem/" + ctCharge.getIdElement().getIdPart()).status()).as("reversed, never deleted").isEqualTo(409);
	}

	@Test
	void theDeductibleIsCountedOnceWhenTwoHospitalsChargeAtOnce() throws Exception {
		String citizen = unique("330101");
		String atA = patient("hospital-a", citizen);
		String atB = patient("hospital-b", citizen);
		coverage(atA, "urban-employee");
		List<Callable<FhirHttp.Response>> orders = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			orders.add(() -> fhir.post("/ServiceRequest", serviceRequest(atA, "hospital-a", null, LOINC, "24725-4", "CT Head")));
			orders.add(() -> fhir.post("/ServiceRequest", serviceRequest(atB, "hospital-b", null, LOINC, "24725-4", "CT Head")));
		}
		assertThat(AtOnce.run(orders)).allSatisfy(r -> assertThat(r.status()).as(r.body()).isEqualTo(201));

		List<ClaimResponse> responses = new ArrayList<>();
		for (String patient : List.of(atA, atB)) {
			fhir.get("/ClaimResponse?patient=Patient/" + patient + "&_count=50").bundle().getEntry()
					.forEach(e -> responses.add((ClaimResponse) e.getResource()));
		}
		assertThat(responses).hasSize(8);
		assertThat(sum(responses, "deductible")).as("one deductible for the person, across both hospitals").isEqualByComparingTo("100.00");
		// A: 4 x 300 x 0.7 = 840, B: 4 x 280 x 0.7 = 784; the insurer pays all of it but the deductible.
		assertThat(sum(responses, "benefit")).isEqualByComparingTo("1524.00");
		assertThat(fhir.get("/Account?subject=Patient/" + atA).bundle().getEntry()).as("one open Account per hospital").hasSize(1);
		assertThat(fhir.get("/Account?subject=Patient/" + atB).bundle().getEntry()).hasSize(1);
	}

	@Test
	void twoKiosksSettlingAtOnceMakeOneSettlement() throws Exception {
		String patient = patient("hospital-a", unique("330102"));
		Encounter visit = arrive(patient, INTERNAL_MEDICINE, LocalDate.now(REGION_ZONE));
		String account = accountOf(visit);
		String card = healthCard(patient);
		Map<String, BigDecimal> before = report(LocalDate.now(REGION_ZONE), "hospital-a");

		List<Callable<FhirHttp.Response>> kiosks = new ArrayList<>();
		for (int i = 0; i < 6; i++) {
			kiosks.add(() -> fhir.post("/Account/" + account + "/$settle", token(card)));
		}
		List<FhirHttp.Response> answers = AtOnce.run(kiosks);
		assertThat(answers).allSatisfy(a -> assertThat(a.status()).as(a.body()).isEqualTo(200));
		assertThat(answers.stream().map(a -> a.as(Parameters.class).getParameter("invoice").getResource().getIdElement().getIdPart())
				.distinct()).as("the same Invoice for every kiosk").hasSize(1);
		assertThat(fhir.get("/Invoice?account=Account/" + account).bundle().getEntry()).hasSize(1);
		Map<String, BigDecimal> after = report(LocalDate.now(REGION_ZONE), "hospital-a");
		assertThat(delta(before, after, "settlements")).isEqualByComparingTo("1");
		assertThat(delta(before, after, "paid-by-card")).as("uninsured: the whole fee, once").isEqualByComparingTo("25.00");
		assertThat(delta(before, after, "self-service")).isEqualByComparingTo("1");
	}

	@Test
	void refusalsSayWhyAndChangeNothing() {
		String patient = patient("hospital-a", unique("330103"));
		String someoneElse = patient("hospital-a", unique("330104"));
		Encounter visit = arrive(patient, INTERNAL_MEDICINE, LocalDate.now(REGION_ZONE));
		String account = accountOf(visit);

		FhirHttp.Response noCredit = fhir.post("/Account/" + account + "/$settle", new Parameters());
		assertThat(noCredit.status()).isEqualTo(409);
		assertThat(noCredit.body()).contains("no credit line", "kiosk with the health card");

		FhirHttp.Response otherCard = fhir.post("/Account/" + account + "/$settle", token(healthCard(someoneElse)));
		assertThat(otherCard.status()).isEqualTo(403);
		assertThat(otherCard.body()).contains("not the card of Account/" + account);

		FhirHttp.Response otherHospital = fhir.as(TestTokens.hospital("hospital-b", "user/*.cruds"))
				.post("/Account/" + account + "/$settle", token(healthCard(patient)));
		assertThat(otherHospital.status()).isEqualTo(403);

		String card = healthCard(patient);
		assertThat(fhir.post("/Patient/$health-card-revoke", token(card)).status()).isEqualTo(200);
		assertThat(fhir.post("/Account/" + account + "/$settle", token(card)).status()).as("a revoked card").isEqualTo(410);

		// An exam the hospital's price list does not have: the clinical write goes on, the settlement names the charge.
		String mr = order(patient, "hospital-a", visit, LOINC, "24557-1", "MR Abdomen WO and W contrast IV");
		ChargeItem unpriced = chargeMadeBy("ServiceRequest/" + mr);
		assertThat(unpriced.getStatus()).isEqualTo(ChargeItem.ChargeItemStatus.PLANNED);
		FhirHttp.Response waiting = fhir.post("/Account/" + account + "/$settle", token(healthCard(patient)));
		assertThat(waiting.status()).isEqualTo(409);
		assertThat(waiting.body()).contains("ChargeItem/" + unpriced.getIdElement().getIdPart(), "no price for");
		assertThat(fhir.get("/Account/" + account).as(Account.class).getStatus()).as("nothing settled").isEqualTo(Account.AccountStatus.ACTIVE);
		assertThat(fhir.get("/Invoice?account=Account/" + account).bundle().getEntry()).isEmpty();

		ChargeItem direct = new ChargeItem().setStatus(ChargeItem.ChargeItemStatus.BILLABLE)
				.setCode(new CodeableConcept(new Coding("urn:onetrip:local-item", "dressing", "Wound dressing")))
				.setSubject(new Reference("Patient/" + patient));
		FhirHttp.Response noAccount = fhir.post("/ChargeItem", direct);
		assertThat(noAccount.status()).isEqualTo(422);
		assertThat(noAccount.body()).contains("names no Account");
		direct.addAccount(new Reference("Account/" + account));
		FhirHttp.Response noPrice = fhir.post("/ChargeItem", direct);
		assertThat(noPrice.status()).isEqualTo(422);
		assertThat(noPrice.body()).contains("no price for Wound dressing");
		direct.setPriceOverride(new Money().setValue(new BigDecimal("8.50")).setCurrency("USD"));
		FhirHttp.Response dollars = fhir.post("/ChargeItem", direct);
		assertThat(dollars.status()).isEqualTo(422);
		assertThat(dollars.body()).contains("priceOverride is in USD", "give the price in CNY");
		direct.setPriceOverride(new Money().setValue(new BigDecimal("1E+13")).setCurrency("CNY"));
		FhirHttp.Response tooLarge = fhir.post("/ChargeItem", direct);
		assertThat(tooLarge.status()).as("past the ledger's columns: a 500 before").isEqualTo(422);
		assertThat(tooLarge.body()).contains("more than any charge can be");
		direct.setPriceOverride(new Money().setValue(new BigDecimal("8.50")).setCurrency("CNY"));
		FhirHttp.Response otherHospitals = fhir.as(TestTokens.hospital("hospital-b", "user/*.cruds")).post("/ChargeItem", direct);
		assertThat(otherHospitals.status()).as("hospital B charging on hospital A's Account").isEqualTo(403);
		assertThat(fhir.post("/ChargeItem", direct).status()).isEqualTo(201);

		ChargeItem uncoded = unpriced.copy().setStatus(ChargeItem.ChargeItemStatus.BILLABLE)
				.setPriceOverride(new Money().setValue(new BigDecimal("750")).setCurrency("CNY"));
		uncoded.setCode(new CodeableConcept(new Coding().setCode("mr-abdomen").setDisplay("MR abdomen")));
		FhirHttp.Response noCode = fhir.put("/ChargeItem/" + unpriced.getIdElement().getIdPart(), uncoded);
		assertThat(noCode.status()).as("a waiting charge priced without a coded item: a 500 before").isEqualTo(422);
		assertThat(noCode.body()).contains("needs a code");
		unpriced.setStatus(ChargeItem.ChargeItemStatus.BILLABLE).setPriceOverride(new Money().setValue(new BigDecimal("750")).setCurrency("CNY"));
		assertThat(fhir.put("/ChargeItem/" + unpriced.getIdElement().getIdPart(), unpriced).status()).isEqualTo(200);
		FhirHttp.Response paid = fhir.post("/Account/" + account + "/$settle", token(healthCard(patient)));
		assertThat(paid.status()).as(paid.body()).isEqualTo(200);
		Invoice invoice = (Invoice) paid.as(Parameters.class).getParameter("invoice").getResource();
		assertThat(invoice.getTotalGross().getValue()).as("fee + dressing + the MR priced by hand").isEqualByComparingTo("783.50");
		assertThat(paid.as(Parameters.class).getParameterValue("method").primitiveValue()).isEqualTo("card");

		FhirHttp.Response late = fhir.post("/ChargeItem", direct.copy().setPriceOverride(new Money().setValue(BigDecimal.ONE).setCurrency("CNY")));
		assertThat(late.status()).as("a settled Account takes no more charges").isEqualTo(409);
		assertThat(fhir.delete("/Invoice/" + invoice.getIdElement().getIdPart()).status()).isEqualTo(409);
	}

	@Test
	void aVisitWithACreditLineIsSettledWhenItsDaysAreOver() throws Exception {
		String patient = patient("hospital-a", unique("330105"));
		coverage(patient, "urban-rural-resident");
		String account = accountOf(arrive(patient, INTERNAL_MEDICINE, LocalDate.now(REGION_ZONE)));
		try (TestClock.Moved later = clock.movedOn(Duration.ofDays(3))) {
			long deadline = System.currentTimeMillis() + 20_000;
			while (fhir.get("/Account/" + account).as(Account.class).getStatus() == Account.AccountStatus.ACTIVE
					&& System.currentTimeMillis() < deadline) {
				Thread.sleep(200);
			}
			assertThat(fhir.get("/Account/" + account).as(Account.class).getStatus()).as("settled without anyone asking")
					.isEqualTo(Account.AccountStatus.INACTIVE);
			Invoice invoice = (Invoice) fhir.get("/Invoice?account=Account/" + account).bundle().getEntryFirstRep().getResource();
			// Resident plan: the registration 25.00 at a 0.50 share, all of it within the 300.00 deductible.
			assertThat(invoice.getTotalNet().getValue()).isEqualByComparingTo("25.00");
		}
	}

	@Test
	void theDoctorClosingTheVisitSettlesItOnTheCreditLine() {
		String patient = patient("hospital-a", unique("330108"));
		coverage(patient, "urban-employee");
		Encounter visit = arrive(patient, INTERNAL_MEDICINE, LocalDate.now(REGION_ZONE));
		String account = accountOf(visit);
		order(patient, "hospital-a", visit, LOINC, "58410-2", "CBC");
		Encounter closed = fhir.get("/Encounter/" + visit.getIdElement().getIdPart()).as(Encounter.class);
		closed.setStatus(Encounter.EncounterStatus.FINISHED);
		assertThat(fhir.put("/Encounter/" + visit.getIdElement().getIdPart(), closed).status()).isEqualTo(200);
		assertThat(fhir.get("/Account/" + account).as(Account.class).getStatus()).as("settled as the visit closed")
				.isEqualTo(Account.AccountStatus.INACTIVE);
		Invoice invoice = (Invoice) fhir.get("/Invoice?account=Account/" + account).bundle().getEntryFirstRep().getResource();
		// Fee 25.00 and CBC 25.00 (eligible 20.00): the first 45.00 of eligible go to the deductible.
		assertThat(invoice.getTotalGross().getValue()).isEqualByComparingTo("50.00");
		assertThat(invoice.getTotalNet().getValue()).isEqualByComparingTo("50.00");
	}

	@Test
	void aFullCreditLineSendsThePatientToTheKiosk() {
		String patient = patient("hospital-a", unique("330109"));
		coverage(patient, "urban-rural-resident");
		Encounter visit = arrive(patient, INTERNAL_MEDICINE, LocalDate.now(REGION_ZONE));
		String account = accountOf(visit);
		// Resident plan: fee 25.00 + three MRs (627.50, then 340.00 each to pay): 1,332.50 against a line of 1,000.00.
		for (int i = 0; i < 3; i++) {
			order(patient, "hospital-a", visit, LOINC, "24590-2", "MR Brain");
		}
		FhirHttp.Response full = fhir.post("/Account/" + account + "/$settle", new Parameters());
		assertThat(full.status()).isEqualTo(409);
		assertThat(full.body()).contains("credit line would be exceeded", "limit 1000.00");
		assertThat(fhir.get("/Account/" + account).as(Account.class).getStatus()).isEqualTo(Account.AccountStatus.ACTIVE);
		FhirHttp.Response kiosk = fhir.post("/Account/" + account + "/$settle", token(healthCard(patient)));
		assertThat(kiosk.status()).as(kiosk.body()).isEqualTo(200);
		assertThat(kiosk.as(Parameters.class).getParameterValue("method").primitiveValue()).isEqualTo("card");
	}

	@Test
	void historyLoadedFromAHospitalsSystemIsNotCharged() {
		String patient = patient("hospital-a", unique("330110"));
		ServiceRequest old = serviceRequest(patient, "hospital-a", null, LOINC, "24725-4", "CT Head");
		old.setAuthoredOnElement(new org.hl7.fhir.r4.model.DateTimeType("2024-03-01"));
		String id = fhir.post("/ServiceRequest", old).as(ServiceRequest.class).getIdElement().getIdPart();
		assertThat(fhir.get("/ChargeItem?identifier=urn:onetrip:charged-for|ServiceRequest/" + id).bundle().getEntry()).isEmpty();
		assertThat(fhir.get("/Account?subject=Patient/" + patient).bundle().getEntry()).as("no visit opened for it").isEmpty();
		ServiceRequest yesterday = serviceRequest(patient, "hospital-a", null, LOINC, "24725-4", "CT Head");
		yesterday.setAuthoredOn(Date.from(java.time.Instant.now().minus(Duration.ofDays(1))));
		chargeMadeBy("ServiceRequest/" + fhir.post("/ServiceRequest", yesterday).as(ServiceRequest.class).getIdElement().getIdPart());
	}

	@Test
	void aPatientSettlesTheirOwnVisitFromTheApp() {
		String patient = patient("hospital-a", unique("330106"));
		coverage(patient, "urban-employee");
		String account = accountOf(arrive(patient, INTERNAL_MEDICINE, LocalDate.now(REGION_ZONE)));
		String stranger = patient("hospital-a", unique("330107"));
		FhirHttp strangersApp = fhir.as(TestTokens.patient(stranger, "patient/*.rs"));
		assertThat(strangersApp.post("/Account/" + account + "/$settle", new Parameters()).status()).isEqualTo(403);
		FhirHttp app = fhir.as(TestTokens.patient(patient, "patient/*.rs"));
		FhirHttp.Response paid = app.post("/Account/" + account + "/$settle", new Parameters());
		assertThat(paid.status()).as(paid.body()).isEqualTo(200);
		assertThat(app.get("/Invoice?subject=Patient/" + patient).bundle().getEntry()).hasSize(1);
		assertThat(app.post("/$settlement-report", dateParameters(LocalDate.now(REGION_ZONE))).status()).isEqualTo(403);
	}

	// --- helpers

	private String patient(String hospital, String citizenId) {
		Patient patient = new Patient();
		patient.addIdentifier().setSystem(CITIZEN).setValue(citizenId);
		patient.addIdentifier().setSystem("urn:onetrip:mrn:" + hospital).setValue(unique("MRN"));
		patient.addName().setFamily("Settle").addGiven(citizenId);
		patient.setManagingOrganization(new Reference("Organization/" + hospital));
		FhirHttp.Response created = fhir.post("/Patient", patient);
		assertThat(created.status()).as(created.body()).isEqualTo(201);
		return created.as(Patient.class).getIdElement().getIdPart();
	}

	private void coverage(String patient, String plan) {
		Coverage coverage = new Coverage().setStatus(Coverage.CoverageStatus.ACTIVE).setBeneficiary(new Reference("Patient/" + patient));
		coverage.addPayor(new Reference().setDisplay("Provincial Medical Insurance Bureau"));
		coverage.addClass_().setType(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/coverage-class", "plan", null)))
				.setValue(plan);
		assertThat(fhir.post("/Coverage", coverage).status()).isEqualTo(201);
	}

	private Encounter arrive(String patient, String department, LocalDate day) {
		Appointment appointment = new Appointment().setStatus(Appointment.AppointmentStatus.ARRIVED);
		Date start = Date.from(day.atTime(LocalTime.of(9, 30)).atZone(REGION_ZONE).toInstant());
		appointment.setStart(start).setEnd(new Date(start.getTime() + 1_800_000));
		appointment.addReasonCode(new CodeableConcept(HYPERTENSION.copy()));
		appointment.addParticipant().setActor(new Reference("Patient/" + patient)).setStatus(Appointment.ParticipationStatus.ACCEPTED);
		appointment.addParticipant().setActor(new Reference(department)).setStatus(Appointment.ParticipationStatus.ACCEPTED);
		FhirHttp.Response created = fhir.post("/Appointment", appointment);
		assertThat(created.status()).as(created.body()).isEqualTo(201);
		return (Encounter) fhir.get("/Encounter?appointment=Appointment/" + created.as(Appointment.class).getIdElement().getIdPart())
				.bundle().getEntryFirstRep().getResource();
	}

	private static String accountOf(Encounter visit) {
		assertThat(visit.getAccount()).as("the visit's Encounter names its Account").hasSize(1);
		return visit.getAccountFirstRep().getReferenceElement().getIdPart();
	}

	private String order(String patient, String hospital, Encounter visit, String system, String code, String display) {
		FhirHttp.Response created = fhir.post("/ServiceRequest", serviceRequest(patient, hospital, visit, system, code, display));
		assertThat(created.status()).as(created.body()).isEqualTo(201);
		return created.as(ServiceRequest.class).getIdElement().getIdPart();
	}

	private static ServiceRequest serviceRequest(String patient, String hospital, Encounter visit, String system, String code, String display) {
		ServiceRequest request = new ServiceRequest().setStatus(ServiceRequest.ServiceRequestStatus.COMPLETED)
				.setIntent(ServiceRequest.ServiceRequestIntent.ORDER)
				.setCode(new CodeableConcept(new Coding(system, code, display))).setSubject(new Reference("Patient/" + patient));
		request.addPerformer(new Reference("Organization/" + hospital));
		if (visit != null) {
			request.setEncounter(new Reference("Encounter/" + visit.getIdElement().getIdPart()));
		}
		return request;
	}

	private void finalReport(String patient, String order, Encounter visit) {
		DiagnosticReport report = new DiagnosticReport().setStatus(DiagnosticReport.DiagnosticReportStatus.FINAL)
				.setCode(new CodeableConcept(new Coding(LOINC, "24725-4", "CT Head"))).setSubject(new Reference("Patient/" + patient))
				.setEncounter(new Reference("Encounter/" + visit.getIdElement().getIdPart()));
		report.addBasedOn(new Reference("ServiceRequest/" + order));
		report.addPerformer(new Reference("Organization/hospital-a"));
		assertThat(fhir.post("/DiagnosticReport", report).status()).isEqualTo(201);
	}

	private String dispense(String patient, Encounter visit, String atc, String display, int quantity) {
		MedicationDispense dispense = new MedicationDispense().setStatus(MedicationDispense.MedicationDispenseStatus.COMPLETED)
				.setMedication(new CodeableConcept(new Coding(ATC, atc, display))).setSubject(new Reference("Patient/" + patient))
				.setContext(new Reference("Encounter/" + visit.getIdElement().getIdPart()))
				.setQuantity(new Quantity().setValue(quantity));
		dispense.addPerformer().setActor(new Reference("Organization/hospital-a"));
		FhirHttp.Response created = fhir.post("/MedicationDispense", dispense);
		assertThat(created.status()).as(created.body()).isEqualTo(201);
		return created.as(MedicationDispense.class).getIdElement().getIdPart();
	}

	private ChargeItem chargeMadeBy(String source) {
		List<ChargeItem> items = fhir.get("/ChargeItem?identifier=urn:onetrip:charged-for|" + source).bundle().getEntry().stream()
				.map(e -> (ChargeItem) e.getResource()).toList();
		assertThat(items).as("one charge made by " + source).hasSize(1);
		return items.get(0);
	}

	private Claim claimOf(ChargeItem item) {
		return (Claim) fhir.get("/Claim?identifier=urn:onetrip:charge-item|" + item.getIdElement().getIdPart()).bundle()
				.getEntryFirstRep().getResource();
	}

	/** One adjudication figure of the charge's ClaimResponse. */
	private BigDecimal adjudication(ChargeItem item, String category) {
		String claim = claimOf(item).getIdElement().getIdPart();
		ClaimResponse response = (ClaimResponse) fhir.get("/ClaimResponse?request=Claim/" + claim).bundle().getEntryFirstRep().getResource();
		return figure(response, category);
	}

	private static BigDecimal figure(ClaimResponse response, String category) {
		return response.getItemFirstRep().getAdjudication().stream()
				.filter(a -> category.equals(a.getCategory().getCodingFirstRep().getCode())).findFirst().orElseThrow()
				.getAmount().getValue();
	}

	private static BigDecimal sum(List<ClaimResponse> responses, String category) {
		return responses.stream().map(r -> figure(r, category)).reduce(BigDecimal.ZERO, BigDecimal::add);
	}

	private String healthCard(String patient) {
		FhirHttp.Response issued = fhir.post("/Patient/" + patient + "/$health-card", new Parameters());
		assertThat(issued.status()).as(issued.body()).isEqualTo(200);
		return issued.as(Parameters.class).getParameter("token").getValue().primitiveValue();
	}

	private static Parameters token(String token) {
		Parameters parameters = new Parameters();
		parameters.addParameter().setName("token").setValue(new StringType(token));
		return parameters;
	}

	private static Parameters dateParameters(LocalDate day) {
		Parameters parameters = new Parameters();
		parameters.addParameter().setName("date").setValue(new org.hl7.fhir.r4.model.DateType(day.toString()));
		return parameters;
	}

	/** The hospital's figures of the day, by part name (money as its value, counts as numbers, balanced as 1 or 0). */
	private Map<String, BigDecimal> report(LocalDate day, String hospital) {
		Parameters parameters = dateParameters(day);
		parameters.addParameter().setName("hospital").setValue(new StringType(hospital));
		FhirHttp.Response answer = fhir.post("/$settlement-report", parameters);
		assertThat(answer.status()).as(answer.body()).isEqualTo(200);
		Parameters report = answer.as(Parameters.class);
		Map<String, BigDecimal> figures = new java.util.HashMap<>();
		figures.put("balanced", "true".equals(report.getParameterValue("balanced").primitiveValue()) ? BigDecimal.ONE : BigDecimal.ZERO);
		for (Parameters.ParametersParameterComponent part : report.getParameter("hospital").getPart()) {
			Type value = part.getValue();
			if (value instanceof Money money) {
				figures.put(part.getName(), money.getValue());
			} else if (value instanceof org.hl7.fhir.r4.model.IntegerType || value instanceof org.hl7.fhir.r4.model.DecimalType) {
				figures.put(part.getName(), new BigDecimal(value.primitiveValue()));
			}
		}
		return figures;
	}

	private static BigDecimal delta(Map<String, BigDecimal> before, Map<String, BigDecimal> after, String figure) {
		return after.get(figure).subtract(before.get(figure));
	}
}
