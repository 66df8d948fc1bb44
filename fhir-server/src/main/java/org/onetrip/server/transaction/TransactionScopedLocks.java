package org.onetrip.server.transaction;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.springframework.dao.CannotAcquireLockException;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * In-process locks held from the moment a transaction takes them until it commits or rolls back, so a
 * decision read and written in one transaction is never interleaved with another of this process on the
 * same key. Striped: keys hashing alike share a lock, which only costs a little concurrency. Across
 * OneTrip instances the database decides (row locks, unique keys); this covers H2, which is one process.
 */
public final class TransactionScopedLocks {

	private final ReentrantLock[] stripes;
	private final int waitSeconds;

	public TransactionScopedLocks(int stripeCount, int waitSeconds) {
		this.stripes = new ReentrantLock[stripeCount];
		for (int i = 0; i < stripes.length; i++) {
			stripes[i] = new ReentrantLock();
		}
		this.waitSeconds = waitSeconds;
	}

	/** Takes the key's lock until the current transaction ends; refuses when the key stays busy too long. */
	public void holdUntilTransactionEnds(String key) {
		if (!TransactionSynchronizationManager.isSynchronizationActive()) {
			throw new IllegalStateException("a transaction-scoped lock needs a transaction");
		}
		ReentrantLock lock = stripes[Math.floorMod(key.hashCode(), stripes.length)];
		if (lock.isHeldByCurrentThread()) {
			return; // two keys on one stripe in one transaction: already ours until it ends
		}
		try {
			if (!lock.tryLock(waitSeconds, TimeUnit.SECONDS)) {
				throw new CannotAcquireLockException(key + " is busy; try again");
			}
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new CannotAcquireLockException("interrupted while waiting for " + key);
		}
		TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
			@Override
			public void afterCompletion(int status) {
				lock.unlock();
			}
		});
	}
}
