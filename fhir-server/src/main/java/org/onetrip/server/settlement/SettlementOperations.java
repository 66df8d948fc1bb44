package org.onetrip.server.settlement;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.Account;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.StringType;
import org.onetrip.server.identity.HealthCardOperations;
import org.onetrip.server.identity.HealthCards;
import org.onetrip.server.identity.PersonResolver;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.server.security.Caller;
import org.onetrip.server.security.FhirAccessInterceptor;

/**
 * {@code Account/[id]/$settle}: the visit's one settlement. Without a token the patient's part goes on the credit line
 * (the desk, the patient's app); with the health card's token (a kiosk scanning the card's QR code, or the app) the card
 * pays it. The hospital of the Account, the region, or the patient (their own person's Accounts) may settle.
 * {@code $settlement-report?date=...}: the day's figures per hospital (a hospital sees its own).
 */
public class SettlementOperations {

	private final Settling settling;
	private final SettlementLedger ledger;
	private final SettlementReport report;
	private final VisitAccounts accounts;
	private final HealthCards cards;
	private final PersonResolver persons;
	private final RegionDirectory directory;

	SettlementOperations(Settling settling, SettlementLedger ledger, SettlementReport report, VisitAccounts accounts, HealthCards cards,
			PersonResolver persons, RegionDirectory directory) {
		this.settling = settling;
		this.ledger = ledger;
		this.report = report;
		this.accounts = accounts;
		this.cards = cards;
		this.persons = persons;
		this.directory = directory;
	}

	@Operation(name = "$settle", type = Account.class, idempotent = false)
	public Parameters settle(@IdParam IdType accountId, @OperationParam(name = "token", max = 1) StringType token,
			RequestDetails request) {
		String id = accountId.getIdPart();
		SettlementLedger.Episode episode = ledger.episode(id).orElseThrow(() ->
				new ResourceNotFoundException("Account/" + id + " is not a visit Account of OneTrip"));
		Optional<Caller> caller = FhirAccessInterceptor.judgedCaller(request);
		caller.ifPresent(c -> mayDecide(c, episode));
		boolean byCard = token != null && token.getValue() != null;
		if (byCard) {
			List<Patient> cardholder = HealthCardOperations.personPatients(cards, persons, token.getValue());
			if (cardholder.stream().noneMatch(p -> accounts.personOf(p.getIdElement().getIdPart()).equals(episode.personId()))) {
				throw new ForbiddenOperationException("This health card is not the card of Account/" + id + "'s patient");
			}
		}
		boolean patientApp = caller.map(Caller::isPatient).orElse(false);
		String channel = patientApp ? Settling.APP : byCard ? Settling.KIOSK : Settling.DESK;
		Settling.Outcome outcome = settling.settle(id, byCard, channel);
		Parameters out = new Parameters();
		out.addParameter().setName("invoice").setResource(outcome.invoice());
		if (outcome.payment() != null) {
			out.addParameter().setName("payment").setResource(outcome.payment());
		}
		out.addParameter().setName("method").setValue(new StringType(outcome.method()));
		out.addParameter().setName("settled-before").setValue(new BooleanType(outcome.again()));
		return out;
	}

	/** The Account's hospital, the region, or the patient whose person it is. */
	private void mayDecide(Caller caller, SettlementLedger.Episode episode) {
		if (caller.isRegion()) {
			return;
		}
		if (caller.isPatient()) {
			if (!accounts.personOf(caller.patientId()).equals(episode.personId())) {
				throw new ForbiddenOperationException("Account/" + episode.accountId() + " is not one of your visits");
			}
			return;
		}
		if (!episode.hospital().equals(caller.hospital())) {
			throw new ForbiddenOperationException("Account/" + episode.accountId() + " is " + directory.hospitalName(episode.hospital())
					+ "'s; " + directory.hospitalName(caller.hospital()) + " cannot settle it");
		}
	}

	@Operation(name = "$settlement-report", idempotent = true)
	public Parameters settlementReport(@OperationParam(name = "date", min = 1, max = 1) DateType date,
			@OperationParam(name = "hospital", max = 1) StringType hospital, RequestDetails request) {
		if (date == null || date.getValue() == null) {
			throw new InvalidRequestException("$settlement-report needs 'date' (the day, YYYY-MM-DD)");
		}
		LocalDate day = LocalDate.of(date.getYear(), date.getMonth() + 1, date.getDay());
		Optional<Caller> caller = FhirAccessInterceptor.judgedCaller(request);
		if (caller.isPresent() && caller.get().isPatient()) {
			throw new ForbiddenOperationException("$settlement-report is for hospitals and the region");
		}
		String asked = hospital == null ? null : hospital.getValue();
		if (asked != null && directory.hospitalOf("Organization/" + asked).isEmpty()) {
			throw new InvalidRequestException("$settlement-report: '" + asked + "' is not a hospital of the region");
		}
		String own = caller.filter(c -> !c.isRegion()).map(Caller::hospital).orElse(null);
		if (own != null && asked != null && !asked.equals(own)) {
			throw new ForbiddenOperationException(directory.hospitalName(own) + " sees its own settlement figures, not "
					+ directory.hospitalName(asked) + "'s");
		}
		String only = own != null ? own : asked;
		List<String> hospitals = only != null ? List.of(only)
				: directory.region().hospitals().stream().map(h -> h.key()).toList();
		return report.of(day, hospitals);
	}
}
