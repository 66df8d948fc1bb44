package org.onetrip.server.hapi;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * What the handlers of one write ask for beyond their own ledger rows: FHIR resources to write in the same
 * transaction (applied in the order asked, after every handler of the write has run, so a later handler's refusal
 * writes nothing), and actions to run only once the transaction has committed. The pipeline's own writes come back
 * through the pipeline like any other; a handler recognises its own effect by the state its ledger already holds, not
 * by a flag.
 */
public final class WorkflowEffects {

	private final List<IBaseResource> writes = new ArrayList<>();
	private final List<Runnable> afterCommit = new ArrayList<>();
	/** The write's transaction's persistence context (the pipeline's). */
	private final jakarta.persistence.EntityManager entityManager;

	WorkflowEffects(jakarta.persistence.EntityManager entityManager) {
		this.entityManager = entityManager;
	}

	/**
	 * Writes the resource at its id (created if new, else updated), or creates it with a server-assigned id when it has
	 * none. A handler that must know the id beforehand (to record it in its ledger) assigns one.
	 */
	public void write(IBaseResource resource) {
		Optional<IBaseResource> queued = queued(resource.fhirType(), resource.getIdElement().getIdPart());
		if (queued.isPresent()) {
			writes.set(writes.indexOf(queued.get()), resource); // one write per resource: the latest asked
		} else {
			writes.add(resource);
		}
	}

	/**
	 * Writes the resource before every write asked so far: for one that resources already queued refer to (HAPI checks
	 * references as each is written), such as the Account a visit's Encounter names.
	 */
	public void writeFirst(IBaseResource resource) {
		queued(resource.fhirType(), resource.getIdElement().getIdPart()).ifPresent(writes::remove);
		writes.add(0, resource);
	}

	/**
	 * The resource already asked to be written in this write, if any: a second step on it must change that one, not a
	 * fresh read of the stored version (which the first would then overwrite, or conflict with).
	 */
	public Optional<IBaseResource> queued(String type, String id) {
		if (id == null) {
			return Optional.empty();
		}
		return writes.stream().filter(r -> r.fhirType().equals(type) && id.equals(r.getIdElement().getIdPart())).findFirst();
	}

	/** Runs after the write's transaction commits; never if it rolls back. */
	public void afterCommit(Runnable action) {
		afterCommit.add(action);
	}

	boolean isEmpty() {
		return writes.isEmpty() && afterCommit.isEmpty();
	}

	/**
	 * Each write is flushed before the next: inside a transaction Bundle HAPI keeps its writes in the persistence context
	 * until commit (flush mode COMMIT), so a later effect naming an earlier one (a ChargeItem its visit's new Account) would
	 * not find it when HAPI checks the reference with a query.
	 */
	void apply(DaoRegistry daos) {
		for (IBaseResource resource : writes) {
			var dao = daos.getResourceDao(resource.fhirType());
			if (resource.getIdElement().hasIdPart()) {
				dao.update(resource, new SystemRequestDetails());
			} else {
				dao.create(resource, new SystemRequestDetails());
			}
			flushPendingWrites(resource.fhirType() + "/" + resource.getIdElement().getIdPart());
		}
		for (Runnable action : afterCommit) {
			runAfterCommit(action);
		}
	}

	/**
	 * Writes the transaction's pending changes to the database now, not at commit: the effects written so far, or for a
	 * handler, HAPI's rows of the write it is handling. A unique-constraint race is what HAPI's own flushes make of it: a
	 * 409 the client may retry (HAPI retries a conditional create on exactly this class), not a 500. {@code written}:
	 * the resource being written, for the message.
	 */
	public void flushPendingWrites(String written) {
		try {
			entityManager.flush();
		} catch (jakarta.persistence.PersistenceException e) {
			throw e.getCause() instanceof org.hibernate.exception.ConstraintViolationException
					? new ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException("A concurrent write took "
							+ written + " first: " + e.getCause().getMessage())
					: e;
		}
	}

	/** Outside a Spring transaction (never on a HAPI write path) the action runs at once. */
	private static void runAfterCommit(Runnable action) {
		if (!TransactionSynchronizationManager.isSynchronizationActive()) {
			action.run();
			return;
		}
		TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
			@Override
			public void afterCommit() {
				action.run();
			}
		});
	}
}
