package org.onetrip.server.settlement;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import org.onetrip.server.observability.BackgroundRefresh;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;

/**
 * Treatment first, pay once: when a visit's covered days are over, or the doctor closes the visit (its Encounter
 * finished), a patient with a credit line is settled without being asked (channel automatic). An Account that cannot be (no credit line, the line full, a charge waiting for a
 * price) keeps its reason for the report and waits for the patient at a kiosk; it is tried again an hour later. Every
 * instance sweeps; the Account's row lock makes each settlement happen once.
 */
class EndedVisits implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(EndedVisits.class);
	private static final Duration RETRY_AFTER = Duration.ofHours(1);
	private static final int PER_ROUND = 200;

	private final SettlementLedger ledger;
	private final Settling settling;
	private final Duration every;
	private final ZoneId zone;
	private final Clock clock;
	private BackgroundRefresh sweeper;

	EndedVisits(SettlementLedger ledger, Settling settling, Duration every, ZoneId zone, Clock clock) {
		this.ledger = ledger;
		this.settling = settling;
		this.every = every;
		this.zone = zone;
		this.clock = clock;
	}

	@EventListener(ApplicationReadyEvent.class)
	public void start() {
		sweeper = new BackgroundRefresh("ended-visits", every, this::sweep);
	}

	/** Settles one ended visit now (the doctor closed it), on its credit line; a refusal is kept for the report. */
	void settleNow(String accountId) {
		// Runs after the closing write committed: whatever happens here is the settlement's, never that write's answer.
		try {
			settling.settle(accountId, false, Settling.AUTOMATIC);
		} catch (BaseServerResponseException e) {
			ledger.refused(accountId, e.getMessage(), clock.millis());
			log.debug("Account/{} not settled when its visit was closed: {}", accountId, e.getMessage());
		} catch (RuntimeException e) {
			log.warn("Account/{} not settled when its visit was closed (the sweep tries again): {}", accountId, e.toString());
		}
	}

	/** Settles the visits that ended; returns how many were settled. */
	int sweep() {
		LocalDate today = LocalDate.ofInstant(clock.instant(), zone);
		long now = clock.millis();
		int settled = 0;
		for (String accountId : ledger.ended(today, now - RETRY_AFTER.toMillis(), PER_ROUND)) {
			try {
				if (!settling.settle(accountId, false, Settling.AUTOMATIC).again()) {
					settled++;
				}
			} catch (BaseServerResponseException e) {
				ledger.refused(accountId, e.getMessage(), now);
				log.debug("Account/{} not settled at the end of its visit: {}", accountId, e.getMessage());
			} catch (RuntimeException e) {
				// One Account that fails for another reason must not hold up the others: tried again an hour later.
				log.warn("Account/{} not settled at the end of its visit: {}", accountId, e.toString());
				ledger.refused(accountId, e.toString(), now);
			}
		}
		if (settled > 0) {
			log.info("{} ended visit(s) settled on their credit line", settled);
		}
		return settled;
	}

	@Override
	public void close() {
		if (sweeper != null) {
			sweeper.close();
		}
	}
}
