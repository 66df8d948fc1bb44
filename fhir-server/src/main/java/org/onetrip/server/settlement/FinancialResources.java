package org.onetrip.server.settlement;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.Account;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.ClaimResponse;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Invoice;
import org.hl7.fhir.r4.model.Money;
import org.hl7.fhir.r4.model.PaymentReconciliation;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.onetrip.server.security.Ownership;
import org.onetrip.workflow.settlement.Adjudication;
import org.onetrip.workflow.settlement.Settlement;

/**
 * The FHIR R4 financial resources of a visit, as OneTrip writes them: the episode's Account, a real-time Claim and its
 * ClaimResponse per charge, the Invoice of the settlement and the PaymentReconciliation of the patient's part. Every one
 * carries its hospital's owner tag.
 */
final class FinancialResources {

	static final String CURRENCY = "CNY";
	static final String ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication";
	static final String PAYMENT_METHOD_SYSTEM = "urn:onetrip:payment-method";
	static final String CHARGE_ITEM_SYSTEM = "urn:onetrip:charge-item";

	private FinancialResources() {}

	static Money money(BigDecimal amount) {
		return new Money().setValue(amount).setCurrency(CURRENCY);
	}

	static Account account(SettlementLedger.Episode episode, String hospitalName, LocalDate firstDay) {
		Account account = new Account();
		account.setId(episode.accountId());
		account.setStatus(Account.AccountStatus.ACTIVE);
		account.setType(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "PBILLACCT",
				"patient billing account")));
		account.setName("Visit at " + hospitalName + " from " + firstDay);
		account.addSubject(new Reference("Patient/" + episode.patientId()));
		account.setOwner(new Reference("Organization/" + episode.hospital()).setDisplay(hospitalName));
		account.setServicePeriod(new Period().setStart(java.sql.Date.valueOf(firstDay)).setEnd(java.sql.Date.valueOf(episode.lastDay())));
		if (episode.coverageId() != null) {
			account.addCoverage().setCoverage(new Reference("Coverage/" + episode.coverageId())).setPriority(1);
		}
		account.setDescription("One visit episode: its charges are adjudicated as they happen and settled once, at its end");
		Ownership.stamp(account, episode.hospital());
		return account;
	}

	static Claim claim(String claimId, SettlementLedger.Charge charge, String coverageId, Instant now) {
		Claim claim = new Claim();
		claim.setId(claimId);
		claim.addIdentifier(new Identifier().setSystem(CHARGE_ITEM_SYSTEM).setValue(charge.chargeItemId()));
		claim.setStatus(Claim.ClaimStatus.ACTIVE);
		claim.setType(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/claim-type", "professional", "Professional")));
		claim.setUse(Claim.Use.CLAIM);
		claim.setPatient(new Reference("Patient/" + charge.patientId()));
		claim.setCreated(Date.from(now));
		claim.setProvider(new Reference("Organization/" + charge.hospital()));
		claim.setPriority(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/processpriority", "stat", "Immediate")));
		claim.addInsurance().setSequence(1).setFocal(true).setCoverage(new Reference("Coverage/" + coverageId));
		Claim.ItemComponent item = claim.addItem().setSequence(1)
				.setProductOrService(new CodeableConcept(coding(charge.itemKey(), charge.display())))
				.setNet(money(charge.adjudication().submitted()));
		item.addExtension("urn:onetrip:fhir:extension:charge-item", new Reference("ChargeItem/" + charge.chargeItemId()));
		Ownership.stamp(claim, charge.hospital());
		return claim;
	}

	static ClaimResponse claimResponse(String id, String claimId, SettlementLedger.Charge charge, String insurer, Instant now) {
		Adjudication a = charge.adjudication();
		ClaimResponse response = new ClaimResponse();
		response.setId(id);
		response.setStatus(ClaimResponse.ClaimResponseStatus.ACTIVE);
		response.setType(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/claim-type", "professional", "Professional")));
		response.setUse(ClaimResponse.Use.CLAIM);
		response.setPatient(new Reference("Patient/" + charge.patientId()));
		response.setCreated(Date.from(now));
		response.setInsurer(new Reference().setDisplay(insurer));
		response.setRequest(new Reference("Claim/" + claimId));
		response.setOutcome(ClaimResponse.RemittanceOutcome.COMPLETE);
		response.setDisposition(a.reason());
		ClaimResponse.ItemComponent item = response.addItem().setItemSequence(1);
		adjudication(item.addAdjudication(), "submitted", a.submitted());
		adjudication(item.addAdjudication(), "eligible", a.eligible());
		adjudication(item.addAdjudication(), "deductible", a.deductible());
		adjudication(item.addAdjudication(), "benefit", a.benefit());
		adjudication(item.addAdjudication(), "copay", a.copay());
		response.addTotal().setCategory(category("submitted")).setAmount(money(a.submitted()));
		response.addTotal().setCategory(category("benefit")).setAmount(money(a.benefit()));
		Ownership.stamp(response, charge.hospital());
		return response;
	}

	private static void adjudication(ClaimResponse.AdjudicationComponent component, String code, BigDecimal amount) {
		component.setCategory(category(code)).setAmount(money(amount));
	}

	private static CodeableConcept category(String code) {
		return new CodeableConcept(new Coding(ADJUDICATION, code, null));
	}

	static Coding coding(String itemKey, String display) {
		int bar = itemKey.indexOf('|');
		return new Coding(itemKey.substring(0, bar), itemKey.substring(bar + 1), display);
	}

	static Invoice invoice(String invoiceId, SettlementLedger.Episode episode, List<SettlementLedger.Charge> lines,
			Settlement.Totals totals, String hospitalName, Instant now) {
		Invoice invoice = new Invoice();
		invoice.setId(invoiceId);
		invoice.setStatus(Invoice.InvoiceStatus.BALANCED);
		invoice.setSubject(new Reference("Patient/" + episode.patientId()));
		invoice.setRecipient(new Reference("Patient/" + episode.patientId()));
		invoice.setIssuer(new Reference("Organization/" + episode.hospital()).setDisplay(hospitalName));
		invoice.setAccount(new Reference("Account/" + episode.accountId()));
		invoice.setDate(Date.from(now));
		int sequence = 1;
		for (SettlementLedger.Charge line : lines) {
			Invoice.InvoiceLineItemComponent item = invoice.addLineItem().setSequence(sequence++)
					.setChargeItem(new Reference("ChargeItem/" + line.chargeItemId()).setDisplay(line.display()));
			item.addPriceComponent().setType(Invoice.InvoicePriceComponentType.BASE).setAmount(money(line.adjudication().submitted()));
			item.addPriceComponent().setType(Invoice.InvoicePriceComponentType.DEDUCTION)
					.setCode(category("benefit")).setAmount(money(line.adjudication().benefit()));
		}
		invoice.addTotalPriceComponent().setType(Invoice.InvoicePriceComponentType.BASE).setAmount(money(totals.gross()));
		invoice.addTotalPriceComponent().setType(Invoice.InvoicePriceComponentType.DEDUCTION).setCode(category("benefit"))
				.setAmount(money(totals.insurer()));
		invoice.setTotalGross(money(totals.gross()));
		invoice.setTotalNet(money(totals.patient()));
		invoice.setPaymentTerms("Insurance part settled in real time; the patient's part paid once at the end of the visit");
		Ownership.stamp(invoice, episode.hospital());
		return invoice;
	}

	/** The patient's part paid (or, negative, refunded) for an Invoice. */
	static PaymentReconciliation payment(String id, SettlementLedger.Episode episode, String invoiceId, BigDecimal amount, String method,
			String what, Instant now) {
		PaymentReconciliation payment = new PaymentReconciliation();
		payment.setId(id);
		payment.setStatus(PaymentReconciliation.PaymentReconciliationStatus.ACTIVE);
		payment.setCreated(Date.from(now));
		payment.setPaymentDate(Date.from(now));
		payment.setPaymentAmount(money(amount));
		payment.setPaymentIdentifier(new Identifier().setSystem(PAYMENT_METHOD_SYSTEM).setValue(method));
		payment.setRequestor(new Reference("Organization/" + episode.hospital()));
		payment.setOutcome(org.hl7.fhir.r4.model.Enumerations.RemittanceOutcome.COMPLETE);
		payment.setDisposition(what);
		payment.addDetail().setType(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/payment-type",
						amount.signum() < 0 ? "adjustment" : "payment", null)))
				.setRequest(new Reference("Invoice/" + invoiceId))
				.setPayee(new Reference("Organization/" + episode.hospital())).setAmount(money(amount)).setDate(Date.from(now));
		Ownership.stamp(payment, episode.hospital());
		return payment;
	}
}
