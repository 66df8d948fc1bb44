package org.onetrip.server.hapi;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.jpa.model.entity.PartitionablePartitionId;
import ca.uhn.fhir.rest.api.server.storage.TransactionDetails;
import ca.uhn.fhir.util.ResourceReferenceInfo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.IdType;

/**
 * Finds the stored resources a write's literal references point at ({@code Slot/123}) with one SQL statement, before
 * HAPI indexes the write, and hands them to HAPI as already resolved for this transaction.
 *
 * <p>Why: with deletes enabled HAPI looks every reference target up in the database, one Hibernate criteria query per
 * reference ({@code DaoResourceLinkResolver}, "no cache unless deletes disabled"), and Hibernate 6.6 translates each
 * criteria query afresh: in a booking storm a fifth of the server's CPU went there, for an Appointment's two references
 * (bench/HISTORY.md, 2026-12-03). HAPI's transaction processing hands over the targets it already knows the same way
 * ({@link TransactionDetails#addResolvedResourceId}); this does it for single writes. A FHIR transaction is left to
 * HAPI: it looks up the targets of every {@code Type/id} reference in the Bundle together before storing any entry, and
 * the walk here found nothing left to look up while costing 3 % of a Synthea load's CPU (bench/HISTORY.md, stop 42).
 *
 * <p>Only targets found and not deleted are handed over, read in the write's own transaction; anything else (a missing
 * or deleted target, a conditional, contained or absolute reference, one to a resource written earlier in the same
 * Bundle and not yet flushed) is left to HAPI, whose errors stay as they were.
 */
@Interceptor
public class ReferenceTargetPrefetch {

	/** More targets than this in one write (a large List or Bundle-like resource) are left to HAPI as they are. */
	private static final int MAX_TARGETS = 100;

	private final FhirContext fhirContext;
	private final StoredResources stored;

	public ReferenceTargetPrefetch(FhirContext fhirContext, StoredResources stored) {
		this.fhirContext = fhirContext;
		this.stored = stored;
	}

	@Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
	public void creating(IBaseResource resource, TransactionDetails transaction) {
		prefetch(resource, transaction);
	}

	@Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
	public void updating(IBaseResource previous, IBaseResource resource, TransactionDetails transaction) {
		prefetch(resource, transaction);
	}

	void prefetch(IBaseResource resource, TransactionDetails transaction) {
		if (resource == null || transaction == null || transaction.isFhirTransaction()) {
			return;
		}
		Map<String, IIdType> wanted = new LinkedHashMap<>();
		for (ResourceReferenceInfo info : fhirContext.newTerser().getAllResourceReferences(resource)) {
			IIdType target = info.getResourceReference().getReferenceElement();
			if (isLiteralLocal(target)) {
				IIdType versionless = new IdType(target.getResourceType(), target.getIdPart());
				if (!transaction.hasResolvedResourceId(versionless)) {
					wanted.putIfAbsent(versionless.getValue(), versionless);
				}
			}
		}
		if (wanted.isEmpty() || wanted.size() > MAX_TARGETS) {
			return;
		}
		resolved(transaction, stored.find(wanted.values()));
	}

	private static void resolved(TransactionDetails transaction, List<StoredResources.Stored> targets) {
		for (StoredResources.Stored found : targets) {
			JpaPid pid = found.partitionId() == null && found.partitionDate() == null ? JpaPid.fromId(found.resId())
					: JpaPid.fromId(found.resId(), new PartitionablePartitionId(found.partitionId(), found.partitionDate()));
			IIdType target = new IdType(found.type(), found.id());
			pid.setAssociatedResourceId(target);
			pid.setResourceType(found.type());
			transaction.addResolvedResourceId(target, pid);
		}
	}

	/** {@code Type/id} on this server: not contained (#), not absolute, not a placeholder, not a search. */
	private static boolean isLiteralLocal(IIdType reference) {
		if (reference == null || reference.isEmpty() || reference.isLocal() || reference.isAbsolute()
				|| !reference.hasResourceType() || !reference.hasIdPart()) {
			return false;
		}
		String value = reference.getValue();
		return !value.startsWith("urn:") && value.indexOf('?') < 0;
	}
}
