package org.onetrip.server.identity;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.onetrip.server.identity.PersonResolver;
import org.onetrip.server.region.RegionDirectory;

/**
 * The health card over FHIR: {@code Patient/[id]/$health-card} issues a token for the person,
 * {@code Patient/$health-card-resolve} turns a scanned token into the person's Patient at a hospital,
 * {@code Patient/$health-card-revoke} withdraws a lost card.
 */
public class HealthCardOperations {

	private static final int MAX_VALID_DAYS = 3650;

	private final HealthCards cards;
	private final PersonResolver persons;
	private final RegionDirectory directory;
	private final DaoRegistry daoRegistry;
	private final int defaultValidDays;
	private final org.onetrip.server.security.CareRelationships care;

	public HealthCardOperations(HealthCards cards, PersonResolver persons, RegionDirectory directory, DaoRegistry daoRegistry,
			int defaultValidDays, org.onetrip.server.security.CareRelationships care) {
		this.care = care;
		this.cards = cards;
		this.persons = persons;
		this.directory = directory;
		this.daoRegistry = daoRegistry;
		this.defaultValidDays = defaultValidDays;
	}

	@Operation(name = "$health-card", type = Patient.class, idempotent = false)
	public Parameters issue(@IdParam IdType patientId,
			@OperationParam(name = "valid-days", max = 1) IntegerType validDays, RequestDetails request) {
		// A patient's own app shows their card: only for a record of their own person.
		org.onetrip.server.security.Callers.current().filter(org.onetrip.server.security.Caller::isPatient).ifPresent(caller -> {
			if (!persons.byPatientId(caller.patientId()).contains(patientId.getIdPart())) {
				throw new ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException(
						"$health-card: a patient's app shows only its own person's card");
			}
		});
		Patient patient = daoRegistry.getResourceDao(Patient.class).read(patientId.toUnqualifiedVersionless(), request);
		int days = validDays == null || validDays.getValue() == null ? defaultValidDays : validDays.getValue();
		if (days < 1 || days > MAX_VALID_DAYS) {
			throw new InvalidRequestException("$health-card: 'valid-days' must be between 1 and " + MAX_VALID_DAYS);
		}
		HealthCards.Issued issued = cards.issue(patient.getIdElement().getIdPart(), Duration.ofDays(days), Instant.now());
		Parameters out = new Parameters();
		out.addParameter().setName("token").setValue(new StringType(issued.token()));
		out.addParameter().setName("expires").setValue(new InstantType(Date.from(issued.expiresAt())));
		out.addParameter().setName("patient").setValue(new Reference("Patient/" + patient.getIdElement().getIdPart()));
		return out;
	}

	/** The person's Patients (only those of {@code organization} when given) for a scanned token. */
	@Operation(name = "$health-card-resolve", type = Patient.class, idempotent = true)
	public Bundle resolve(@OperationParam(name = "token", min = 1, max = 1) StringType token,
			@OperationParam(name = "organization", max = 1) StringType organization, RequestDetails request) {
		String hospital = null;
		if (organization != null && organization.getValue() != null) {
			hospital = directory.hospitalOf(organization.getValue()).map(h -> h.key()).orElseThrow(() -> new InvalidRequestException(
					"$health-card-resolve: 'organization' " + organization.getValue() + " is not a hospital of the region"));
		}
		Bundle out = new Bundle().setType(Bundle.BundleType.SEARCHSET);
		List<Patient> person = personPatients(cards, persons, token == null ? null : token.getValue());
		// The card shown at a hospital (its desk, kiosk or doctor scanned it): the person's records open to its practitioners.
		org.onetrip.server.security.FhirAccessInterceptor.judgedCaller(request).filter(c -> c.hospital() != null && !c.isPatient())
				.ifPresent(c -> care.cardPresented(c.hospital(), person.stream().map(p -> p.getIdElement().getIdPart()).toList(), Instant.now()));
		for (Patient patient : person) {
			if (hospital == null || directory.hospitalOfPatient(patient).map(h -> h.key()).orElse("").equals(hospital)) {
				out.addEntry().setFullUrl("Patient/" + patient.getIdElement().getIdPart()).setResource(patient);
			}
		}
		out.setTotal(out.getEntry().size());
		return out;
	}

	@Operation(name = "$health-card-revoke", type = Patient.class, idempotent = false)
	public Parameters revoke(@OperationParam(name = "token", min = 1, max = 1) StringType token) {
		if (token == null || token.getValue() == null) {
			throw new InvalidRequestException("$health-card-revoke needs 'token'");
		}
		boolean revoked = cards.revoke(token.getValue(), Instant.now());
		if (!revoked) {
			throw new ResourceNotFoundException("$health-card-revoke: no valid, unrevoked health card with this token");
		}
		Parameters out = new Parameters();
		out.addParameter().setName("revoked").setValue(new BooleanType(true));
		return out;
	}

	/**
	 * Every Patient of the person a token was issued for; a token that is not ours is a 400, an unknown one a 404,
	 * an expired or revoked one a 410.
	 */
	public static List<Patient> personPatients(HealthCards cards, PersonResolver persons, String token) {
		if (token == null || token.isBlank()) {
			throw new InvalidRequestException("a health-card 'token' is needed");
		}
		HealthCards.Resolution resolution = cards.resolve(token, Instant.now());
		if (resolution instanceof HealthCards.Refused refused) {
			switch (refused.kind()) {
				case MALFORMED -> throw new InvalidRequestException(refused.reason());
				case UNKNOWN -> throw new ResourceNotFoundException(refused.reason());
				default -> throw new ResourceGoneException(refused.reason());
			}
		}
		String patientId = ((HealthCards.Valid) resolution).patientId();
		Set<String> ids = persons.byPatientId(patientId);
		if (ids.isEmpty()) {
			throw new ResourceGoneException("the Patient this health card was issued for (Patient/" + patientId + ") is gone");
		}
		return ids.stream().map(persons::readPatient).flatMap(java.util.Optional::stream).toList();
	}
}
