package org.onetrip.server.priorexam;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Patient;
import org.onetrip.server.fhirstore.DaoFhirStore;
import org.onetrip.server.fhirstore.FhirStore;
import org.onetrip.terminology.region.Region;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Who a person is across the region: every regional Patient that stands for them. Patients are the
 * same person when they share a person identifier (citizen ID, health card, a hospital's MRN: the
 * identity rule makes that one Patient) or when an operator linked them ({@code Patient.link}).
 * Two hospitals' equal MRN values are different identifiers and never join two people.
 */
public class PersonResolver {

	/** Links are followed this many hops; operator links form small clusters, not chains. */
	private static final int MAX_LINK_HOPS = 3;

	private final FhirStore store;
	private final Set<String> personSystems;
	/** In the server: HAPI's index tables read directly. Null over REST, where FHIR searches are all there is. */
	private final PersonIndexLookup indexLookup;

	/** In the server: the person from HAPI's index tables, Patients read through the DAOs. */
	public PersonResolver(DaoRegistry daoRegistry, Region region, JdbcTemplate jdbc, PartitionSettings partitionSettings) {
		this(new DaoFhirStore(daoRegistry), region, new PersonIndexLookup(jdbc, partitionSettings, MAX_LINK_HOPS));
	}

	/** Over any FHIR store with FHIR searches: a OneTrip server's REST API (the standalone DICOM gateway). */
	public PersonResolver(FhirStore store, Region region) {
		this(store, region, null);
	}

	private PersonResolver(FhirStore store, Region region, PersonIndexLookup indexLookup) {
		this.store = store;
		this.personSystems = Set.copyOf(region.personIdentifierSystems());
		this.indexLookup = indexLookup;
	}

	/** The Patients of the person behind these identifiers (only the region's person systems count). */
	public Set<String> byIdentifiers(Collection<Identifier> identifiers) {
		List<Identifier> personIdentifiers = identifiers.stream()
				.filter(i -> i.hasSystem() && i.hasValue() && personSystems.contains(i.getSystem())).toList();
		if (personIdentifiers.isEmpty()) {
			return Set.of();
		}
		if (indexLookup != null) {
			return indexLookup.patientsWithIdentifiers(personIdentifiers);
		}
		return withLinks(store.patientsWithIdentifiers(personIdentifiers));
	}

	/** The person of a regional Patient id; empty when there is no such Patient. */
	public Set<String> byPatientId(String patientId) {
		if (indexLookup != null) {
			return indexLookup.patientWithLinks(patientId);
		}
		return readPatient(patientId).map(p -> withLinks(List.of(p))).orElse(Set.of());
	}

	public Optional<Patient> readPatient(String patientId) {
		return store.patient(patientId);
	}

	private Set<String> withLinks(List<Patient> start) {
		Set<String> ids = new LinkedHashSet<>();
		start.forEach(p -> ids.add(p.getIdElement().getIdPart()));
		Set<String> frontier = new LinkedHashSet<>(ids);
		List<Patient> loaded = start;
		for (int hop = 0; hop < MAX_LINK_HOPS && !frontier.isEmpty(); hop++) {
			Set<String> next = new LinkedHashSet<>();
			// Links this Patient declares ...
			loaded.forEach(p -> p.getLink().forEach(l -> {
				String other = l.getOther().getReferenceElement().getIdPart();
				if (other != null && "Patient".equals(l.getOther().getReferenceElement().getResourceType()) && ids.add(other)) {
					next.add(other);
				}
			}));
			// ... and Patients that declare a link to it.
			List<Patient> pointing = store.patientsLinkingTo(frontier);
			pointing.forEach(p -> {
				if (ids.add(p.getIdElement().getIdPart())) {
					next.add(p.getIdElement().getIdPart());
				}
			});
			loaded = next.stream().map(this::readPatient).flatMap(Optional::stream).toList();
			frontier = next;
		}
		return ids;
	}
}
