package org.onetrip.server.fhirstore;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.util.UrlUtil;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;

/** {@link FhirStore} over a OneTrip server's FHIR REST API (the standalone DICOM gateway's view of the region). */
public class RestFhirStore implements FhirStore {

	/** A person's Patients and an accession's orders are few; this bounds a runaway search. */
	private static final int MAX_RESULTS = 1000;

	private final IGenericClient client;

	public RestFhirStore(FhirContext context, String baseUrl) {
		this(context, baseUrl, null);
	}

	/** @param bearerToken the token the gateway presents (a region service's), or null when the server is open */
	public RestFhirStore(FhirContext context, String baseUrl, String bearerToken) {
		context.getRestfulClientFactory().setServerValidationMode(ca.uhn.fhir.rest.client.api.ServerValidationModeEnum.NEVER);
		context.getRestfulClientFactory().setConnectTimeout(5_000);
		context.getRestfulClientFactory().setSocketTimeout(60_000);
		this.client = context.newRestfulGenericClient(baseUrl);
		if (bearerToken != null && !bearerToken.isBlank()) {
			client.registerInterceptor(new ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor(bearerToken));
		}
	}

	@Override
	public List<Patient> patientsWithIdentifiers(Collection<Identifier> identifiers) {
		if (identifiers.isEmpty()) {
			return List.of();
		}
		String tokens = identifiers.stream()
				.map(i -> escape(i.getSystem()) + "|" + escape(i.getValue()))
				.collect(Collectors.joining(","));
		return search("Patient?identifier=" + UrlUtil.escapeUrlParam(tokens), Patient.class);
	}

	/** The server's answer to "who is this person" (IHE PIXm {@code $ihe-pix}): the ids of every linked record. */
	public Set<String> personOf(Identifier identifier) {
		try {
			Parameters answer = client.operation().onType(Patient.class).named("$ihe-pix")
					.withSearchParameter(Parameters.class, "sourceIdentifier",
							new ca.uhn.fhir.rest.param.TokenParam(identifier.getSystem(), identifier.getValue()))
					.useHttpGet().execute();
			Set<String> ids = new LinkedHashSet<>();
			answer.getParameter().stream().filter(p -> "targetId".equals(p.getName()) && p.getValue() instanceof Reference)
					.map(p -> ((Reference) p.getValue()).getReferenceElement().getIdPart()).forEach(ids::add);
			return ids;
		} catch (ResourceNotFoundException unknown) {
			return Set.of();
		}
	}

	@Override
	public Optional<Patient> patient(String id) {
		try {
			return Optional.of(client.read().resource(Patient.class).withId(id).execute());
		} catch (ResourceNotFoundException | ResourceGoneException e) {
			return Optional.empty();
		}
	}

	@Override
	public String createPatient(Patient patient, String ifNoneExist) {
		return client.create().resource(patient).conditionalByUrl("Patient?" + ifNoneExist).execute().getId().getIdPart();
	}

	@Override
	public List<ServiceRequest> serviceRequestsWithIdentifier(String value) {
		return search("ServiceRequest?identifier=" + UrlUtil.escapeUrlParam(escape(value)), ServiceRequest.class);
	}

	@Override
	public void putImagingStudy(ImagingStudy study) {
		client.update().resource(study).execute();
	}

	@Override
	public Bundle transaction(Bundle transaction) {
		return client.transaction().withBundle(transaction).execute();
	}

	private <T extends Resource> List<T> search(String query, Class<T> type) {
		List<T> found = new ArrayList<>();
		Bundle page = client.search().byUrl(query + "&_count=200").returnBundle(Bundle.class).execute();
		while (true) {
			page.getEntry().stream().map(Bundle.BundleEntryComponent::getResource).filter(type::isInstance)
					.map(type::cast).forEach(found::add);
			if (page.getLink(Bundle.LINK_NEXT) == null || found.size() >= MAX_RESULTS) {
				return found;
			}
			page = client.loadPage().next(page).execute();
		}
	}

	/** FHIR search escaping inside a token: the separators a value may itself contain. */
	private static String escape(String value) {
		return value == null ? "" : value.replace("\\", "\\\\").replace("|", "\\|").replace(",", "\\,").replace("$", "\\$");
	}
}
