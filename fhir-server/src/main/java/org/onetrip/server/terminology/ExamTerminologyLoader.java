package org.onetrip.server.terminology;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.onetrip.server.hapi.ConfigPublication;
import org.onetrip.server.hapi.PutTransaction;
import org.hl7.fhir.r4.model.ConceptMap;
import org.hl7.fhir.r4.model.Resource;
import org.onetrip.terminology.exam.ExamTerminology;
import org.onetrip.terminology.exam.HospitalExamCodes;
import org.onetrip.terminology.region.Hospital;
import org.onetrip.terminology.region.Region;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Publishes the exam terminology at start and makes the stored ConceptMaps the live code maps.
 *
 * <p>A hospital's code-map CSV is written to FHIR only when the file changed since it was last
 * loaded ({@link ConfigFileLedger}): an edit made through FHIR stands until the operator edits the CSV.
 */
@Component
@Order(30)
public class ExamTerminologyLoader implements ApplicationRunner {

	private static final Logger log = LoggerFactory.getLogger(ExamTerminologyLoader.class);

	private final ExamTerminology terminology;
	private final Region region;
	private final IFhirSystemDao<Bundle, ?> systemDao;
	private final DaoRegistry daoRegistry;
	private final LiveCodeMaps liveCodeMaps;
	private final ConfigFileLedger ledger;
	private final ConfigPublication publication;

	public ExamTerminologyLoader(ExamTerminology terminology, Region region, IFhirSystemDao<Bundle, ?> systemDao,
			DaoRegistry daoRegistry, LiveCodeMaps liveCodeMaps, ConfigFileLedger ledger, ConfigPublication publication) {
		this.terminology = terminology;
		this.region = region;
		this.systemDao = systemDao;
		this.daoRegistry = daoRegistry;
		this.liveCodeMaps = liveCodeMaps;
		this.ledger = ledger;
		this.publication = publication;
	}

	@Override
	public void run(ApplicationArguments args) {
		// The catalogue (CodeSystem and ValueSet) is written when it or the stored one changed since the last start.
		publication.publish("exam-catalogue", List.of(ExamTerminologyResources.catalogue(terminology),
				ExamTerminologyResources.catalogueValueSet(terminology)));
		List<Resource> resources = new ArrayList<>();
		List<HospitalExamCodes> changed = new ArrayList<>();
		for (HospitalExamCodes codes : terminology.codeMaps()) {
			Hospital hospital = region.hospital(codes.hospitalKey()).orElseThrow();
			if (ledger.changedSinceLastLoad(ledgerName(codes), codes.toString())) {
				resources.add(ExamTerminologyResources.localCodes(hospital, codes));
				resources.add(ExamTerminologyResources.codeMap(hospital, codes, terminology));
				changed.add(codes);
			}
		}
		if (!resources.isEmpty()) {
			systemDao.transaction(new SystemRequestDetails(), PutTransaction.of(resources));
		}
		changed.forEach(codes -> ledger.recordLoaded(ledgerName(codes), codes.toString()));

		// The store decides what is live: a map edited through FHIR wins over the unchanged file it came from,
		// and a map deleted through FHIR stays deleted until its file changes.
		java.util.Set<String> stored = new java.util.HashSet<>();
		var conceptMaps = daoRegistry.getResourceDao(ConceptMap.class)
				.search(SearchParameterMap.newSynchronous(), new SystemRequestDetails());
		for (var resource : conceptMaps.getAllResources()) {
			try {
				liveCodeMaps.hospitalCodes(resource).ifPresent(codes -> {
					liveCodeMaps.apply(codes);
					stored.add(codes.system());
				});
			} catch (UnprocessableEntityException e) {
				// E.g. the catalogue no longer has a code an edited map points at: that hospital's codes stay
				// unmapped (counted and logged when used) rather than the whole server refusing to start.
				log.error("Exam code map not used: {}", e.getMessage());
			}
		}
		terminology.codeMaps().stream().map(HospitalExamCodes::system).filter(s -> !stored.contains(s))
				.forEach(terminology::removeCodeMap);
		int live = stored.size();
		log.info("Exam terminology loaded: {} catalogue exams, {} hospital code maps ({} rewritten from config)",
				terminology.catalogue().exams().size(), live, changed.size());
	}

	private static String ledgerName(HospitalExamCodes codes) {
		return "exams/code-maps/" + codes.hospitalKey() + ".csv";
	}
}
