package org.onetrip.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.util.List;
import java.util.Map;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.onetrip.server.OneTripInstance;
import org.onetrip.server.RegistrationRace;
import org.onetrip.server.scheduling.BookingRace;

/**
 * The production storage: real PostgreSQL (embedded binaries), the {@code postgres} profile, and two
 * OneTrip instances sharing one database, as the province deploys it.
 */
class PostgresStorageTest {

	static EmbeddedPostgres postgres;
	static OneTripInstance instanceA;
	static OneTripInstance instanceB;

	@BeforeAll
	static void startPostgresAndTwoServers() throws Exception {
		postgres = EmbeddedPostgres.builder().start();
		Map<String, String> settings = Map.of(
				"spring.profiles.active", "postgres",
				"onetrip.data-dir", "target/pg-instance",
				"spring.datasource.url", postgres.getJdbcUrl("postgres", "postgres"),
				"spring.datasource.username", "postgres",
				"spring.datasource.password", "postgres");
		// One after the other: the first creates the schema, the second finds it.
		instanceA = OneTripInstance.start(settings);
		instanceB = OneTripInstance.start(settings);
	}

	@AfterAll
	static void stop() throws Exception {
		if (instanceB != null) instanceB.close();
		if (instanceA != null) instanceA.close();
		if (postgres != null) postgres.close();
	}

	@Test
	void whatOneInstanceWritesTheOtherReads() {
		Patient patient = new Patient();
		patient.addName().setFamily("Shared");
		String id = instanceA.fhir().post("/Patient", patient).as(Patient.class).getIdElement().getIdPart();
		assertThat(instanceB.fhir().get("/Patient/" + id).as(Patient.class).getNameFirstRep().getFamily()).isEqualTo("Shared");
		assertThat(instanceB.fhir().get("/Organization/clinic-c").status()).isEqualTo(200);
	}

	@Test
	void twoInstancesRegisteringOnePersonAtOnceMakeOnePatient() throws Exception {
		String citizenId = "330402199912120031";
		List<Integer> statuses = race(citizenId, true);
		assertThat(statuses).allMatch(s -> s == 200 || s == 201);
		assertThat(statuses).filteredOn(s -> s == 201).hasSize(1);
		assertThat(instanceA.fhir().get("/Patient?identifier=urn:onetrip:citizen-id|" + citizenId).bundle().getEntry()).hasSize(1);
	}

	@Test
	void plainCreatesOnTwoInstancesLetExactlyOneWin() throws Exception {
		String citizenId = "330402199912120058";
		List<Integer> statuses = race(citizenId, false);
		assertThat(statuses).filteredOn(s -> s == 201).hasSize(1);
		assertThat(statuses).filteredOn(s -> s != 201).allMatch(s -> s == 409);
		assertThat(instanceB.fhir().get("/Patient?identifier=urn:onetrip:citizen-id|" + citizenId).bundle().getEntry()).hasSize(1);
	}

	@Test
	void aReportStoredThroughOneInstanceIsAPriorExamForADoctorOnTheOther() {
		Patient patient = new Patient();
		patient.addIdentifier().setSystem("urn:onetrip:citizen-id").setValue("330402199912120074");
		String id = instanceA.fhir().post("/Patient", patient).as(Patient.class).getIdElement().getIdPart();
		DiagnosticReport report = new DiagnosticReport();
		report.setStatus(DiagnosticReport.DiagnosticReportStatus.FINAL);
		report.setCode(new CodeableConcept(new Coding("urn:onetrip:exam-code:hospital-b", "RAD1010", null)));
		report.setSubject(new Reference("Patient/" + id));
		report.setEffective(new DateTimeType(Date.from(Instant.now().minus(5, ChronoUnit.DAYS))));
		assertThat(instanceA.fhir().post("/DiagnosticReport", report).status()).isEqualTo(201);

		ServiceRequest order = new ServiceRequest();
		order.setStatus(ServiceRequest.ServiceRequestStatus.DRAFT);
		order.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
		order.setCode(new CodeableConcept(new Coding("http://loinc.org", "30799-1", null))); // CT head plain
		order.setSubject(new Reference("Patient/" + id));
		Parameters in = new Parameters();
		in.addParameter().setName("request").setResource(order);
		String answer = instanceB.fhir().post("/ServiceRequest/$duplicate-check", in).body();
		assertThat(answer).contains("\"valueCode\":\"duplicate\"").contains("CT Head");
	}

	@Test
	void bookingsThroughTwoInstancesAtOnceNeverExceedTheSlotsCapacity() throws Exception {
		String slot = BookingRace.slot(instanceA.fhir(), 4, java.time.Duration.ofDays(1));
		List<Integer> statuses = BookingRace.run(List.of(instanceA.fhir(), instanceB.fhir()), slot, 24);
		assertThat(statuses).filteredOn(s -> s == 201).hasSize(4);
		assertThat(statuses).filteredOn(s -> s != 201).allMatch(s -> s == 409);
		assertThat(instanceB.fhir().get("/Appointment?slot=Slot/" + slot).bundle().getEntry()).hasSize(4);
	}

	private static List<Integer> race(String citizenId, boolean conditional) throws Exception {
		return RegistrationRace.run(List.of(instanceA.fhir(), instanceB.fhir()), citizenId, 8, conditional);
	}
}
