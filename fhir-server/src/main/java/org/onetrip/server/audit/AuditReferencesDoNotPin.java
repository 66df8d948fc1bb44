package org.onetrip.server.audit;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.model.DeleteConflict;
import ca.uhn.fhir.jpa.api.model.DeleteConflictList;
import ca.uhn.fhir.model.primitive.IdDt;
import java.util.ArrayList;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The audit trail names what was touched and must not pin it: a record that was read or written can still be
 * deleted (its AuditEvents keep the reference, as history). HAPI refuses a delete while anything references the
 * resource; this takes AuditEvents out of its conflict list, and when HAPI's first look found only AuditEvents,
 * asks the database whether anything else refers to the resource, so a real reference still stops the delete.
 */
@Interceptor
public class AuditReferencesDoNotPin {

	private final JdbcTemplate jdbc;

	public AuditReferencesDoNotPin(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
	}

	@Hook(Pointcut.STORAGE_PRESTORAGE_DELETE_CONFLICTS)
	public void ignoreAuditEvents(DeleteConflictList conflicts) {
		List<DeleteConflict> audit = new ArrayList<>();
		conflicts.forEach(c -> {
			if ("AuditEvent".equals(c.getSourceId().getResourceType())) {
				audit.add(c);
			}
		});
		if (audit.isEmpty()) {
			return;
		}
		conflicts.removeIf(c -> "AuditEvent".equals(c.getSourceId().getResourceType()));
		if (!conflicts.isEmpty()) {
			return; // a real reference is already there to refuse the delete
		}
		// HAPI looks at the first few referrers only: were they all AuditEvents, look at the rest.
		IdDt target = audit.get(0).getTargetId();
		jdbc.query("SELECT l.SOURCE_RESOURCE_TYPE, s.FHIR_ID, l.SRC_PATH FROM HFJ_RES_LINK l "
						+ "JOIN HFJ_RESOURCE t ON t.RES_ID = l.TARGET_RESOURCE_ID JOIN HFJ_RESOURCE s ON s.RES_ID = l.SRC_RESOURCE_ID "
						+ "WHERE t.RES_TYPE = ? AND t.FHIR_ID = ? AND l.SOURCE_RESOURCE_TYPE <> 'AuditEvent' AND s.RES_DELETED_AT IS NULL "
						+ "FETCH FIRST 1 ROWS ONLY",
				rs -> {
					conflicts.add(new DeleteConflict(new IdDt(rs.getString(1), rs.getString(2)), rs.getString(3), target));
				}, target.getResourceType(), target.getIdPart());
	}
}
