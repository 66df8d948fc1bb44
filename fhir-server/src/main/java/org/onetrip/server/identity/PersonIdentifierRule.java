package org.onetrip.server.identity;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Enumerations.PublicationStatus;
import org.hl7.fhir.r4.model.Enumerations.SearchParamType;
import org.hl7.fhir.r4.model.SearchParameter;
import org.onetrip.terminology.region.Region;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.annotation.Order;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The region's person identifiers as a search parameter ({@code Patient?person-identifier=system|value}: citizen ID,
 * health card, any hospital's MRN), and the end of the rule this code base had before the person ledger: "one
 * regional identifier names one Patient" was a HAPI combo-unique index, which made hospital B's registration of a
 * person hospital A already knew fail or return A's record. Each hospital now keeps its own record and the
 * {@link PersonLinker} links them; at start the old unique parameter and its index rows are removed, and a database
 * whose Patients are not all in the ledger yet is relinked in the background ({@link PersonRelink}).
 */
@Component
@Order(10)
public class PersonIdentifierRule implements ApplicationRunner {

	public static final String SEARCH_PARAM_ID = "onetrip-person-identifier";
	public static final String SEARCH_PARAM_CODE = "person-identifier";
	public static final String SEARCH_PARAM_URL = "urn:onetrip:fhir:SearchParameter:Patient-person-identifier";
	/** The combo-unique parameter of the old rule, removed at start. */
	static final String RETIRED_UNIQUE_PARAM_ID = "onetrip-person-identifier-unique";

	private static final Logger log = LoggerFactory.getLogger(PersonIdentifierRule.class);

	private final Region region;
	private final DaoRegistry daoRegistry;
	private final ISearchParamRegistry searchParamRegistry;
	private final JdbcTemplate jdbc;
	private final PersonRelink relink;

	public PersonIdentifierRule(Region region, DaoRegistry daoRegistry, ISearchParamRegistry searchParamRegistry, JdbcTemplate jdbc,
			PersonRelink relink) {
		this.region = region;
		this.daoRegistry = daoRegistry;
		this.searchParamRegistry = searchParamRegistry;
		this.jdbc = jdbc;
		this.relink = relink;
	}

	@Override
	public void run(ApplicationArguments args) {
		IFhirResourceDao<SearchParameter> dao = daoRegistry.getResourceDao(SearchParameter.class);
		SystemRequestDetails request = new SystemRequestDetails();
		SearchParameter wanted = personIdentifierParameter(region);
		boolean changed = !dao.update(wanted, request).isNop();
		try {
			dao.read(new IdType("SearchParameter", RETIRED_UNIQUE_PARAM_ID), request);
			dao.delete(new IdType("SearchParameter", RETIRED_UNIQUE_PARAM_ID), request);
			int rows = jdbc.update("DELETE FROM HFJ_IDX_CMP_STRING_UNIQ WHERE IDX_STRING LIKE 'Patient?person-identifier=%'");
			log.info("Removed the old region-wide unique person identifier rule ({} index rows)", rows);
			changed = true;
		} catch (ResourceNotFoundException | ResourceGoneException alreadyGone) {
			// a database made after the person ledger: nothing to remove
		}
		// HAPI reloads its search parameters by itself only every so often; the writes after this runner need the rule at
		// once. Unchanged (every later start), the registry HAPI loads from the database already holds it and is not
		// reloaded again; one that holds another expression (another instance changed the rule a moment ago) is.
		var active = searchParamRegistry.getActiveSearchParam("Patient", SEARCH_PARAM_CODE);
		if (changed || active == null || !wanted.getExpression().equals(active.getPath())) {
			searchParamRegistry.forceRefresh();
		}
		if (relink.needed()) {
			log.info("Patients stored before the person ledger: relinking them in the background (see $person-relink-status)");
			relink.start();
		}
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
}
