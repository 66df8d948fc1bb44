package org.onetrip.server.identity;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Patient;
import org.onetrip.server.fhirstore.RestFhirStore;
import org.onetrip.terminology.region.Region;

/** Persons as a OneTrip server tells them over REST (IHE PIXm {@code $ihe-pix}): the standalone DICOM gateway's view. */
public class RemotePersonResolver implements PersonResolver {

	private final RestFhirStore store;
	private final Set<String> personSystems;

	public RemotePersonResolver(RestFhirStore store, Region region) {
		this.store = store;
		this.personSystems = Set.copyOf(region.personIdentifierSystems());
	}

	@Override
	public Set<String> byIdentifiers(Collection<Identifier> identifiers) {
		Set<String> ids = new LinkedHashSet<>();
		for (Identifier identifier : identifiers) {
			if (identifier.hasSystem() && identifier.hasValue() && personSystems.contains(identifier.getSystem())) {
				ids.addAll(store.personOf(identifier));
			}
		}
		return ids;
	}

	@Override
	public Set<String> byPatientId(String patientId) {
		Optional<Patient> patient = store.patient(patientId);
		if (patient.isEmpty()) {
			return Set.of();
		}
		Set<String> ids = new LinkedHashSet<>();
		ids.add(patientId);
		ids.addAll(byIdentifiers(patient.get().getIdentifier()));
		return ids;
	}

	@Override
	public Optional<Patient> readPatient(String patientId) {
		return store.patient(patientId);
	}
}
