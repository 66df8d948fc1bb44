package org.onetrip.server.export;

import ca.uhn.fhir.context.FhirContext;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.onetrip.server.identity.PersonLedger;
import org.onetrip.server.security.Ownership;
import org.onetrip.server.security.PatientCompartment;

/**
 * What a hospital's systems receive without asking record by record: a bulk export's contents and the
 * notifications of its subscriptions. A doctor reads any person's regional record for care, one person at a time
 * (audited); a hospital's systems take, in bulk:
 * <ul>
 * <li>what belongs to no patient: the region's directory, terminology, schedules and slots;</li>
 * <li>what the hospital keeps ({@link Ownership#keepers}: it wrote it, or a workflow gives it a say, such as the
 *     referral it is asked to perform);</li>
 * <li>the clinical records of the people it has as patients: a Patient, or a resource in a Patient's compartment,
 *     whose person (the person ledger) has a record kept by this hospital, whichever hospital wrote it;</li>
 * <li>never the audit trail or subscriptions ({@link #REGION_ONLY_TYPES}).</li>
 * </ul>
 * The person question is remembered for a minute per hospital and Patient, so a patient's hundreds of Observations
 * cost one ledger query.
 */
public class HospitalReach {

	/**
	 * What only the region's systems take in bulk: the audit trail (who read what, in every hospital), subscriptions
	 * (receivers' addresses and credentials), and Binary (other exports' files; HAPI leaves it out of exports anyway).
	 */
	public static final Set<String> REGION_ONLY_TYPES = Set.of("AuditEvent", "Subscription", "Binary");

	private final FhirContext fhirContext;
	private final PersonLedger ledger;
	private final Ownership ownership;
	private final Cache<String, Boolean> patientsOfHospital =
			Caffeine.newBuilder().maximumSize(200_000).expireAfterWrite(Duration.ofMinutes(1)).build();
	/** A Patient's person's records, for patients' own subscriptions; a link or unlink is seen within a minute. */
	private final Cache<String, Set<String>> personOf =
			Caffeine.newBuilder().maximumSize(50_000).expireAfterWrite(Duration.ofMinutes(1)).build();

	public HospitalReach(FhirContext fhirContext, PersonLedger ledger, Ownership ownership) {
		this.fhirContext = fhirContext;
		this.ledger = ledger;
		this.ownership = ownership;
	}

	/** Whether this hospital's systems receive this resource; a null hospital is the region, which receives everything. */
	public boolean reaches(String hospital, IBaseResource resource) {
		if (hospital == null) {
			return true;
		}
		if (REGION_ONLY_TYPES.contains(resource.fhirType())) {
			return false;
		}
		List<String> patients = PatientCompartment.patientIds(fhirContext, resource);
		return patients.isEmpty() || ownership.keepers(resource).contains(hospital)
				|| patients.stream().anyMatch(p -> isPatientOf(p, hospital));
	}

	/**
	 * Whether a patient's own subscription receives this resource: only that person's records (a Patient of the person,
	 * or a resource in the compartment of one), whichever hospital keeps them.
	 */
	public boolean reachesPerson(String patientId, IBaseResource resource) {
		Set<String> person = personOf.get(patientId, id -> {
			Set<String> records = new java.util.HashSet<>(ledger.personOf(id));
			records.add(id);
			return records;
		});
		return PatientCompartment.patientIds(fhirContext, resource).stream().anyMatch(person::contains);
	}

	private boolean isPatientOf(String patientId, String hospital) {
		return patientsOfHospital.get(hospital + "|" + patientId, k -> ledger.personHasRecordAt(patientId, hospital));
	}
}
