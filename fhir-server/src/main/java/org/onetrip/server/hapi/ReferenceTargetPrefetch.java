package org.onetrip.server.hapi;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.jpa.model.entity.PartitionablePartitionId;
import ca.uhn.fhir.rest.api.server.storage.TransactionDetails;
import ca.uhn.fhir.util.ResourceReferenceInfo;
import java.sql.Date;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.IdType;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Finds the stored resources a write's literal references point at ({@code Slot/123}) with one SQL statement, before
 * HAPI indexes the write, and hands them to HAPI as already resolved for this transaction.
 *
 * <p>Why: with deletes enabled HAPI looks every reference target up in the database, one Hibernate criteria query per
 * reference ({@code DaoResourceLinkResolver}, "no cache unless deletes disabled"), and Hibernate 6.6 translates each
 * criteria query afresh: in a booking storm a fifth of the server's CPU went there, for an Appointment's two references
 * (bench/HISTORY.md, 2026-12-03). HAPI's transaction processing hands over the targets it already knows the same way
 * ({@link TransactionDetails#addResolvedResourceId}); this does it for single writes and for the references a
 * transaction did not resolve.
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
	private final JdbcTemplate jdbc;

	public ReferenceTargetPrefetch(FhirContext fhirContext, JdbcTemplate jdbc) {
		this.fhirContext = fhirContext;
		this.jdbc = jdbc;
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
		if (resource == null || transaction == null) {
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
		StringBuilder sql = new StringBuilder(
				"SELECT RES_ID, RES_TYPE, FHIR_ID, PARTITION_ID, PARTITION_DATE FROM HFJ_RESOURCE WHERE RES_DELETED_AT IS NULL AND (");
		List<Object> arguments = new ArrayList<>(wanted.size() * 2);
		for (IIdType target : wanted.values()) {
			sql.append(arguments.isEmpty() ? "" : " OR ").append("(RES_TYPE = ? AND FHIR_ID = ?)");
			arguments.add(target.getResourceType());
			arguments.add(target.getIdPart());
		}
		sql.append(')');
		jdbc.query(sql.toString(), rs -> {
			long id = rs.getLong(1);
			Integer partitionId = (Integer) rs.getObject(4);
			Date partitionDate = rs.getDate(5);
			JpaPid pid = partitionId == null && partitionDate == null ? JpaPid.fromId(id)
					: JpaPid.fromId(id, new PartitionablePartitionId(partitionId, partitionDate == null ? null : partitionDate.toLocalDate()));
			IIdType target = new IdType(rs.getString(2), rs.getString(3));
			pid.setAssociatedResourceId(target);
			pid.setResourceType(target.getResourceType());
			transaction.addResolvedResourceId(target, pid);
		}, arguments.toArray());
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
