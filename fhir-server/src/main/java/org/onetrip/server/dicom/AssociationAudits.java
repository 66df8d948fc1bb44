package org.onetrip.server.dicom;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.TreeMap;
import org.onetrip.dicom.AssociationAudit;
import org.onetrip.server.audit.AuditRecord;
import org.onetrip.server.audit.AuditTrail;
import org.onetrip.terminology.region.Hospital;
import org.onetrip.terminology.region.Region;

/** A DICOM association as OneTrip audits it, and where each form of the gateway keeps that record. */
final class AssociationAudits {

	private AssociationAudits() {}

	/** In the server: an AuditEvent, written by the {@link AuditTrail} like every other. */
	static AssociationAudit intoAuditTrail(AuditTrail trail, Region region) {
		return association -> trail.record(auditRecord(association, region));
	}

	/**
	 * In a standalone gateway: a JSON line per association appended to {@code file}. The server takes no AuditEvent
	 * over REST (only OneTrip writes them, and never from a request), so the gateway keeps its own record, beside its
	 * files, in the same terms.
	 */
	static AssociationAudit toFile(Path file, Region region) throws IOException {
		Files.createDirectories(file.getParent());
		return association -> {
			try {
				String line = auditRecord(association, region).toJson() + "\n";
				synchronized (AssociationAudits.class) {
					Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
				}
			} catch (IOException e) {
				throw new UncheckedIOException("association audit not written to " + file, e);
			}
		};
	}

	/** An association as an AuditEvent: the calling AE is the agent, the studies it stored and their PatientIDs the entities. */
	static AuditRecord auditRecord(AssociationAudit.Association association, Region region) {
		String mrnSystem = association.hospital() == null ? null
				: region.hospital(association.hospital()).map(Hospital::mrnSystem).orElse(null);
		List<String> patients = association.storedPatients().stream().sorted()
				.map(id -> mrnSystem == null ? "urn:onetrip:dicom-patient-id|" + id : mrnSystem + "|" + id).limit(100).toList();
		List<String> studies = association.storedStudies().stream().sorted().map(uid -> "urn:oid:" + uid).limit(100).toList();
		String failure = association.rejection() != null ? "association rejected: " + association.rejection() : association.failure();
		return new AuditRecord(association.ended(), "dicom-association",
				association.storedStudies().isEmpty() ? "E" : "C",
				new TreeMap<>(association.commands()).toString(),
				association.callingAe() == null ? "unknown AE" : association.callingAe(), association.hospital(), association.peer(),
				"association " + association.callingAe() + " -> " + association.calledAe(), studies, patients,
				failure == null ? 0 : 400, failure, false);
	}
}
