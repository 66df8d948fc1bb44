package org.onetrip.server.hapi;

import java.util.Set;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * A feature's part in what a FHIR write sets in motion. Handlers do not hook HAPI themselves: the one
 * {@link WorkflowPipeline} calls them, for the resource types they name, in the order of their {@link Stage}, on
 * every write path (REST, transactions, operations, the DICOM sync, their own effects). The rules they apply live in
 * the plain-Java workflow module ({@code org.onetrip.workflow}); a handler reads what the rule needs, asks it, and
 * applies its answer: ledger rows directly (same transaction), FHIR writes through {@link WorkflowEffects}.
 */
public interface WorkflowHandler {

	/**
	 * The order handlers run in on one write. A referral is judged before slots are claimed (its refusal costs no slot
	 * lock), the slot claim before the visit is registered (a refused booking registers nothing), the visit registered
	 * before it is charged (its fee goes on the Account the registration opens), indexes last (they record what the write
	 * finally is); a result completes a follow-up after it is indexed.
	 */
	enum Stage { REFERRAL, CONSULTATION, BOOKING, REGISTRATION, CHARGES, PRIOR_EXAM_INDEX, FOLLOW_UP, CODE_MAPS }

	/**
	 * One resource written in the transaction; {@code previous} only for updates (HAPI's stored version before it);
	 * {@code request} the request that wrote it (a rule that depends on who writes reads its caller from it), or null.
	 */
	record Write(Kind kind, IBaseResource previous, IBaseResource resource, RequestDetails request) {
		public enum Kind { CREATED, UPDATED, DELETED }

		public Write(Kind kind, IBaseResource previous, IBaseResource resource) {
			this(kind, previous, resource, null);
		}

		public String id() {
			return resource.getIdElement().getIdPart();
		}

		public boolean deleted() {
			return kind == Kind.DELETED;
		}
	}

	Stage stage();

	/** The resource types whose writes this handler is given (FHIR type names). */
	Set<String> resourceTypes();

	/**
	 * Before HAPI indexes and stores a created or updated resource: a cheap refusal (throw a HAPI exception) saves the
	 * whole write. Nothing is locked here; {@link #written} stays the authority.
	 */
	default void beforeStorage(Write write) {}

	/** In the write's transaction, before it commits: throw to refuse the whole write, or add effects. */
	void written(Write write, WorkflowEffects effects);
}
