package org.onetrip.server.identity;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import java.util.Date;
import java.util.Locale;
import java.util.Set;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.onetrip.server.security.Caller;
import org.onetrip.server.security.Callers;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The operators' view of the region's persons.
 * <ul>
 * <li>{@code GET Patient/{id}/$person}: the person's records (hospital, source, how linked), possible matches and
 * operator decisions touching them, and the link history;</li>
 * <li>{@code GET Patient/$person-matches?status=possible}: the operators' work list;</li>
 * <li>{@code POST Patient/$person-link} (patient, other, reason): these two records are one person;</li>
 * <li>{@code POST Patient/$person-unlink} (patient, reason[, other]): this record is not the person it is linked to
 * (or, with {@code other} not linked to it, rejects that possible match);</li>
 * <li>{@code POST $person-relink}, {@code GET $person-relink-status}: put every stored Patient into the ledger.</li>
 * </ul>
 * Linking and unlinking is for the region's identity operators (a region-level token).
 */
public class PersonOperations {

	private static final int MAX_HISTORY = 100;

	private final PersonLedger ledger;
	private final PersonLinker linker;
	private final PersonRelink relink;
	private final PersonResolver persons;
	private final TransactionTemplate transaction;

	public PersonOperations(PersonLedger ledger, PersonLinker linker, PersonRelink relink, PersonResolver persons,
			PlatformTransactionManager transactions) {
		this.ledger = ledger;
		this.linker = linker;
		this.relink = relink;
		this.persons = persons;
		this.transaction = new TransactionTemplate(transactions);
	}

	@Operation(name = "$person", type = Patient.class, idempotent = true)
	public Parameters person(@IdParam IdType id) {
		String patientId = id.getIdPart();
		Set<String> person = persons.byPatientId(patientId);
		if (person.isEmpty()) {
			throw new ResourceNotFoundException("Patient/" + patientId + " does not exist");
		}
		Callers.current().filter(Caller::isPatient).ifPresent(c -> {
			if (!persons.byPatientId(c.patientId()).contains(patientId)) {
				throw new ForbiddenOperationException("This patient token opens only its own person's records");
			}
		});
		Parameters out = new Parameters();
		ledger.stored(patientId).ifPresent(s -> out.addParameter("person", s.personId()));
		for (String member : person) {
			ParametersParameterComponent record = out.addParameter().setName("record");
			record.addPart().setName("patient").setValue(new Reference("Patient/" + member));
			ledger.stored(member).ifPresent(s -> {
				record.addPart().setName("hospital").setValue(new StringType(
						PersonRecord.REGION.equals(s.record().hospital()) ? "region" : s.record().hospital()));
				record.addPart().setName("source").setValue(new StringType(s.record().fromDicom() ? "dicom" : "his"));
				record.addPart().setName("linked-by").setValue(new StringType(s.linkedBy().name().toLowerCase(Locale.ROOT)));
			});
		}
		ledger.matchesOf(person).forEach(m -> out.addParameter(matchPart(m)));
		for (PersonLedger.LogEntry entry : ledger.history(person, MAX_HISTORY)) {
			ParametersParameterComponent history = out.addParameter().setName("history");
			history.addPart().setName("at").setValue(new InstantType(Date.from(entry.at())));
			history.addPart().setName("action").setValue(new StringType(entry.action().toLowerCase(Locale.ROOT)));
			history.addPart().setName("patient").setValue(new Reference("Patient/" + entry.patientA()));
			if (entry.patientB() != null) {
				history.addPart().setName("other").setValue(new Reference("Patient/" + entry.patientB()));
			}
			history.addPart().setName("source").setValue(new StringType(entry.source().toLowerCase(Locale.ROOT)));
			if (entry.who() != null) history.addPart().setName("who").setValue(new StringType(entry.who()));
			if (entry.reason() != null) history.addPart().setName("reason").setValue(new StringType(entry.reason()));
		}
		return out;
	}

	/** @param status possible (default), match or no-match */
	@Operation(name = "$person-matches", type = Patient.class, idempotent = true)
	public Parameters matches(@OperationParam(name = "status", max = 1) StringType status,
			@OperationParam(name = "_count", max = 1) IntegerType count) {
		PersonLedger.MatchStatus wanted = status == null || status.isEmpty() ? PersonLedger.MatchStatus.POSSIBLE : parseStatus(status.getValue());
		int limit = count == null || count.getValue() == null ? 100 : Math.max(1, Math.min(1000, count.getValue()));
		Parameters out = new Parameters();
		ledger.matchesWithStatus(wanted, limit).forEach(m -> out.addParameter(matchPart(m)));
		return out;
	}

	@Operation(name = "$person-link", type = Patient.class)
	public Parameters link(@OperationParam(name = "patient", min = 1, max = 1) Reference patient,
			@OperationParam(name = "other", min = 1, max = 1) Reference other,
			@OperationParam(name = "reason", max = 1) StringType reason) {
		requireOperator("link records");
		String one = patientId(patient, "patient");
		String two = patientId(other, "other");
		if (one.equals(two)) {
			throw new InvalidRequestException("'patient' and 'other' are the same record");
		}
		Set<String> person = transaction.execute(tx -> linker.operatorLink(one, two, reasonOf(reason)));
		return personParameters(person);
	}

	@Operation(name = "$person-unlink", type = Patient.class)
	public Parameters unlink(@OperationParam(name = "patient", min = 1, max = 1) Reference patient,
			@OperationParam(name = "other", max = 1) Reference other,
			@OperationParam(name = "reason", max = 1) StringType reason) {
		requireOperator("unlink records");
		String one = patientId(patient, "patient");
		String two = other == null ? null : patientId(other, "other");
		Set<String> person = transaction.execute(tx -> linker.operatorUnlink(one, two, reasonOf(reason)));
		return personParameters(person);
	}

	@Operation(name = "$person-relink", idempotent = false)
	public Parameters startRelink() {
		requireOperator("relink the region's records");
		if (!relink.start()) {
			throw new ResourceVersionConflictException("A relink is already running; see $person-relink-status");
		}
		return relinkStatus();
	}

	@Operation(name = "$person-relink-status", idempotent = true)
	public Parameters relinkStatus() {
		PersonRelink.Progress progress = relink.progress();
		Parameters out = new Parameters();
		out.addParameter().setName("state").setValue(new StringType(progress.state().name().toLowerCase(Locale.ROOT)));
		out.addParameter().setName("total").setValue(new DecimalType(progress.total()));
		out.addParameter().setName("done").setValue(new DecimalType(progress.done()));
		out.addParameter().setName("linked").setValue(new DecimalType(progress.linked()));
		out.addParameter().setName("conflicts").setValue(new DecimalType(progress.conflicts()));
		if (progress.started() != null) out.addParameter().setName("started").setValue(new InstantType(Date.from(progress.started())));
		if (progress.finished() != null) out.addParameter().setName("finished").setValue(new InstantType(Date.from(progress.finished())));
		if (progress.failure() != null) out.addParameter().setName("failure").setValue(new StringType(progress.failure()));
		return out;
	}

	private static Parameters personParameters(Set<String> person) {
		Parameters out = new Parameters();
		person.forEach(p -> out.addParameter().setName("record").setValue(new Reference("Patient/" + p)));
		return out;
	}

	private static ParametersParameterComponent matchPart(PersonLedger.Match m) {
		ParametersParameterComponent match = new ParametersParameterComponent().setName("match");
		match.addPart().setName("patient").setValue(new Reference("Patient/" + m.patientA()));
		match.addPart().setName("other").setValue(new Reference("Patient/" + m.patientB()));
		match.addPart().setName("status").setValue(new StringType(m.status().name().toLowerCase(Locale.ROOT).replace('_', '-')));
		match.addPart().setName("score").setValue(new DecimalType(m.score()));
		if (m.evidence() != null) match.addPart().setName("evidence").setValue(new StringType(m.evidence()));
		if (m.decidedBy() != null) match.addPart().setName("decided-by").setValue(new StringType(m.decidedBy()));
		if (m.reason() != null) match.addPart().setName("reason").setValue(new StringType(m.reason()));
		match.addPart().setName("updated").setValue(new InstantType(Date.from(m.updated())));
		match.addPart().setName("operator-decided").setValue(new BooleanType(m.status() != PersonLedger.MatchStatus.POSSIBLE));
		return match;
	}

	private static PersonLedger.MatchStatus parseStatus(String text) {
		try {
			return PersonLedger.MatchStatus.valueOf(text.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
		} catch (IllegalArgumentException e) {
			throw new InvalidRequestException("status must be possible, match or no-match; was '" + text + "'");
		}
	}

	private static String patientId(Reference reference, String name) {
		if (reference == null || !reference.hasReference() || !"Patient".equals(reference.getReferenceElement().getResourceType())
				|| !reference.getReferenceElement().hasIdPart()) {
			throw new InvalidRequestException("'" + name + "' must be a reference to a Patient (Patient/<id>)");
		}
		return reference.getReferenceElement().getIdPart();
	}

	private static String reasonOf(StringType reason) {
		return reason == null || reason.isEmpty() ? "operator decision" : reason.getValue();
	}

	private static void requireOperator(String what) {
		Callers.current().filter(c -> !c.isRegion()).ifPresent(c -> {
			throw new ForbiddenOperationException("Only the region's identity operators (a region-level token) may " + what);
		});
	}
}
