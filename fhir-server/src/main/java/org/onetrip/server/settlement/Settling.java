package org.onetrip.server.settlement;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import org.hl7.fhir.r4.model.Account;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;
import org.onetrip.server.hapi.PutTransaction;
import org.hl7.fhir.r4.model.ChargeItem;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Invoice;
import org.hl7.fhir.r4.model.PaymentReconciliation;
import org.onetrip.server.hapi.Conflict;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.workflow.settlement.InsurancePlan;
import org.onetrip.workflow.settlement.Settlement;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Pay once: settles a visit's Account in one transaction under its row lock. One Invoice (a line per charge, insurer and
 * patient totals), the patient's part taken once (on the credit line, or paid by the health card at a kiosk) and recorded
 * as a PaymentReconciliation, the charges billed, the Account inactive. A second settlement of the same Account, from
 * another kiosk or another OneTrip instance, waits for the lock and gets the same Invoice.
 */
public class Settling {

	public static final String CREDIT_LINE = "credit-line";
	public static final String CARD = "card";
	public static final String NOTHING_DUE = "nothing-due";
	/** Channels: self-service (a kiosk, the patient's app, the end of the visit on the credit line) or a hospital's desk. */
	public static final String KIOSK = "kiosk";
	public static final String APP = "app";
	public static final String DESK = "desk";
	public static final String AUTOMATIC = "automatic";
	static final List<String> SELF_SERVICE = List.of(KIOSK, APP, AUTOMATIC);

	/** The settlement's Invoice and its payment (none when nothing was due); {@code again}: it was settled before. */
	public record Outcome(Invoice invoice, PaymentReconciliation payment, String method, boolean again) {}

	private final SettlementLedger ledger;
	private final SettlementRules rules;
	private final RegionDirectory directory;
	private final DaoRegistry daos;
	private final IFhirSystemDao<Bundle, ?> systemDao;
	private final TransactionTemplate transaction;
	private final MeterRegistry meters;
	private final ZoneId zone;
	private final Clock clock;

	Settling(SettlementLedger ledger, SettlementRules rules, RegionDirectory directory, DaoRegistry daos, IFhirSystemDao<Bundle, ?> systemDao,
			PlatformTransactionManager transactions, MeterRegistry meters, ZoneId zone, Clock clock) {
		this.ledger = ledger;
		this.rules = rules;
		this.directory = directory;
		this.daos = daos;
		this.systemDao = systemDao;
		this.transaction = new TransactionTemplate(transactions);
		// Its own transaction always: it also runs right after a closed visit's write has committed (Charging).
		this.transaction.setPropagationBehavior(org.springframework.transaction.TransactionDefinition.PROPAGATION_REQUIRES_NEW);
		this.meters = meters;
		this.zone = zone;
		this.clock = clock;
	}

	/** @param byCard the patient's part is paid by the health card (a kiosk); otherwise it goes on the credit line */
	public Outcome settle(String accountId, boolean byCard, String channel) {
		return transaction.execute(tx -> {
			SettlementLedger.Episode known = ledger.episode(accountId).orElseThrow(() ->
					new ResourceNotFoundException("Account/" + accountId + " is not a visit Account of OneTrip"));
			ledger.serialiseAccounts(known.hospital(), known.patientId()); // the lock order every charge keeps
			SettlementLedger.Episode episode = ledger.lock(accountId).orElseThrow();
			if (episode.settled()) {
				return again(episode);
			}
			List<SettlementLedger.Charge> lines = ledger.chargesOf(accountId).stream()
					.filter(c -> c.state() != SettlementLedger.ChargeState.REVERSED).toList();
			List<SettlementLedger.Charge> waiting = lines.stream().filter(c -> c.state() != SettlementLedger.ChargeState.ADJUDICATED).toList();
			if (!waiting.isEmpty()) {
				throw Conflict.of("Account/" + accountId + " cannot be settled yet: " + waiting.stream()
						.map(c -> "ChargeItem/" + c.chargeItemId() + " (" + c.display() + ") is not adjudicated: " + c.reason())
						.collect(Collectors.joining("; ")));
			}
			Settlement.Totals totals = Settlement.totals(lines.stream().map(SettlementLedger.Charge::adjudication).toList());
			String method = totals.patient().signum() == 0 ? NOTHING_DUE : byCard ? CARD : onCredit(episode, totals.patient());
			return settled(episode, lines, totals, method, channel);
		});
	}

	/** Takes the patient's part on the credit line, or refuses with what the patient can do instead. */
	private String onCredit(SettlementLedger.Episode episode, BigDecimal patientPart) {
		BigDecimal limit = rules.plan(episode.planCode()).map(InsurancePlan::creditLine).orElse(BigDecimal.ZERO);
		BigDecimal outstanding = ledger.lockCredit(episode.personId());
		Settlement.Credit credit = Settlement.credit(limit, outstanding, patientPart);
		if (credit instanceof Settlement.NoCreditLine) {
			throw Conflict.of("Patient/" + episode.patientId() + " has no credit line"
					+ (episode.coverageId() == null ? " (no insurance Coverage)" : " under plan '" + episode.planCode() + "'")
					+ ": the patient's part, " + patientPart + " " + FinancialResources.CURRENCY + ", is paid at a kiosk with the health card");
		}
		if (credit instanceof Settlement.CreditExceeded exceeded) {
			throw Conflict.of("Account/" + episode.accountId() + ": " + exceeded.explain());
		}
		ledger.saveCredit(episode.personId(), ((Settlement.OnCredit) credit).outstandingAfter());
		return CREDIT_LINE;
	}

	private Outcome settled(SettlementLedger.Episode episode, List<SettlementLedger.Charge> lines, Settlement.Totals totals, String method,
			String channel) {
		SystemRequestDetails system = new SystemRequestDetails();
		LocalDate today = LocalDate.ofInstant(clock.instant(), zone);
		String hospitalName = directory.hospitalName(episode.hospital());
		String invoiceId = UUID.randomUUID().toString();
		Invoice invoice = FinancialResources.invoice(invoiceId, episode, lines, totals, hospitalName, clock.instant());
		List<Resource> writes = new ArrayList<>(List.of(invoice));
		PaymentReconciliation payment = null;
		if (totals.patient().signum() > 0) {
			String paymentId = UUID.randomUUID().toString();
			payment = FinancialResources.payment(paymentId, episode, invoiceId, totals.patient(), method,
					"the patient's part of the visit, paid " + (CARD.equals(method) ? "by health card" : "on the credit line"), clock.instant());
			writes.add(payment);
			ledger.paid(paymentId, episode.accountId(), episode.hospital(), episode.personId(), "settlement", method, channel,
					totals.patient(), today);
		}
		// The charges billed and the Account closed with the Invoice, in one FHIR transaction (nested in this one, under the
		// Account's row lock): read together, written together.
		if (!lines.isEmpty()) {
			TokenOrListParam ids = new TokenOrListParam();
			lines.forEach(line -> ids.addOr(new TokenParam(line.chargeItemId())));
			daos.getResourceDao(ChargeItem.class).searchForResources(SearchParameterMap.newSynchronous().add("_id", ids), system)
					.forEach(resource -> {
						ChargeItem item = (ChargeItem) resource;
						item.setStatus(ChargeItem.ChargeItemStatus.BILLED);
						writes.add(item);
					});
		}
		Account account = daos.getResourceDao(Account.class).read(new IdType("Account", episode.accountId()), system);
		account.setStatus(Account.AccountStatus.INACTIVE);
		writes.add(account);
		systemDao.transactionNested(system, PutTransaction.of(writes));
		ledger.settled(episode.accountId(), invoiceId, method, channel, totals, today);
		Counter.builder("onetrip.settlements").description("Visits settled once, by hospital, how the patient's part was paid and where")
				.tag("hospital", episode.hospital()).tag("method", method).tag("channel", channel).register(meters).increment();
		return new Outcome(invoice, payment, method, false);
	}

	private Outcome again(SettlementLedger.Episode episode) {
		SystemRequestDetails system = new SystemRequestDetails();
		Invoice invoice = daos.getResourceDao(Invoice.class).read(new IdType("Invoice", episode.invoiceId()), system);
		return new Outcome(invoice, null, episode.method(), true);
	}
}
