package org.onetrip.server.signin;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.PractitionerRole;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.onetrip.server.identity.PersonResolver;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.server.security.Caller;
import org.onetrip.server.security.Callers;
import org.onetrip.server.security.Ownership;
import org.onetrip.terminology.region.IdentifierSystems;

/**
 * Opening accounts and launching apps, over FHIR:
 * <ul>
 * <li>{@code Patient/[id]/$account-activation}: at a hospital desk, an activation code for the person (handed out with
 * the health card); they sign in with their citizen ID or health-card number once they set a password with it. A new
 * code for the same person resets a forgotten password.</li>
 * <li>{@code PractitionerRole/[id]/$account-activation}: the region or the practitioner's hospital opens a
 * practitioner's account (login name: the Practitioner's id, unless {@code login} says otherwise).</li>
 * <li>{@code $account-activation} (system level, {@code login}, {@code name}): the region opens an operator's account.</li>
 * <li>{@code Patient/[id]/$smart-launch}, or {@code Patient/$smart-launch?identifier=system|value} with the number the
 * workstation knows the patient by: a SMART EHR launch for the patient open at a hospital workstation.</li>
 * </ul>
 */
public class AccountOperations {

	static final int DEFAULT_VALID_DAYS = 14;
	static final int MAX_VALID_DAYS = 90;

	private final Accounts accounts;
	private final SmartLaunches launches;
	private final DaoRegistry daoRegistry;
	private final PersonResolver persons;
	private final RegionDirectory directory;
	private final Ownership ownership;
	private final Clock clock;

	public AccountOperations(Accounts accounts, SmartLaunches launches, DaoRegistry daoRegistry, PersonResolver persons,
			RegionDirectory directory, Ownership ownership, Clock clock) {
		this.accounts = accounts;
		this.launches = launches;
		this.daoRegistry = daoRegistry;
		this.persons = persons;
		this.directory = directory;
		this.ownership = ownership;
		this.clock = clock;
	}

	@Operation(name = "$account-activation", type = Patient.class, idempotent = false)
	public Parameters activatePatient(@IdParam IdType patientId, @OperationParam(name = "valid-days", max = 1) IntegerType validDays,
			RequestDetails request) {
		Caller caller = staff("$account-activation");
		Patient patient = daoRegistry.getResourceDao(Patient.class).read(patientId.toUnqualifiedVersionless(), request);
		requireKeeper(caller, patient, "open an account for this patient");
		IdentifierSystems systems = directory.region().identifierSystems();
		List<String> logins = new ArrayList<>();
		for (Identifier identifier : patient.getIdentifier()) {
			if ((systems.citizenId().equals(identifier.getSystem()) || systems.healthCard().equals(identifier.getSystem()))
					&& identifier.hasValue()) {
				logins.add(identifier.getValue());
			}
		}
		if (logins.isEmpty()) {
			throw new UnprocessableEntityException("$account-activation: the Patient has no citizen ID (" + systems.citizenId()
					+ ") or health-card number (" + systems.healthCard() + "): the person would have nothing to sign in with");
		}
		String name = patient.hasName() ? patient.getNameFirstRep().getNameAsSingleString() : null;
		String id = patient.getIdElement().getIdPart();
		// The person's existing account (opened at any of their hospitals) is theirs; anyone else's is not.
		Set<String> person = persons.byPatientId(id);
		return issue(new Accounts.Holder(Account.Kind.PATIENT, name, null, "Patient/" + id, id), logins,
				account -> account.kind() == Account.Kind.PATIENT && person.contains(account.patientId()), validDays);
	}

	@Operation(name = "$account-activation", type = PractitionerRole.class, idempotent = false)
	public Parameters activatePractitioner(@IdParam IdType roleId, @OperationParam(name = "login", max = 1) StringType login,
			@OperationParam(name = "valid-days", max = 1) IntegerType validDays, RequestDetails request) {
		Caller caller = staff("$account-activation");
		PractitionerRole role = daoRegistry.getResourceDao(PractitionerRole.class).read(roleId.toUnqualifiedVersionless(), request);
		String hospital = directory.hospitalOf(role.getOrganization().getReference()).map(h -> h.key())
				.orElseThrow(() -> new UnprocessableEntityException("$account-activation: the PractitionerRole's organization is not a "
						+ "hospital of the region"));
		if (!caller.isRegion() && !hospital.equals(caller.hospital())) {
			throw new ForbiddenOperationException("$account-activation: " + directory.hospitalName(caller.hospital())
					+ " opens accounts for its own practitioners only");
		}
		if (!role.getPractitioner().hasReference()) {
			throw new UnprocessableEntityException("$account-activation: the PractitionerRole names no Practitioner");
		}
		IdType practitionerId = new IdType(role.getPractitioner().getReference());
		Practitioner practitioner = daoRegistry.getResourceDao(Practitioner.class).read(practitionerId.toUnqualifiedVersionless(), request);
		String loginName = login == null || login.isEmpty() ? practitioner.getIdElement().getIdPart() : login.getValue().trim();
		requireLoginName(loginName);
		String name = practitioner.hasName() ? practitioner.getNameFirstRep().getNameAsSingleString() : loginName;
		String fhirUser = "Practitioner/" + practitioner.getIdElement().getIdPart();
		return issue(new Accounts.Holder(Account.Kind.PRACTITIONER, name, hospital, fhirUser, null), List.of(loginName),
				account -> account.kind() == Account.Kind.PRACTITIONER && fhirUser.equals(account.fhirUser())
						&& hospital.equals(account.hospital()), validDays);
	}

	@Operation(name = "$account-activation", idempotent = false)
	public Parameters activateOperator(@OperationParam(name = "login", min = 1, max = 1) StringType login,
			@OperationParam(name = "name", max = 1) StringType name, @OperationParam(name = "valid-days", max = 1) IntegerType validDays) {
		Caller caller = staff("$account-activation");
		if (!caller.isRegion()) {
			throw new ForbiddenOperationException("$account-activation: only the region opens operators' accounts");
		}
		String loginName = login.getValue() == null ? "" : login.getValue().trim();
		requireLoginName(loginName);
		// An operator is no FHIR resource of the region; fhirUser names the Organization they act for: the region.
		return issue(new Accounts.Holder(Account.Kind.OPERATOR, name == null ? loginName : name.getValue(), null,
				"Organization/region", null), List.of(loginName), account -> account.kind() == Account.Kind.OPERATOR, validDays);
	}

	@Operation(name = "$smart-launch", type = Patient.class, idempotent = false)
	public Parameters launchForInstance(@IdParam IdType patientId, RequestDetails request) {
		Caller caller = staff("$smart-launch");
		Patient patient = daoRegistry.getResourceDao(Patient.class).read(patientId.toUnqualifiedVersionless(), request);
		return launch(caller, patient.getIdElement().getIdPart());
	}

	@Operation(name = "$smart-launch", type = Patient.class, idempotent = false)
	public Parameters launchForIdentifier(@OperationParam(name = "identifier", min = 1, max = 1) StringType identifier) {
		Caller caller = staff("$smart-launch");
		String text = identifier.getValue() == null ? "" : identifier.getValue();
		int bar = text.indexOf('|');
		if (bar <= 0 || bar == text.length() - 1) {
			throw new InvalidRequestException("$smart-launch: identifier is system|value (a citizen ID, health-card or record number)");
		}
		Set<String> records = persons.byIdentifiers(List.of(new Identifier().setSystem(text.substring(0, bar)).setValue(text.substring(bar + 1))));
		if (records.isEmpty()) {
			throw new ResourceNotFoundException("$smart-launch: no patient of the region has " + text);
		}
		// The person's record at the caller's hospital when there is one: that is the record the workstation has open.
		String chosen = records.stream().filter(id -> caller.hospital() != null && persons.readPatient(id)
				.flatMap(directory::hospitalOfPatient).map(h -> h.key()).orElse("").equals(caller.hospital()))
				.findFirst().orElse(records.iterator().next());
		return launch(caller, chosen);
	}

	private Parameters launch(Caller caller, String patientId) {
		SmartLaunches.Launch launch = launches.create(patientId, caller.hospital(), caller.who(), clock.instant());
		Parameters out = new Parameters();
		out.addParameter().setName("launch").setValue(new StringType(launch.id()));
		out.addParameter().setName("patient").setValue(new Reference("Patient/" + patientId));
		out.addParameter().setName("expires").setValue(new InstantType(Date.from(launch.expires())));
		return out;
	}

	private Parameters issue(Accounts.Holder holder, List<String> logins, java.util.function.Predicate<Account> sameHolder,
			IntegerType validDays) {
		int days = validDays == null || validDays.getValue() == null ? DEFAULT_VALID_DAYS : validDays.getValue();
		if (days < 1 || days > MAX_VALID_DAYS) {
			throw new InvalidRequestException("$account-activation: 'valid-days' must be between 1 and " + MAX_VALID_DAYS);
		}
		Accounts.Activation activation;
		try {
			activation = accounts.issueActivation(holder, logins, sameHolder, clock.instant(), Duration.ofDays(days));
		} catch (Accounts.LoginsOfSomeoneElse e) {
			throw new ResourceVersionConflictException("$account-activation: " + e.getMessage());
		}
		Parameters out = new Parameters();
		out.addParameter().setName("activation-code").setValue(new StringType(activation.code()));
		out.addParameter().setName("expires").setValue(new InstantType(Date.from(activation.expires())));
		activation.logins().forEach(login -> out.addParameter().setName("login").setValue(new StringType(login)));
		out.addParameter().setName("activate-at").setValue(new StringType("/account/activate"));
		return out;
	}

	/** Staff or the region: a patient's own token opens no accounts and makes no launches. */
	private static Caller staff(String operation) {
		Optional<Caller> caller = Callers.current();
		Caller who = caller.orElse(Caller.openAccess(null));
		if (who.isPatient()) {
			throw new ForbiddenOperationException(operation + " is for hospital staff and the region, not a patient's app");
		}
		return who;
	}

	private void requireKeeper(Caller caller, Patient patient, String what) {
		if (caller.isRegion()) {
			return;
		}
		Set<String> keepers = ownership.keepers(patient);
		String hospital = directory.hospitalOfPatient(patient).map(h -> h.key()).orElse(null);
		if (!keepers.contains(caller.hospital()) && !caller.hospital().equals(hospital)) {
			throw new ForbiddenOperationException(directory.hospitalName(caller.hospital()) + " cannot " + what
					+ ": the record is another hospital's (open the account at a desk of the hospital that keeps it)");
		}
	}

	private static void requireLoginName(String login) {
		if (!login.matches("[A-Za-z][A-Za-z0-9._-]{2,99}")) {
			throw new InvalidRequestException("$account-activation: a login name is 3 to 100 letters, digits, '.', '_' or '-', "
					+ "starting with a letter");
		}
	}
}
