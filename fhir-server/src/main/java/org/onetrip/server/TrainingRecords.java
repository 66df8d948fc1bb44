package org.onetrip.server;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.AllergyIntolerance;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.ExplanationOfBenefit;
import org.hl7.fhir.r4.model.Immunization;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Money;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;

/**
 * Synthetic patient histories shaped like the Synthea transaction Bundles hospitals' integration engines send (and the
 * FHIR benchmark loads): a Patient with a hospital record, visits, and per visit the observations (vital signs with
 * components, laboratory values, coded answers), a condition, a procedure, a prescription, an immunisation, a report,
 * and the claim and explanation of benefit, all linked by urn:uuid references inside the Bundle. The training start
 * stores them so the JIT's profiles of a FHIR load go into the AOT cache ({@link ClassArchiveTraining}); what they
 * say is of no clinical meaning.
 */
final class TrainingRecords {

	private static final String LOINC = "http://loinc.org";
	private static final String SNOMED = "http://snomed.info/sct";
	private static final String UCUM = "http://unitsofmeasure.org";
	private static final String HOSPITAL = "Organization/hospital-a";
	private static final String PRACTITIONER = "Practitioner/hospital-a-zhang-min";

	private TrainingRecords() {}

	/** One person's history as a FHIR transaction: about {@code visits} x 16 + 5 resources. */
	static Bundle patientHistory(String mrn, int visits) {
		Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
		Patient patient = new Patient();
		patient.addIdentifier().setSystem("urn:onetrip:mrn:hospital-a").setValue(mrn);
		patient.addName().setUse(org.hl7.fhir.r4.model.HumanName.NameUse.OFFICIAL).setFamily("Training").addGiven("Record")
				.addPrefix("Mx.");
		patient.setGender(Enumerations.AdministrativeGender.OTHER).setBirthDateElement(new org.hl7.fhir.r4.model.DateType("1970-01-01"));
		patient.addAddress().addLine("1 Training Road").setCity("Hangzhou").setPostalCode("310000").setCountry("CN");
		patient.addTelecom().setSystem(org.hl7.fhir.r4.model.ContactPoint.ContactPointSystem.PHONE).setValue("0571-0000000");
		patient.setMaritalStatus(concept("http://terminology.hl7.org/CodeSystem/v3-MaritalStatus", "S", "Never Married"));
		patient.addCommunication().setLanguage(concept("urn:ietf:bcp:47", "zh-CN", "Chinese (China)"));
		Reference subject = add(bundle, patient);
		// Sent again, the same record is found by its MRN, as an integration engine's re-send would be.
		bundle.getEntryFirstRep().getRequest().setIfNoneExist("identifier=urn:onetrip:mrn:hospital-a|" + mrn);

		LocalDate first = LocalDate.of(2020, 1, 6);
		for (int visit = 0; visit < visits; visit++) {
			Date start = Date.from(first.plusWeeks(visit * 7L).atTime(9, 0).toInstant(ZoneOffset.UTC));
			Date end = new Date(start.getTime() + 30 * 60_000);
			Encounter encounter = new Encounter().setStatus(Encounter.EncounterStatus.FINISHED)
					.setClass_(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", "ambulatory"))
					.setSubject(subject).setPeriod(new Period().setStart(start).setEnd(end))
					.setServiceProvider(new Reference(HOSPITAL));
			encounter.addType(concept(SNOMED, "185349003", "Encounter for check up"));
			encounter.addParticipant().setIndividual(new Reference(PRACTITIONER));
			encounter.addReasonCode(concept(SNOMED, "38341003", "Hypertension"));
			Reference visitRef = add(bundle, encounter);

			List<Reference> results = new ArrayList<>();
			results.add(add(bundle, quantity(subject, visitRef, start, "vital-signs", "8302-2", "Body height", 170 + visit, "cm")));
			results.add(add(bundle, quantity(subject, visitRef, start, "vital-signs", "29463-7", "Body weight", 70 + visit, "kg")));
			results.add(add(bundle, quantity(subject, visitRef, start, "vital-signs", "8867-4", "Heart rate", 72, "/min")));
			results.add(add(bundle, bloodPressure(subject, visitRef, start, 120 + visit, 80)));
			results.add(add(bundle, quantity(subject, visitRef, start, "laboratory", "2339-0", "Glucose", 5.1 + visit / 10.0, "mmol/L")));
			results.add(add(bundle, quantity(subject, visitRef, start, "laboratory", "2093-3", "Cholesterol", 4.8, "mmol/L")));
			Observation smoking = observation(subject, visitRef, start, "social-history", "72166-2", "Tobacco smoking status");
			smoking.setValue(concept(SNOMED, "266919005", "Never smoked tobacco"));
			add(bundle, smoking);
			results.add(add(bundle, quantity(subject, visitRef, start, "laboratory", "718-7", "Hemoglobin", 140, "g/L")));

			DiagnosticReport report = new DiagnosticReport().setStatus(DiagnosticReport.DiagnosticReportStatus.FINAL)
					.setCode(concept(LOINC, "24323-8", "Comprehensive metabolic panel")).setSubject(subject).setEncounter(visitRef)
					.setEffective(new DateTimeType(start)).setIssued(end).setResult(results);
			report.addCategory(concept("http://terminology.hl7.org/CodeSystem/v2-0074", "LAB", "Laboratory"));
			report.addPerformer(new Reference(HOSPITAL));
			add(bundle, report);

			Condition condition = new Condition().setSubject(subject).setEncounter(visitRef)
					.setCode(concept(SNOMED, "38341003", "Hypertension")).setOnset(new DateTimeType(start)).setRecordedDate(start);
			condition.setClinicalStatus(concept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active"));
			condition.setVerificationStatus(concept("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", "Confirmed"));
			add(bundle, condition);

			Procedure procedure = new Procedure().setStatus(Procedure.ProcedureStatus.COMPLETED).setSubject(subject)
					.setEncounter(visitRef).setCode(concept(SNOMED, "430193006", "Medication reconciliation"))
					.setPerformed(new Period().setStart(start).setEnd(end));
			add(bundle, procedure);

			MedicationRequest prescription = new MedicationRequest().setStatus(MedicationRequest.MedicationRequestStatus.ACTIVE)
					.setIntent(MedicationRequest.MedicationRequestIntent.ORDER)
					.setMedication(concept("http://www.nlm.nih.gov/research/umls/rxnorm", "314076", "lisinopril 10 MG Oral Tablet"))
					.setSubject(subject).setEncounter(visitRef).setAuthoredOn(start).setRequester(new Reference(PRACTITIONER));
			prescription.addDosageInstruction().setSequence(1).getTiming().getRepeat().setFrequency(1).setPeriod(1)
					.setPeriodUnit(org.hl7.fhir.r4.model.Timing.UnitsOfTime.D);
			add(bundle, prescription);

			Immunization immunization = new Immunization().setStatus(Immunization.ImmunizationStatus.COMPLETED)
					.setVaccineCode(concept("http://hl7.org/fhir/sid/cvx", "140", "Influenza, seasonal, injectable"))
					.setPatient(subject).setEncounter(visitRef).setOccurrence(new DateTimeType(start)).setPrimarySource(true);
			add(bundle, immunization);

			Claim claim = new Claim().setStatus(Claim.ClaimStatus.ACTIVE).setUse(Claim.Use.CLAIM).setPatient(subject)
					.setBillablePeriod(new Period().setStart(start).setEnd(end)).setCreated(end).setProvider(new Reference(HOSPITAL))
					.setPriority(concept("http://terminology.hl7.org/CodeSystem/processpriority", "normal", "Normal"))
					.setType(concept("http://terminology.hl7.org/CodeSystem/claim-type", "institutional", "Institutional"))
					.setTotal(new Money().setValue(120).setCurrency("CNY"));
			claim.addInsurance().setSequence(1).setFocal(true).setCoverage(new Reference().setDisplay("Provincial insurance"));
			claim.addItem().setSequence(1).setProductOrService(concept(SNOMED, "185349003", "Encounter for check up"))
					.addEncounter(visitRef).setNet(new Money().setValue(120).setCurrency("CNY"));
			Reference claimRef = add(bundle, claim);

			ExplanationOfBenefit benefit = new ExplanationOfBenefit().setStatus(ExplanationOfBenefit.ExplanationOfBenefitStatus.ACTIVE)
					.setUse(ExplanationOfBenefit.Use.CLAIM).setPatient(subject).setCreated(end).setClaim(claimRef)
					.setBillablePeriod(new Period().setStart(start).setEnd(end)).setProvider(new Reference(HOSPITAL))
					.setInsurer(new Reference().setDisplay("Provincial insurance"))
					.setOutcome(ExplanationOfBenefit.RemittanceOutcome.COMPLETE)
					.setType(concept("http://terminology.hl7.org/CodeSystem/claim-type", "institutional", "Institutional"));
			benefit.addCareTeam().setSequence(1).setProvider(new Reference(PRACTITIONER));
			benefit.addInsurance().setFocal(true).setCoverage(new Reference().setDisplay("Provincial insurance"));
			benefit.addItem().setSequence(1).setProductOrService(concept(SNOMED, "185349003", "Encounter for check up"))
					.addEncounter(visitRef).addAdjudication().setCategory(concept("http://terminology.hl7.org/CodeSystem/adjudication",
							"submitted", "Submitted Amount")).setAmount(new Money().setValue(120).setCurrency("CNY"));
			benefit.addTotal().setCategory(concept("http://terminology.hl7.org/CodeSystem/adjudication", "submitted", "Submitted Amount"))
					.setAmount(new Money().setValue(120).setCurrency("CNY"));
			add(bundle, benefit);
		}

		AllergyIntolerance allergy = new AllergyIntolerance().setPatient(subject).setCode(concept(SNOMED, "300916003", "Latex allergy"))
				.setRecordedDate(Date.from(first.atStartOfDay().toInstant(ZoneOffset.UTC)));
		allergy.setClinicalStatus(concept("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active", "Active"));
		allergy.addCategory(AllergyIntolerance.AllergyIntoleranceCategory.ENVIRONMENT);
		add(bundle, allergy);
		CareTeam team = new CareTeam().setStatus(CareTeam.CareTeamStatus.ACTIVE).setSubject(subject);
		team.addParticipant().setMember(new Reference(PRACTITIONER)).addRole(concept(SNOMED, "223366009", "Healthcare professional"));
		team.addManagingOrganization(new Reference(HOSPITAL));
		Reference teamRef = add(bundle, team);
		CarePlan plan = new CarePlan().setStatus(CarePlan.CarePlanStatus.ACTIVE).setIntent(CarePlan.CarePlanIntent.ORDER)
				.setSubject(subject).addCareTeam(teamRef);
		plan.addCategory(concept(SNOMED, "443402002", "Lifestyle education regarding hypertension"));
		plan.addActivity().getDetail().setStatus(CarePlan.CarePlanActivityStatus.INPROGRESS)
				.setCode(concept(SNOMED, "386463000", "Prescribed activity/exercise education"));
		add(bundle, plan);
		Provenance provenance = new Provenance().setRecorded(Date.from(first.atStartOfDay().toInstant(ZoneOffset.UTC)));
		provenance.addTarget(subject);
		provenance.addAgent().setWho(new Reference(HOSPITAL)).setType(concept(
				"http://terminology.hl7.org/CodeSystem/provenance-participant-type", "author", "Author"));
		add(bundle, provenance);
		return bundle;
	}

	private static Observation quantity(Reference subject, Reference visit, Date when, String category, String code,
			String display, double value, String unit) {
		Observation observation = observation(subject, visit, when, category, code, display);
		observation.setValue(new Quantity().setValue(value).setUnit(unit).setSystem(UCUM).setCode(unit));
		return observation;
	}

	private static Observation bloodPressure(Reference subject, Reference visit, Date when, int systolic, int diastolic) {
		Observation pressure = observation(subject, visit, when, "vital-signs", "85354-9", "Blood pressure panel");
		pressure.addComponent().setCode(concept(LOINC, "8480-6", "Systolic blood pressure"))
				.setValue(new Quantity().setValue(systolic).setUnit("mm[Hg]").setSystem(UCUM).setCode("mm[Hg]"));
		pressure.addComponent().setCode(concept(LOINC, "8462-4", "Diastolic blood pressure"))
				.setValue(new Quantity().setValue(diastolic).setUnit("mm[Hg]").setSystem(UCUM).setCode("mm[Hg]"));
		return pressure;
	}

	private static Observation observation(Reference subject, Reference visit, Date when, String category, String code, String display) {
		Observation observation = new Observation().setStatus(Observation.ObservationStatus.FINAL)
				.setCode(concept(LOINC, code, display)).setSubject(subject).setEncounter(visit)
				.setEffective(new DateTimeType(when)).setIssued(when);
		observation.addCategory(concept("http://terminology.hl7.org/CodeSystem/observation-category", category, category));
		observation.addPerformer(new Reference(HOSPITAL));
		return observation;
	}

	private static CodeableConcept concept(String system, String code, String display) {
		return new CodeableConcept(new Coding(system, code, display)).setText(display);
	}

	/** The resource as a POST entry under a urn:uuid full URL; the reference other entries use for it. */
	private static Reference add(Bundle bundle, Resource resource) {
		String fullUrl = "urn:uuid:" + UUID.randomUUID();
		bundle.addEntry().setFullUrl(fullUrl).setResource(resource).getRequest().setMethod(Bundle.HTTPVerb.POST)
				.setUrl(resource.fhirType());
		return new Reference(fullUrl);
	}
}
