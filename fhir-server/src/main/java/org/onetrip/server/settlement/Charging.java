package org.onetrip.server.settlement;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.ChargeItem;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.MedicationDispense;
import org.hl7.fhir.r4.model.Money;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.onetrip.server.consultation.ConsultationRequests;
import org.onetrip.server.hapi.Conflict;
import org.onetrip.server.hapi.WorkflowEffects;
import org.onetrip.server.hapi.WorkflowHandler;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.server.registration.RegistrationLedger;
import org.onetrip.server.scheduling.AppointmentTerms;
import org.onetrip.server.security.Ownership;
import org.onetrip.terminology.exam.ExamCode;
import org.onetrip.terminology.exam.ExamTerminology;
import org.onetrip.workflow.settlement.Adjudication;
import org.onetrip.workflow.settlement.Amounts;
import org.onetrip.workflow.settlement.BenefitYear;
import org.onetrip.workflow.settlement.InsurancePlan;

/**
 * Charges as they happen (seed 002, "pay once"), each adjudicated at once: the registration fee when a visit is
 * registered, an exam or test when its ServiceRequest is completed or its report is final (once per order), a
 * medication when it is dispensed, and a ChargeItem a hospital writes itself on a visit's Account. Each goes on the
 * visit episode's Account ({@link VisitAccounts}); with a plan of the region, a Claim and its ClaimResponse record the
 * adjudication, and the person's year (deductible, cap) moves under a row lock shared by every hospital. A cancelled or
 * entered-in-error source reverses its charge (never a delete); after the settlement, the patient's part of it is
 * refunded.
 */
public class Charging implements WorkflowHandler {

	/** On a ChargeItem OneTrip made: the resource it charges for ({@code Type/id}). */
	public static final String CHARGED_FOR_SYSTEM = "urn:onetrip:charged-for";
	/** What ChargeItem.service may name in R4. */
	private static final Set<String> SERVICE_TYPES = Set.of("DiagnosticReport", "ImagingStudy", "Immunization", "MedicationAdministration",
			"MedicationDispense", "Observation", "Procedure", "SupplyDelivery");
	static final Set<String> FINAL_REPORT = Set.of("final", "amended", "corrected", "appended");
	static final Set<String> VOID_REPORT = Set.of("cancelled", "entered-in-error");
	static final Set<String> VOID_DISPENSE = Set.of("cancelled", "entered-in-error", "declined", "stopped");

	private final SettlementLedger ledger;
	private final VisitAccounts accounts;
	private final RegistrationLedger registrations;
	private final PriceList prices;
	private final SettlementRules rules;
	private final ExamTerminology terminology;
	private final RegionDirectory directory;
	private final DaoRegistry daos;
	private final MeterRegistry meters;
	private final Clock clock;
	private final EndedVisits endedVisits;

	Charging(SettlementLedger ledger, VisitAccounts accounts, RegistrationLedger registrations, PriceList prices, SettlementRules rules,
			ExamTerminology terminology, RegionDirectory directory, DaoRegistry daos, MeterRegistry meters, Clock clock, EndedVisits endedVisits) {
		this.ledger = ledger;
		this.accounts = accounts;
		this.registrations = registrations;
		this.prices = prices;
		this.rules = rules;
		this.terminology = terminology;
		this.directory = directory;
		this.daos = daos;
		this.meters = meters;
		this.clock = clock;
		this.endedVisits = endedVisits;
	}

	@Override
	public Stage stage() {
		return Stage.CHARGES;
	}

	@Override
	public Set<String> resourceTypes() {
		return Set.of("Appointment", "Encounter", "ServiceRequest", "DiagnosticReport", "MedicationDispense", "ChargeItem", "Account",
				"Invoice", "PaymentReconciliation");
	}

	/** What is charged: the item (its keys in the price lists, most specific first), where, to whom, and how many. */
	private record Item(String sourceKey, String madeBy, String hospital, String patientId, String encounterId, List<String> itemKeys,
			String display, BigDecimal quantity) {}

	@Override
	public void written(Write write, WorkflowEffects effects) {
		IBaseResource resource = write.resource();
		if (write.deleted()) {
			refuseDelete(resource);
		} else if (resource instanceof Appointment appointment) {
			chargeTheRegistration(appointment, effects);
		} else if (resource instanceof ServiceRequest request && ConsultationRequests.isConsultation(request)
				|| resource instanceof DiagnosticReport opinion && ConsultationRequests.isOpinion(opinion)) {
			return; // consults are not charged (yet): no region price for them, and no visit of the patient to put them on
		} else if (resource instanceof ServiceRequest request) {
			String status = request.hasStatus() ? request.getStatus().toCode() : "";
			if ("completed".equals(status)) {
				itemOf(request).ifPresent(item -> chargeOnce(item, effects));
			} else if ("revoked".equals(status) || "entered-in-error".equals(status)) {
				reverseWhatWasMadeBy("ServiceRequest/" + write.id(), effects);
			}
		} else if (resource instanceof DiagnosticReport report) {
			String status = report.hasStatus() ? report.getStatus().toCode() : "";
			if (FINAL_REPORT.contains(status)) {
				itemOf(report).ifPresent(item -> chargeOnce(item, effects));
			} else if (VOID_REPORT.contains(status)) {
				reverseWhatWasMadeBy("DiagnosticReport/" + write.id(), effects);
			}
		} else if (resource instanceof MedicationDispense dispense) {
			String status = dispense.hasStatus() ? dispense.getStatus().toCode() : "";
			if ("completed".equals(status)) {
				itemOf(dispense).ifPresent(item -> chargeOnce(item, effects));
			} else if (VOID_DISPENSE.contains(status)) {
				reverseWhatWasMadeBy("MedicationDispense/" + write.id(), effects);
			}
		} else if (resource instanceof ChargeItem item) {
			chargeItemWritten((ChargeItem) write.previous(), item, effects);
		} else if (resource instanceof Encounter encounter) {
			visitClosed((Encounter) write.previous(), encounter, effects);
		}
	}

	/**
	 * The doctor closes the visit (its Encounter finished): the episode has ended, and once the write has committed its
	 * Account is settled on the credit line (or waits for the kiosk, with the reason kept).
	 */
	private void visitClosed(Encounter previous, Encounter encounter, WorkflowEffects effects) {
		if (encounter.getStatus() != Encounter.EncounterStatus.FINISHED
				|| previous != null && previous.getStatus() == Encounter.EncounterStatus.FINISHED) {
			return;
		}
		encounter.getAccount().stream().map(r -> r.getReferenceElement()).filter(r -> "Account".equals(r.getResourceType()))
				.map(r -> r.getIdPart()).forEach(accountId -> ledger.episode(accountId).filter(e -> !e.settled())
						.filter(e -> isTheAccountsVisit(encounter, e)).ifPresent(episode -> {
					ledger.end(accountId);
					effects.afterCommit(() -> endedVisits.settleNow(accountId));
				}));
	}

	/** Only the Account's own hospital closes its visit, for the Account's person. */
	private boolean isTheAccountsVisit(Encounter encounter, SettlementLedger.Episode episode) {
		String hospital = Ownership.tagged(encounter).orElseGet(() -> directory.hospitalOf(encounter.getServiceProvider().getReference())
				.map(h -> h.key()).orElse(""));
		return hospital.equals(episode.hospital()) && "Patient".equals(encounter.getSubject().getReferenceElement().getResourceType())
				&& accounts.personOf(encounter.getSubject().getReferenceElement().getIdPart()).equals(episode.personId());
	}

	/** Money is reversed, never deleted: a charge, an Account, an Invoice or a payment OneTrip keeps cannot be deleted. */
	private void refuseDelete(IBaseResource resource) {
		String id = resource.getIdElement().getIdPart();
		boolean kept = switch (resource.fhirType()) {
			case "ChargeItem" -> ledger.charge(id).isPresent();
			case "Account" -> ledger.episode(id).isPresent();
			case "Invoice", "PaymentReconciliation" -> Ownership.tagged(resource).isPresent() && ledger.isSettlementRecord(id);
			default -> false;
		};
		if (kept) {
			throw Conflict.of(resource.fhirType() + "/" + id + " is part of a visit's accounts and cannot be deleted"
					+ ("ChargeItem".equals(resource.fhirType()) ? ": reverse the charge (status entered-in-error) instead" : ""));
		}
	}

	/** A visit just registered: its Encounter gets the episode's Account, and a new registration's fee is charged on it. */
	private void chargeTheRegistration(Appointment appointment, WorkflowEffects effects) {
		if (!AppointmentTerms.status(appointment).patientCame()) {
			return;
		}
		Optional<RegistrationLedger.Visit> visit = registrations.visitOf(appointment.getIdElement().getIdPart());
		Optional<Encounter> encounter = visit.flatMap(v -> effects.queued("Encounter", v.encounterId())).map(Encounter.class::cast);
		if (encounter.isEmpty()) {
			return; // registered by an earlier write of this appointment
		}
		String hospital = RegionDirectory.relative(encounter.get().getServiceProvider().getReference()).substring("Organization/".length());
		String patientId = encounter.get().getSubject().getReferenceElement().getIdPart();
		SettlementLedger.Episode episode = accounts.forVisit(hospital, patientId, visit.get(), effects);
		encounter.get().addAccount(new Reference("Account/" + episode.accountId()));
		if (visit.get().newRegistration()) {
			ChargeItem fee = (ChargeItem) effects.queued("ChargeItem", visit.get().chargeItemId()).orElseThrow(() ->
					new IllegalStateException("the registration fee of Encounter/" + visit.get().encounterId() + " was not written with it"));
			fee.addAccount(new Reference("Account/" + episode.accountId()));
			Coding code = fee.getCode().getCodingFirstRep();
			Item item = new Item("ChargeItem/" + fee.getIdElement().getIdPart(), "ChargeItem/" + fee.getIdElement().getIdPart(), hospital,
					patientId, visit.get().encounterId(), List.of(PriceList.key(code)), code.getDisplay(), BigDecimal.ONE);
			charge(episode, fee.getIdElement().getIdPart(), item, fee.getPriceOverride().getValue(), "registration", effects);
		}
	}

	/** An order's or a dispense's charge, once per order (its completion and its final report are one exam). */
	private void chargeOnce(Item item, WorkflowEffects effects) {
		ledger.serialiseSource(item.sourceKey());
		ledger.serialiseAccounts(item.hospital(), item.patientId());
		if (ledger.chargeOfSource(item.sourceKey()).isPresent()) {
			return;
		}
		SettlementLedger.Episode episode = accounts.forCharge(item.hospital(), item.patientId(), item.encounterId(), effects);
		Optional<PriceList.Price> price = prices.find(item.hospital(), item.itemKeys());
		String chargeItemId = UUID.randomUUID().toString();
		ChargeItem charge = new ChargeItem();
		charge.setId(chargeItemId);
		charge.setCode(new CodeableConcept(FinancialResources.coding(price.map(PriceList.Price::itemKey).orElse(item.itemKeys().get(0)),
				price.map(PriceList.Price::display).orElse(item.display()))));
		charge.setSubject(new Reference("Patient/" + item.patientId()));
		if (item.encounterId() != null) {
			charge.setContext(new Reference("Encounter/" + item.encounterId()));
		}
		charge.setPerformingOrganization(new Reference("Organization/" + item.hospital()));
		charge.getQuantity().setValue(item.quantity());
		// What made the charge, searchable whatever its type (ChargeItem.service does not take a ServiceRequest in R4).
		charge.addIdentifier().setSystem(CHARGED_FOR_SYSTEM).setValue(item.madeBy());
		if (SERVICE_TYPES.contains(item.madeBy().substring(0, item.madeBy().indexOf('/')))) {
			charge.addService(new Reference(item.madeBy()));
		} else {
			charge.addSupportingInformation(new Reference(item.madeBy()));
		}
		charge.addAccount(new Reference("Account/" + episode.accountId()));
		charge.setOccurrence(new DateTimeType(Date.from(clock.instant())));
		charge.setEnteredDate(Date.from(clock.instant()));
		Ownership.stamp(charge, item.hospital());
		if (price.isPresent()) {
			charge.setDefinitionCanonical(List.of(new org.hl7.fhir.r4.model.CanonicalType(price.get().definitionUrl())));
			BigDecimal total = Amounts.cents(price.get().unitPrice().multiply(item.quantity()));
			charge.setPriceOverride(FinancialResources.money(total));
			charge.setStatus(ChargeItem.ChargeItemStatus.BILLABLE);
			charge(episode, chargeItemId, item, total, price.get().category(), effects);
		} else {
			// The clinical write goes on; the charge waits for a price (a hospital's ChargeItem update with priceOverride).
			charge.setStatus(ChargeItem.ChargeItemStatus.PLANNED);
			String reason = "no price for " + item.display() + " (" + String.join(", ", item.itemKeys()) + ") in the price list of "
					+ directory.hospitalName(item.hospital());
			charge.addNote().setText(reason);
			record(episode, chargeItemId, item, SettlementLedger.ChargeState.UNPRICED, reason, null, null, null, null);
		}
		effects.write(charge);
	}

	/** A new priced charge, adjudicated ({@link #adjudicate}) and recorded; its Claim and ClaimResponse when it has a plan. */
	private void charge(SettlementLedger.Episode episode, String chargeItemId, Item item, BigDecimal total, String category,
			WorkflowEffects effects) {
		Decision decision = adjudicate(episode, category, item.itemKeys().get(0), total, accounts.today().getYear());
		SettlementLedger.Charge charge = record(episode, chargeItemId, item, decision.state(), decision.reason(), category,
				decision.adjudication(), decision.plan(), decision.claimId());
		writeClaim(episode, charge, effects);
	}

	/** How a priced charge stands against the Account's plan; {@code claimId} set when a Claim is to be written. */
	private record Decision(SettlementLedger.ChargeState state, String reason, Adjudication adjudication, String plan, String claimId) {}

	/**
	 * Adjudicates a priced charge against the Account's plan: uninsured, the patient's whole; a plan the region does not
	 * know, waiting (the settlement names the reason); else the person's year is locked and moved.
	 */
	private Decision adjudicate(SettlementLedger.Episode episode, String category, String itemKey, BigDecimal total, int year) {
		if (episode.coverageId() == null) {
			return new Decision(SettlementLedger.ChargeState.ADJUDICATED, null, Adjudication.uninsured(total), null, null);
		}
		Optional<InsurancePlan> plan = rules.plan(episode.planCode());
		if (plan.isEmpty()) {
			return new Decision(SettlementLedger.ChargeState.UNADJUDICATED, "Coverage/" + episode.coverageId() + " names plan '"
					+ Objects.toString(episode.planCode(), "(none)") + "', which is not one of the region's plans (config/settlement.yaml)",
					null, null, null);
		}
		BenefitYear used = ledger.lockYear(episode.personId(), plan.get().key(), year);
		Adjudication adjudication = Adjudication.of(plan.get(), category, itemKey, total, used);
		ledger.saveYear(episode.personId(), plan.get().key(), year, used.plus(adjudication));
		return new Decision(SettlementLedger.ChargeState.ADJUDICATED, adjudication.reason(), adjudication, plan.get().key(),
				UUID.randomUUID().toString());
	}

	private void writeClaim(SettlementLedger.Episode episode, SettlementLedger.Charge charge, WorkflowEffects effects) {
		if (charge.claimId() == null) {
			return;
		}
		effects.write(FinancialResources.claim(charge.claimId(), charge, episode.coverageId(), clock.instant()));
		effects.write(FinancialResources.claimResponse(UUID.randomUUID().toString(), charge.claimId(), charge,
				rules.insurerOf(charge.plan()), clock.instant()));
	}

	private SettlementLedger.Charge record(SettlementLedger.Episode episode, String chargeItemId, Item item, SettlementLedger.ChargeState state,
			String reason, String category, Adjudication adjudication, String plan, String claimId) {
		SettlementLedger.Charge charge = new SettlementLedger.Charge(chargeItemId, item.sourceKey(), item.madeBy(), episode.accountId(),
				episode.hospital(), episode.patientId(), episode.personId(), item.itemKeys().get(0), item.display(), category, state,
				reason != null ? reason : adjudication != null ? adjudication.reason() : null, adjudication, plan, accounts.today().getYear(),
				claimId, accounts.today());
		ledger.record(charge);
		count(episode.hospital(), state);
		return charge;
	}

	/** A hospital's own ChargeItem: charged on the Account it names, reversed when voided, priced when it was waiting. */
	private void chargeItemWritten(ChargeItem previous, ChargeItem item, WorkflowEffects effects) {
		String id = item.getIdElement().getIdPart();
		Optional<SettlementLedger.Charge> known = ledger.charge(id);
		ChargeItem.ChargeItemStatus status = item.getStatus();
		boolean voided = status == ChargeItem.ChargeItemStatus.ENTEREDINERROR || status == ChargeItem.ChargeItemStatus.ABORTED;
		if (known.isPresent()) {
			SettlementLedger.Charge charge = known.get();
			if (voided && charge.state() != SettlementLedger.ChargeState.REVERSED) {
				reverse(charge, false, effects);
			} else if (status == ChargeItem.ChargeItemStatus.BILLABLE && (charge.state() == SettlementLedger.ChargeState.UNPRICED
					|| charge.state() == SettlementLedger.ChargeState.UNADJUDICATED)) {
				chargeWaiting(charge, item, effects);
			} else if (charge.state() == SettlementLedger.ChargeState.ADJUDICATED && previous != null && !samePrice(previous, item)) {
				throw Conflict.of("ChargeItem/" + id + " is adjudicated; to change what it charges, reverse it (status entered-in-error) "
						+ "and charge anew");
			}
			return;
		}
		if (status != ChargeItem.ChargeItemStatus.BILLABLE) {
			return; // planned or not billable: not a charge yet
		}
		String accountId = item.getAccount().stream().map(r -> r.getReferenceElement()).filter(r -> "Account".equals(r.getResourceType()))
				.map(r -> r.getIdPart()).findFirst().orElseThrow(() -> new UnprocessableEntityException("ChargeItem/" + id
						+ " names no Account: a charge goes on the visit's Account (the visit Encounter's account)"));
		SettlementLedger.Episode named = ledger.episode(accountId).orElseThrow(() -> new UnprocessableEntityException("ChargeItem/" + id
				+ ": Account/" + accountId + " is not a visit Account of OneTrip"));
		String patientId = item.getSubject().getReferenceElement().getIdPart();
		if (!"Patient".equals(item.getSubject().getReferenceElement().getResourceType())
				|| !accounts.personOf(patientId).equals(named.personId())) {
			throw new UnprocessableEntityException("ChargeItem/" + id + " is for " + item.getSubject().getReference()
					+ ", but Account/" + accountId + " is Patient/" + named.patientId() + "'s");
		}
		Optional<String> writer = Ownership.tagged(item);
		if (writer.isPresent() && !writer.get().equals(named.hospital())) {
			throw new ForbiddenOperationException(directory.hospitalName(writer.get()) + " cannot charge on Account/" + accountId + ", which is "
					+ directory.hospitalName(named.hospital()) + "'s");
		}
		ledger.serialiseAccounts(named.hospital(), named.patientId());
		SettlementLedger.Episode episode = ledger.lock(accountId).orElseThrow();
		if (episode.settled()) {
			throw Conflict.of("Account/" + accountId + " is settled (Invoice/" + episode.invoiceId() + "); a later charge goes on the "
					+ "patient's next visit");
		}
		Coding code = item.getCode().getCodingFirstRep();
		if (!code.hasSystem() || !code.hasCode()) {
			throw new UnprocessableEntityException("ChargeItem/" + id + " needs a code (system and code) naming what is charged");
		}
		Item charged = new Item("ChargeItem/" + id, "ChargeItem/" + id, episode.hospital(), episode.patientId(),
				item.getContext().getReferenceElement().getIdPart(), keysOf(item.getCode().getCoding()),
				code.hasDisplay() ? code.getDisplay() : code.getCode(), quantityOf(item));
		Priced priced = price(charged, item).orElseThrow(() -> new UnprocessableEntityException("ChargeItem/" + id + ": no price for "
				+ charged.display() + " (" + String.join(", ", charged.itemKeys()) + ") in the price list of "
				+ directory.hospitalName(episode.hospital()) + "; give priceOverride or add it to config/prices/" + episode.hospital() + ".json"));
		charge(episode, id, charged, priced.total(), priced.category(), effects);
	}

	/** A charge that waited for a price (or a known plan), tried again when its ChargeItem is written billable. */
	private void chargeWaiting(SettlementLedger.Charge waiting, ChargeItem item, WorkflowEffects effects) {
		ledger.serialiseAccounts(waiting.hospital(), waiting.patientId());
		SettlementLedger.Episode episode = ledger.lock(waiting.accountId()).orElseThrow();
		if (episode.settled()) {
			throw Conflict.of("Account/" + episode.accountId() + " is settled; ChargeItem/" + waiting.chargeItemId() + " was not part of it");
		}
		List<String> keys = keysOf(item.getCode().getCoding());
		if (keys.isEmpty()) {
			throw new UnprocessableEntityException("ChargeItem/" + waiting.chargeItemId() + " needs a code (system and code) "
					+ "naming what is charged");
		}
		Item charged = new Item(waiting.sourceKey(), waiting.madeBy(), waiting.hospital(), waiting.patientId(), null,
				keys, waiting.display(), quantityOf(item));
		Optional<Priced> priced = price(charged, item);
		if (priced.isEmpty()) {
			throw new UnprocessableEntityException("ChargeItem/" + waiting.chargeItemId() + ": still no price for " + waiting.display()
					+ "; give priceOverride or add it to config/prices/" + waiting.hospital() + ".json");
		}
		Decision decision = adjudicate(episode, priced.get().category(), charged.itemKeys().get(0), priced.get().total(), waiting.year());
		ledger.adjudicated(waiting.chargeItemId(), decision.state(), decision.reason(), priced.get().category(), decision.adjudication(),
				decision.plan(), decision.claimId());
		writeClaim(episode, ledger.charge(waiting.chargeItemId()).orElseThrow(), effects);
	}

	private record Priced(BigDecimal total, String category) {}

	/** The ChargeItem's own price (priceOverride: the line's total) or the hospital's list price times the quantity. */
	private Optional<Priced> price(Item item, ChargeItem resource) {
		Optional<PriceList.Price> listed = prices.find(item.hospital(), item.itemKeys());
		String category = listed.map(PriceList.Price::category).orElse("other");
		String charge = "ChargeItem/" + resource.getIdElement().getIdPart();
		if (resource.hasPriceOverride() && resource.getPriceOverride().hasValue()) {
			Money override = resource.getPriceOverride();
			if (override.getValue().signum() < 0) {
				throw new UnprocessableEntityException(charge + ": a charge cannot be negative; reverse the charge instead");
			}
			if (override.hasCurrency() && !FinancialResources.CURRENCY.equals(override.getCurrency())) {
				throw new UnprocessableEntityException(charge + ": priceOverride is in " + override.getCurrency() + "; the region's "
						+ "accounts are kept in " + FinancialResources.CURRENCY + ", so give the price in " + FinancialResources.CURRENCY);
			}
			return Optional.of(new Priced(Amounts.cents(withinTheLedger(override.getValue(), charge)), category));
		}
		return listed.map(p -> new Priced(Amounts.cents(withinTheLedger(p.unitPrice().multiply(item.quantity()), charge)), p.category()));
	}

	/** The ledger keeps amounts to 12 digits before the point (NUMERIC(14,2)). */
	private static final int LEDGER_INTEGER_DIGITS = 12;

	/**
	 * An amount the ledger can keep, told before it is rounded to cents: rounding a value such as 1E+999999999 would
	 * write out all its digits, and a larger one than the ledger's columns fails the whole clinical write with a 500.
	 */
	private static BigDecimal withinTheLedger(BigDecimal amount, String charge) {
		if (amount.signum() != 0 && amount.precision() - amount.scale() > LEDGER_INTEGER_DIGITS) {
			String written = amount.toString();
			throw new UnprocessableEntityException(charge + ": an amount of " + written.substring(0, Math.min(40, written.length()))
					+ " is more than any charge can be (at most 12 digits before the point); check the quantity and the price");
		}
		return amount;
	}

	private void reverseWhatWasMadeBy(String madeBy, WorkflowEffects effects) {
		ledger.chargeMadeBy(madeBy).ifPresent(charge -> reverse(charge, true, effects));
	}

	/**
	 * Gives back what the charge used of the person's year, cancels its Claim, and (when its source was voided) marks the
	 * ChargeItem aborted; after the settlement, refunds the patient's part (on the credit line when it was paid so).
	 */
	private void reverse(SettlementLedger.Charge asRead, boolean markItem, WorkflowEffects effects) {
		ledger.serialiseAccounts(asRead.hospital(), asRead.patientId());
		SettlementLedger.Episode episode = ledger.lock(asRead.accountId()).orElseThrow();
		// Read again under the locks: a write that held them meanwhile (a waiting charge priced and adjudicated) changed
		// what there is to give back.
		SettlementLedger.Charge charge = ledger.charge(asRead.chargeItemId()).orElse(asRead);
		if (!ledger.reversed(charge.chargeItemId(), accounts.today())) {
			return; // reversed by another write meanwhile: given back once
		}
		Adjudication adjudication = charge.adjudication();
		if (charge.state() == SettlementLedger.ChargeState.ADJUDICATED && charge.plan() != null) {
			BenefitYear used = ledger.lockYear(charge.personId(), charge.plan(), charge.year());
			ledger.saveYear(charge.personId(), charge.plan(), charge.year(), used.minus(adjudication));
		}
		count(charge.hospital(), SettlementLedger.ChargeState.REVERSED);
		if (charge.claimId() != null) {
			Claim claim = (Claim) daos.getResourceDao("Claim").read(new IdType("Claim", charge.claimId()), new SystemRequestDetails());
			claim.setStatus(Claim.ClaimStatus.CANCELLED);
			effects.write(claim);
		}
		if (markItem) {
			ChargeItem item = (ChargeItem) effects.queued("ChargeItem", charge.chargeItemId()).orElseGet(() ->
					daos.getResourceDao("ChargeItem").read(new IdType("ChargeItem", charge.chargeItemId()), new SystemRequestDetails()));
			item.setStatus(ChargeItem.ChargeItemStatus.ABORTED);
			item.addNote().setText("reversed: its " + charge.madeBy() + " was cancelled or entered in error");
			effects.write(item);
		}
		if (episode.settled() && adjudication != null && charge.state() == SettlementLedger.ChargeState.ADJUDICATED
				&& adjudication.copay().signum() > 0) {
			refund(episode, charge, effects);
		}
	}

	private void refund(SettlementLedger.Episode episode, SettlementLedger.Charge charge, WorkflowEffects effects) {
		BigDecimal refund = charge.adjudication().copay();
		String paymentId = UUID.randomUUID().toString();
		if (Settling.CREDIT_LINE.equals(episode.method())) {
			BigDecimal outstanding = ledger.lockCredit(episode.personId());
			ledger.saveCredit(episode.personId(), outstanding.subtract(refund).max(Amounts.ZERO));
		}
		ledger.paid(paymentId, episode.accountId(), episode.hospital(), episode.personId(), "refund", episode.method(), Settling.AUTOMATIC,
				refund.negate(), accounts.today());
		effects.write(FinancialResources.payment(paymentId, episode, episode.invoiceId(), refund.negate(), episode.method(),
				"refund of ChargeItem/" + charge.chargeItemId() + " (" + charge.display() + "), reversed after the settlement", clock.instant()));
	}

	private Optional<Item> itemOf(ServiceRequest request) {
		String hospital = hospitalOf(request.getPerformer()).or(() -> Ownership.tagged(request))
				.or(() -> hospitalOf(List.of(request.getRequester()))).orElse(null);
		Date when = request.hasOccurrenceDateTimeType() ? request.getOccurrenceDateTimeType().getValue()
				: request.hasOccurrencePeriod() ? request.getOccurrencePeriod().getStart() : request.getAuthoredOn();
		return item("ServiceRequest/" + request.getIdElement().getIdPart(), "ServiceRequest/" + request.getIdElement().getIdPart(), hospital,
				request.getSubject(), request.getEncounter(), () -> examKeys(request.getCode().getCoding()), request.getCode(), BigDecimal.ONE, when);
	}

	private Optional<Item> itemOf(DiagnosticReport report) {
		String hospital = hospitalOf(report.getPerformer()).or(() -> Ownership.tagged(report)).orElse(null);
		String self = "DiagnosticReport/" + report.getIdElement().getIdPart();
		String order = report.getBasedOn().stream().map(r -> r.getReferenceElement())
				.filter(r -> "ServiceRequest".equals(r.getResourceType())).map(r -> "ServiceRequest/" + r.getIdPart()).findFirst().orElse(self);
		Date when = report.hasIssued() ? report.getIssued() : report.hasEffectiveDateTimeType() ? report.getEffectiveDateTimeType().getValue()
				: report.hasEffectivePeriod() ? report.getEffectivePeriod().getStart() : null;
		return item(order, self, hospital, report.getSubject(), report.getEncounter(), () -> examKeys(report.getCode().getCoding()),
				report.getCode(), BigDecimal.ONE, when);
	}

	private Optional<Item> itemOf(MedicationDispense dispense) {
		if (!dispense.hasMedicationCodeableConcept()) {
			return Optional.empty(); // a Medication resource by reference: not priced by OneTrip
		}
		String hospital = Ownership.tagged(dispense)
				.or(() -> hospitalOf(dispense.getPerformer().stream().map(MedicationDispense.MedicationDispensePerformerComponent::getActor).toList()))
				.or(() -> hospitalOf(List.of(dispense.getLocation()))).orElse(null);
		String self = "MedicationDispense/" + dispense.getIdElement().getIdPart();
		CodeableConcept medication = dispense.getMedicationCodeableConcept();
		BigDecimal quantity = dispense.hasQuantity() && dispense.getQuantity().hasValue() ? dispense.getQuantity().getValue() : BigDecimal.ONE;
		if (quantity.signum() <= 0) {
			return Optional.empty(); // nothing handed over: nothing charged
		}
		Date when = dispense.hasWhenHandedOver() ? dispense.getWhenHandedOver() : dispense.getWhenPrepared();
		return item(self, self, hospital, dispense.getSubject(), dispense.getContext(), () -> keysOf(medication.getCoding()), medication,
				quantity, when);
	}

	/**
	 * @param when when it happened, if the resource says: a record of something that happened before the current visit
	 *             episode could have begun (history loaded from a hospital's system) is not charged now
	 */
	private Optional<Item> item(String sourceKey, String madeBy, String hospital, Reference subject, Reference encounter,
			Supplier<List<String>> itemKeys, CodeableConcept code, BigDecimal quantity, Date when) {
		if (hospital == null || !"Patient".equals(subject.getReferenceElement().getResourceType())
				|| when != null && !accounts.couldBeInTheCurrentEpisode(hospital, when)) {
			return Optional.empty(); // not at a hospital of the region, or history: nothing OneTrip charges now
		}
		List<String> keys = itemKeys.get(); // typed through the terminology only for what may be charged
		if (keys.isEmpty()) {
			return Optional.empty(); // nothing coded
		}
		String encounterId = "Encounter".equals(encounter.getReferenceElement().getResourceType()) ? encounter.getReferenceElement().getIdPart() : null;
		String display = code.hasText() ? code.getText() : code.getCodingFirstRep().hasDisplay() ? code.getCodingFirstRep().getDisplay()
				: code.getCodingFirstRep().getCode();
		return Optional.of(new Item(sourceKey, madeBy, hospital, subject.getReferenceElement().getIdPart(), encounterId, keys, display, quantity));
	}

	/** An order's codes, and the catalogue exam a hospital's local code maps to (a price list may price the LOINC exam). */
	private List<String> examKeys(List<Coding> codes) {
		List<String> keys = keysOf(codes);
		List<ExamCode> examCodes = codes.stream().filter(c -> c.hasSystem() && c.hasCode())
				.map(c -> new ExamCode(c.getSystem(), c.getCode(), c.getDisplay())).toList();
		if (!examCodes.isEmpty()) {
			terminology.type(examCodes).examType().ifPresent(exam -> {
				String catalogue = "http://loinc.org|" + exam.code();
				if (!keys.contains(catalogue)) {
					keys.add(catalogue);
				}
			});
		}
		return keys;
	}

	private static List<String> keysOf(List<Coding> codes) {
		List<String> keys = new ArrayList<>();
		codes.stream().filter(c -> c.hasSystem() && c.hasCode()).map(PriceList::key).forEach(keys::add);
		return keys;
	}

	private Optional<String> hospitalOf(List<Reference> references) {
		return references.stream().filter(r -> r != null && r.hasReference()).map(r -> directory.hospitalOf(r.getReference()))
				.flatMap(Optional::stream).map(h -> h.key()).findFirst();
	}

	private static BigDecimal quantityOf(ChargeItem item) {
		BigDecimal quantity = item.hasQuantity() && item.getQuantity().hasValue() ? item.getQuantity().getValue() : BigDecimal.ONE;
		if (quantity.signum() <= 0) {
			throw new UnprocessableEntityException("ChargeItem/" + item.getIdElement().getIdPart() + ": a quantity of " + quantity
					+ " charges nothing; reverse a charge instead (status entered-in-error)");
		}
		return quantity;
	}

	private static boolean samePrice(ChargeItem previous, ChargeItem item) {
		return Objects.equals(amount(previous.getPriceOverride()), amount(item.getPriceOverride()))
				&& quantityOf(previous).compareTo(quantityOf(item)) == 0
				&& keysOf(previous.getCode().getCoding()).equals(keysOf(item.getCode().getCoding()));
	}

	private static BigDecimal amount(Money money) {
		return money == null || !money.hasValue() ? null : Amounts.cents(money.getValue());
	}

	private void count(String hospital, SettlementLedger.ChargeState state) {
		Counter.builder("onetrip.charges").description("Charges recorded on visit Accounts, by hospital and state")
				.tag("hospital", hospital).tag("state", state.name().toLowerCase()).register(meters).increment();
	}
}
