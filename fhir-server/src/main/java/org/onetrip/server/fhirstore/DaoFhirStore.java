package org.onetrip.server.fhirstore;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.ServiceRequest;

/** {@link FhirStore} inside the server: HAPI's DAOs, as the system (no HTTP, no authorisation layer). */
public class DaoFhirStore implements FhirStore {

	private final DaoRegistry daoRegistry;

	public DaoFhirStore(DaoRegistry daoRegistry) {
		this.daoRegistry = daoRegistry;
	}

	@Override
	public List<Patient> patientsWithIdentifiers(Collection<Identifier> identifiers) {
		TokenOrListParam tokens = new TokenOrListParam();
		identifiers.forEach(i -> tokens.add(i.getSystem(), i.getValue()));
		if (tokens.getValuesAsQueryTokens().isEmpty()) {
			return List.of();
		}
		return search(Patient.class, SearchParameterMap.newSynchronous().add(Patient.SP_IDENTIFIER, tokens));
	}

	@Override
	public Optional<Patient> patient(String id) {
		try {
			return Optional.of(daoRegistry.getResourceDao(Patient.class).read(new IdType("Patient", id), new SystemRequestDetails()));
		} catch (ResourceNotFoundException | ResourceGoneException e) {
			return Optional.empty();
		}
	}

	@Override
	public String createPatient(Patient patient, String ifNoneExist) {
		return daoRegistry.getResourceDao(Patient.class).create(patient, ifNoneExist, new SystemRequestDetails())
				.getId().getIdPart();
	}

	@Override
	public List<ServiceRequest> serviceRequestsWithIdentifier(String value) {
		return search(ServiceRequest.class,
				SearchParameterMap.newSynchronous().add(ServiceRequest.SP_IDENTIFIER, new TokenParam(null, value)));
	}

	@Override
	public void putImagingStudy(ImagingStudy study) {
		daoRegistry.getResourceDao(ImagingStudy.class).update(study, new SystemRequestDetails());
	}

	@Override
	public Bundle transaction(Bundle transaction) {
		@SuppressWarnings("unchecked")
		var system = (IFhirSystemDao<Bundle, ?>) daoRegistry.getSystemDao();
		return system.transaction(new SystemRequestDetails(), transaction);
	}

	private <T extends org.hl7.fhir.instance.model.api.IBaseResource> List<T> search(Class<T> type, SearchParameterMap map) {
		return daoRegistry.getResourceDao(type).searchForResources(map, new SystemRequestDetails()).stream()
				.map(type::cast).toList();
	}
}
