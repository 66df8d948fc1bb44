package org.onetrip.server.identity;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import ca.uhn.fhir.util.HapiExtensions;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Enumerations.PublicationStatus;
import org.hl7.fhir.r4.model.Enumerations.SearchParamType;
import org.hl7.fhir.r4.model.SearchParameter;
import org.onetrip.terminology.region.Region;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * The rule "one regional identifier names one person": a citizen ID, a health-card number or a
 * hospital MRN (system + value) may belong to at most one Patient.
 *
 * <p>Enforced by the database, not by a check-then-write: a token search parameter selects the
 * identifiers in the region's person systems, and a HAPI combo-unique search parameter over it gives
 * every such identifier a row in a uniquely-indexed table. Two concurrent creates of the same citizen
 * ID cannot both commit; the loser gets 409 Conflict (or, for a conditional create, the winner's
 * Patient, see {@link ConditionalCreateRetry}).
 */
@Component
@Order(10)
public class PersonIdentifierRule implements ApplicationRunner {

	public static final String SEARCH_PARAM_ID = "onetrip-person-identifier";
	public static final String SEARCH_PARAM_CODE = "person-identifier";
	public static final String SEARCH_PARAM_URL = "urn:onetrip:fhir:SearchParameter:Patient-person-identifier";
	public static final String UNIQUE_PARAM_ID = "onetrip-person-identifier-unique";

	private static final Logger log = LoggerFactory.getLogger(PersonIdentifierRule.class);

	private final Region region;
	private final DaoRegistry daoRegistry;
	private final ISearchParamRegistry searchParamRegistry;

	public PersonIdentifierRule(Region region, DaoRegistry daoRegistry, ISearchParamRegistry searchParamRegistry) {
		this.region = region;
		this.daoRegistry = daoRegistry;
		this.searchParamRegistry = searchParamRegistry;
	}

	@Override
	public void run(ApplicationArguments args) {
		IFhirResourceDao<SearchParameter> dao = daoRegistry.getResourceDao(SearchParameter.class);
		SystemRequestDetails request = new SystemRequestDetails();
		dao.update(personIdentifierParameter(region), request);
		dao.update(uniquePersonIdentifierParameter(), request);
		searchParamRegistry.forceRefresh();
		log.info("Person identifier rule active for systems {}", region.personIdentifierSystems());
	}

	/** Patient.identifier restricted to the region's person systems, searchable as {@code person-identifier}. */
	static SearchParameter personIdentifierParameter(Region region) {
		String systems = region.personIdentifierSystems().stream()
				.map(s -> "system = '" + s.replace("'", "\\'") + "'")
				.collect(Collectors.joining(" or "));
		SearchParameter sp = new SearchParameter();
		sp.setId(SEARCH_PARAM_ID);
		sp.setUrl(SEARCH_PARAM_URL);
		sp.setName("PatientPersonIdentifier");
		sp.setStatus(PublicationStatus.ACTIVE);
		sp.setDescription("A Patient identifier issued by a regional person system (citizen ID, health card, hospital MRN)");
		sp.setCode(SEARCH_PARAM_CODE);
		sp.addBase("Patient");
		sp.setType(SearchParamType.TOKEN);
		sp.setExpression("Patient.identifier.where(" + systems + ")");
		return sp;
	}

	static SearchParameter uniquePersonIdentifierParameter() {
		SearchParameter sp = new SearchParameter();
		sp.setId(UNIQUE_PARAM_ID);
		sp.setUrl("urn:onetrip:fhir:SearchParameter:Patient-person-identifier-unique");
		sp.setName("PatientPersonIdentifierUnique");
		sp.setStatus(PublicationStatus.ACTIVE);
		sp.setDescription("No two Patients share a regional person identifier");
		sp.setCode("person-identifier-unique");
		sp.addBase("Patient");
		sp.setType(SearchParamType.COMPOSITE);
		sp.setExpression("Patient");
		sp.addComponent().setDefinition(SEARCH_PARAM_URL).setExpression("Patient");
		sp.addExtension(HapiExtensions.EXT_SP_UNIQUE, new BooleanType(true));
		return sp;
	}
}
