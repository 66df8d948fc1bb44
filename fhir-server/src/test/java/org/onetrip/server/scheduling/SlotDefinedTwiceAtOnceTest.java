package org.onetrip.server.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.onetrip.server.ServerTest;
import org.onetrip.workflow.booking.SlotCapacity;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Two first definitions of one slot at once, each in a transaction still open (two bookings for a Slot stored before
 * the ledger knew it): both succeed and the slot has one ledger row, where the second had failed on the first's key.
 */
class SlotDefinedTwiceAtOnceTest extends ServerTest {

	@Autowired
	SlotLedger ledger;

	@Autowired
	PlatformTransactionManager transactions;

	@Test
	void bothDefinitionsSucceed() throws Exception {
		Instant start = Instant.parse("2031-04-01T08:00:00Z");
		String slot = unique("defined-twice");
		SlotCapacity capacity = new SlotCapacity(slot, start, 2, 0, start, "hospital-a");
		TransactionTemplate inTransaction = new TransactionTemplate(transactions);
		CountDownLatch firstDefined = new CountDownLatch(1);

		CompletableFuture<Void> first = CompletableFuture.runAsync(() -> inTransaction.executeWithoutResult(tx -> {
			ledger.define(capacity);
			firstDefined.countDown();
			sleep(Duration.ofMillis(500)); // the booking's transaction goes on with its row inserted, not committed
		}));
		assertThat(firstDefined.await(30, TimeUnit.SECONDS)).isTrue();
		CompletableFuture<Void> second = CompletableFuture.runAsync(() -> inTransaction.executeWithoutResult(tx -> ledger.define(capacity)));

		first.get(30, TimeUnit.SECONDS);
		second.get(30, TimeUnit.SECONDS);
		assertThat(ledger.availability(slot, start.minusSeconds(60)).orElseThrow().capacity().capacity()).isEqualTo(2);
	}

	private static void sleep(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}
}
