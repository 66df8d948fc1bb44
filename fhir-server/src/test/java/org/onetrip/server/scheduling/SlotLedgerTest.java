package org.onetrip.server.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.junit.jupiter.api.Test;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.ServerTest;

/** Appointments take places in slots only through the ledger, and never more than the slot has. */
class SlotLedgerTest extends ServerTest {

	@org.springframework.beans.factory.annotation.Autowired
	javax.sql.DataSource dataSource;

	@org.springframework.beans.factory.annotation.Autowired
	BookingsInFlight bookingsInFlight;

	@Test
	void twentyClientsBookingAThreePlaceSlotAtOnceGiveExactlyThreeAppointments() throws Exception {
		String slot = BookingRace.slot(fhir, 3, Duration.ofDays(2));
		List<Integer> statuses = BookingRace.run(List.of(fhir), slot, 20);
		assertThat(statuses).filteredOn(s -> s == 201).hasSize(3);
		assertThat(statuses).filteredOn(s -> s != 201).allMatch(s -> s == 409);
		assertThat(fhir.get("/Appointment?slot=Slot/" + slot).bundle().getEntry()).hasSize(3);
		assertThat(bookingsInFlight.inFlight(slot)).as("every booking let past the door was given back when it ended").isZero();
	}

	@Test
	void aFullSlotRefusesWith409AndACancellationFreesThePlaceAtOnce() {
		String slot = BookingRace.slot(fhir, 1, Duration.ofDays(2));
		FhirHttp.Response first = fhir.post("/Appointment", BookingRace.booked(slot));
		assertThat(first.status()).isEqualTo(201);
		FhirHttp.Response second = fhir.post("/Appointment", BookingRace.booked(slot));
		assertThat(second.status()).isEqualTo(409);
		assertThat(second.body()).contains("is full");
		assertThat(awaitAuditedRefusal(slot).getOutcome()).as("the refusal is audited, though its Appointment never existed")
				.isEqualTo(org.hl7.fhir.r4.model.AuditEvent.AuditEventOutcome._4);
		assertThat(fhir.get("http://127.0.0.1:" + port + "/actuator/prometheus", "text/plain").body())
				.contains("onetrip_appointment_claims_total{").contains("outcome=\"refused-full\"").contains("outcome=\"booked\"");

		Appointment cancelled = first.as(Appointment.class).setStatus(Appointment.AppointmentStatus.CANCELLED);
		assertThat(fhir.put("/Appointment/" + cancelled.getIdElement().getIdPart(), cancelled).status()).isEqualTo(200);
		assertThat(fhir.post("/Appointment", BookingRace.booked(slot)).status()).isEqualTo(201);
	}

	@Test
	void aBookingRefusedAtTheDoorIsStillJudgedAsTheCallersCreateFirst() {
		String slot = BookingRace.slot(fhir, 1, Duration.ofDays(2));
		String mine = fhir.post("/Patient", new org.hl7.fhir.r4.model.Patient()).as(org.hl7.fhir.r4.model.Patient.class).getIdElement().getIdPart();
		String theirs = fhir.post("/Patient", new org.hl7.fhir.r4.model.Patient()).as(org.hl7.fhir.r4.model.Patient.class).getIdElement().getIdPart();
		assertThat(fhir.post("/Appointment", forPatient(BookingRace.booked(slot), theirs)).status()).isEqualTo(201);
		FhirHttp me = fhir.as(org.onetrip.server.TestTokens.patient(mine, "patient/*.cruds"));

		FhirHttp.Response someoneElses = me.post("/Appointment", forPatient(BookingRace.booked(slot), theirs));
		assertThat(someoneElses.status()).as("not whether the slot is full: whether this caller may make the booking")
				.isEqualTo(403);
		FhirHttp.Response own = me.post("/Appointment", forPatient(BookingRace.booked(slot), mine));
		assertThat(own.status()).isEqualTo(409);
		assertThat(own.body()).contains("is full").contains("OperationOutcome");
		// A conditional create that finds the booking already made takes no place: the door leaves it to the create.
		Appointment again = forPatient(BookingRace.booked(slot), theirs);
		FhirHttp.Response conditional = fhir.post("/Appointment", fhir.json(again), java.util.Map.of("If-None-Exist", "slot=Slot/" + slot));
		assertThat(conditional.status()).isEqualTo(200);
		assertThat(fhir.get("/Appointment?slot=Slot/" + slot).bundle().getEntry()).hasSize(1);
	}

	private static Appointment forPatient(Appointment appointment, String patientId) {
		appointment.addParticipant().setStatus(Appointment.ParticipationStatus.ACCEPTED).setActor(new Reference("Patient/" + patientId));
		return appointment;
	}

	@Test
	void aHoldKeepsThePlaceUntilItExpiresAndThenOthersMayTakeIt() {
		String slot = BookingRace.slot(fhir, 1, Duration.ofDays(2));
		Appointment hold = BookingRace.booked(slot).setStatus(Appointment.AppointmentStatus.PENDING);
		hold.addExtension(AppointmentTerms.EXT_HOLD_EXPIRES, new DateTimeType(Date.from(Instant.now().plus(Duration.ofMinutes(2)))));
		FhirHttp.Response held = fhir.post("/Appointment", hold);
		assertThat(held.status()).isEqualTo(201);
		assertThat(fhir.post("/Appointment", BookingRace.booked(slot)).status()).as("held by another").isEqualTo(409);

		Appointment late = held.as(Appointment.class).setStatus(Appointment.AppointmentStatus.BOOKED);
		try (var later = clock.movedOn(Duration.ofMinutes(3))) {
			assertThat(fhir.post("/Appointment", BookingRace.booked(slot)).status()).as("hold expired").isEqualTo(201);
			FhirHttp.Response lateBooking = fhir.put("/Appointment/" + late.getIdElement().getIdPart(), late);
			assertThat(lateBooking.status()).isEqualTo(409);
		}
		assertThat(fhir.get("/Appointment/" + late.getIdElement().getIdPart()).as(Appointment.class).getStatus())
				.as("nothing changed").isEqualTo(Appointment.AppointmentStatus.PENDING);
	}

	@Test
	void reschedulingMovesThePlaceAtOnceAndAFullTargetLeavesTheAppointmentWhereItWas() {
		String from = BookingRace.slot(fhir, 1, Duration.ofDays(2));
		String to = BookingRace.slot(fhir, 1, Duration.ofDays(3));
		Appointment appointment = fhir.post("/Appointment", BookingRace.booked(from)).as(Appointment.class);
		appointment.getSlot().clear();
		appointment.addSlot(new Reference("Slot/" + to));
		assertThat(fhir.put("/Appointment/" + appointment.getIdElement().getIdPart(), appointment).status()).isEqualTo(200);
		assertThat(fhir.post("/Appointment", BookingRace.booked(from)).status()).as("the old place is free at once").isEqualTo(201);

		String full = BookingRace.slot(fhir, 1, Duration.ofDays(4));
		assertThat(fhir.post("/Appointment", BookingRace.booked(full)).status()).isEqualTo(201);
		appointment.getSlot().clear();
		appointment.addSlot(new Reference("Slot/" + full));
		FhirHttp.Response refused = fhir.put("/Appointment/" + appointment.getIdElement().getIdPart(), appointment);
		assertThat(refused.status()).isEqualTo(409);
		assertThat(fhir.get("/Appointment/" + appointment.getIdElement().getIdPart()).as(Appointment.class).getSlotFirstRep().getReference())
				.as("still in its slot").isEqualTo("Slot/" + to);
		assertThat(fhir.post("/Appointment", BookingRace.booked(to)).status()).as("and still holding its place").isEqualTo(409);
	}

	@Test
	void anUnknownSlotIsRefusedWithAClearError() {
		FhirHttp.Response refused = fhir.post("/Appointment", BookingRace.booked(unique("no-such-slot")));
		assertThat(refused.status()).isBetween(400, 499);
		assertThat(refused.outcome().getIssueFirstRep().getDiagnostics()).containsIgnoringCase("slot");
	}

	@Test
	void aSlotThatAlreadyStartedCannotBeBooked() {
		String slot = BookingRace.slot(fhir, 2, Duration.ofMinutes(-5));
		FhirHttp.Response refused = fhir.post("/Appointment", BookingRace.booked(slot));
		assertThat(refused.status()).isEqualTo(409);
		assertThat(refused.body()).contains("can no longer be booked");
	}

	@Test
	void placesReservedForReferralsGoOnlyToReferralsFromPrimaryInstitutions() {
		String slotId = BookingRace.slot(fhir, 2, 1, Duration.ofDays(3));

		assertThat(fhir.post("/Appointment", BookingRace.booked(slotId)).status()).as("general place").isEqualTo(201);
		FhirHttp.Response walkIn = fhir.post("/Appointment", BookingRace.booked(slotId));
		assertThat(walkIn.status()).as("reserved place, no referral").isEqualTo(409);
		assertThat(walkIn.body()).contains("reserved for referrals").doesNotContain("HAPI-");

		Appointment fromSecondary = BookingRace.booked(slotId);
		fromSecondary.addBasedOn(new Reference("ServiceRequest/" + referral("Organization/hospital-b")));
		assertThat(fhir.post("/Appointment", fromSecondary).status()).as("referral from a secondary hospital").isEqualTo(409);

		Appointment fromClinic = BookingRace.booked(slotId);
		fromClinic.addBasedOn(new Reference("ServiceRequest/" + referral("PractitionerRole/clinic-c-xu-jing-role")));
		assertThat(fhir.post("/Appointment", fromClinic).status()).as("referral from a primary clinic").isEqualTo(201);
	}

	@Test
	void appointmentFiguresComeFromTheDatabasePerHospitalAndDepartment() {
		String from = Instant.now().minusMillis(1).toString();
		String oneSlot = BookingRace.slot(fhir, 1, Duration.ofDays(3));
		assertThat(fhir.post("/Appointment", BookingRace.booked(oneSlot)).status()).isEqualTo(201);
		assertThat(fhir.post("/Appointment", BookingRace.booked(oneSlot)).status()).as("full").isEqualTo(409);
		String heldSlot = BookingRace.slot(fhir, 1, Duration.ofDays(3));
		Appointment proposed = BookingRace.booked(heldSlot).setStatus(Appointment.AppointmentStatus.PROPOSED);
		org.hl7.fhir.r4.model.Parameters hold = new org.hl7.fhir.r4.model.Parameters();
		hold.addParameter().setName("appt-resource").setResource(proposed);
		Appointment held = fhir.post("/Appointment/$hold", hold).as(Appointment.class);
		org.hl7.fhir.r4.model.Parameters book = new org.hl7.fhir.r4.model.Parameters();
		book.addParameter().setName("appt-resource").setResource(held);
		assertThat(fhir.post("/Appointment/$book", book).status()).isEqualTo(200);
		Appointment booked = fhir.get("/Appointment/" + held.getIdElement().getIdPart()).as(Appointment.class);
		booked.setComment("an update of a booked appointment is not another attempt");
		assertThat(fhir.put("/Appointment/" + held.getIdElement().getIdPart(), booked).status()).isEqualTo(200);

		org.hl7.fhir.r4.model.Parameters figures = fhir.get("/$appointment-statistics?start=" + from
				+ "&hospital=hospital-a&department=hospital-a-radiology").as(org.hl7.fhir.r4.model.Parameters.class);

		var group = figures.getParameter().stream().filter(p -> "group".equals(p.getName())).findFirst().orElseThrow();
		java.util.Map<String, String> parts = new java.util.HashMap<>();
		group.getPart().forEach(p -> parts.put(p.getName(), p.getValue().primitiveValue()));
		assertThat(parts).containsEntry("hospital", "hospital-a").containsEntry("department", "hospital-a-radiology")
				.containsEntry("attempted", "3").containsEntry("booked", "2").containsEntry("held", "1")
				.containsEntry("refused-full", "1").containsEntry("success-ratio", "0.6667");
		assertThat(fhir.get("/$appointment-statistics?start=2026-12-02T00:00:00Z&end=2026-12-01T00:00:00Z").status()).isEqualTo(400);
	}

	@Test
	void findOffersReservedPlacesOnlyToACallerWithAPrimaryCareReferral() {
		String slotId = BookingRace.slot(fhir, 2, 1, Duration.ofDays(3));
		assertThat(fhir.post("/Appointment", BookingRace.booked(slotId)).status()).as("the general place").isEqualTo(201);
		java.time.LocalDate day = Instant.now().plus(Duration.ofDays(3)).atZone(java.time.ZoneOffset.UTC).toLocalDate();
		String find = "/Appointment/$find?service=HealthcareService/hospital-a-radiology&start=" + day.minusDays(1)
				+ "&end=" + day.plusDays(2) + "&_count=500";

		assertThat(fhir.get(find).body()).as("nothing this caller could book").doesNotContain("Slot/" + slotId);
		String fromClinic = referral("PractitionerRole/clinic-c-xu-jing-role");
		Appointment offered = fhir.get(find + "&referral=ServiceRequest/" + fromClinic).bundle().getEntry().stream()
				.map(e -> (Appointment) e.getResource()).filter(a -> a.getSlotFirstRep().getReference().equals("Slot/" + slotId))
				.findFirst().orElseThrow();
		assertThat(((org.hl7.fhir.r4.model.IntegerType) offered.getExtensionByUrl(SchedulingOperations.EXT_FREE_PLACES).getValue())
				.getValue()).isEqualTo(1);
		String fromSecondary = referral("Organization/hospital-b");
		assertThat(fhir.get(find + "&referral=ServiceRequest/" + fromSecondary).body()).as("a secondary hospital's referral")
				.doesNotContain("Slot/" + slotId);
		FhirHttp.Response wrong = fhir.get(find + "&referral=Patient/x");
		assertThat(wrong.status()).isEqualTo(400);
		assertThat(wrong.outcome().getIssueFirstRep().getDiagnostics()).contains("ServiceRequest/<id>");
	}

	@Test
	void findHoldAndBookThroughTheSchedulingOperations() {
		String slot = BookingRace.slot(fhir, 1, Duration.ofDays(4));
		java.time.LocalDate day = Instant.now().plus(Duration.ofDays(4)).atZone(java.time.ZoneOffset.UTC).toLocalDate();
		String find = "/Appointment/$find?service=HealthcareService/hospital-a-radiology&start=" + day.minusDays(1)
				+ "&end=" + day.plusDays(2) + "&_count=500";
		FhirHttp.Response found = fhir.get(find);
		assertThat(found.status()).as(found.toString()).isEqualTo(200);
		Appointment proposed = found.bundle().getEntry().stream().map(e -> (Appointment) e.getResource())
				.filter(a -> a.getSlotFirstRep().getReference().equals("Slot/" + slot)).findFirst().orElseThrow();
		assertThat(proposed.getStatus()).isEqualTo(Appointment.AppointmentStatus.PROPOSED);

		org.hl7.fhir.r4.model.Parameters hold = new org.hl7.fhir.r4.model.Parameters();
		hold.addParameter().setName("appt-resource").setResource(proposed);
		FhirHttp.Response held = fhir.post("/Appointment/$hold", hold);
		assertThat(held.status()).as(held.toString()).isEqualTo(200);
		Appointment heldAppointment = held.as(Appointment.class);
		assertThat(heldAppointment.getStatus()).isEqualTo(Appointment.AppointmentStatus.PENDING);
		assertThat(fhir.post("/Appointment/$hold", hold).status()).as("the one place is held").isEqualTo(409);
		assertThat(fhir.get(find).body()).as("a held slot is not offered").doesNotContain("Slot/" + slot);

		org.hl7.fhir.r4.model.Parameters book = new org.hl7.fhir.r4.model.Parameters();
		book.addParameter().setName("appt-resource").setResource(heldAppointment);
		FhirHttp.Response booked = fhir.post("/Appointment/$book", book);
		assertThat(booked.status()).as(booked.toString()).isEqualTo(200);
		assertThat(booked.as(Appointment.class).getStatus()).isEqualTo(Appointment.AppointmentStatus.BOOKED);
		assertThat(booked.as(Appointment.class).getIdElement().getIdPart()).isEqualTo(heldAppointment.getIdElement().getIdPart());
		assertThat(fhir.get("/Appointment?slot=Slot/" + slot).bundle().getEntry()).hasSize(1);

		assertThat(fhir.post("/Appointment/$book", new org.hl7.fhir.r4.model.Parameters()).status()).isEqualTo(400);
	}

	@Test
	void slotStatusFollowsTheLedgerBusyWhenFullFreeWhenAPlaceComesBack() {
		String slot = BookingRace.slot(fhir, 2, Duration.ofDays(2));
		FhirHttp.Response first = fhir.post("/Appointment", BookingRace.booked(slot));
		assertThat(first.status()).isEqualTo(201);
		assertThat(fhir.post("/Appointment", BookingRace.booked(slot)).status()).isEqualTo(201);
		awaitSlotStatus(slot, org.hl7.fhir.r4.model.Slot.SlotStatus.BUSY);

		Appointment cancelled = first.as(Appointment.class).setStatus(Appointment.AppointmentStatus.CANCELLED);
		assertThat(fhir.put("/Appointment/" + cancelled.getIdElement().getIdPart(), cancelled).status()).isEqualTo(200);
		awaitSlotStatus(slot, org.hl7.fhir.r4.model.Slot.SlotStatus.FREE);

		String held = BookingRace.slot(fhir, 1, Duration.ofDays(2));
		Appointment hold = BookingRace.booked(held).setStatus(Appointment.AppointmentStatus.PENDING);
		hold.addExtension(AppointmentTerms.EXT_HOLD_EXPIRES, new DateTimeType(Date.from(Instant.now().plusSeconds(3))));
		assertThat(fhir.post("/Appointment", hold).status()).isEqualTo(201);
		awaitSlotStatus(held, org.hl7.fhir.r4.model.Slot.SlotStatus.BUSY);
		awaitSlotStatus(held, org.hl7.fhir.r4.model.Slot.SlotStatus.FREE); // the hold lapsed: nobody wrote anything
	}

	/**
	 * Another instance on the database writing the same slot's status holds its lock: this one leaves the slot alone
	 * (no second update to fail on HAPI's version key) and sets it once the other is done.
	 */
	@Test
	void whileAnotherInstanceWritesASlotsStatusThisOneWaitsItsTurn() throws Exception {
		String slot = BookingRace.slot(fhir, 1, Duration.ofDays(2));
		String versionBefore = fhir.get("/Slot/" + slot).as(org.hl7.fhir.r4.model.Slot.class).getMeta().getVersionId();
		try (java.sql.Connection otherInstance = dataSource.getConnection()) {
			otherInstance.setAutoCommit(false);
			try (var lock = otherInstance.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
				lock.setLong(1, java.util.UUID.nameUUIDFromBytes(("slot-status:" + slot).getBytes(java.nio.charset.StandardCharsets.UTF_8))
						.getMostSignificantBits());
				lock.execute();
			}
			assertThat(fhir.post("/Appointment", BookingRace.booked(slot)).status()).isEqualTo(201);
			await(Duration.ofSeconds(3)); // three rounds of the worker (one a second)
			org.hl7.fhir.r4.model.Slot meanwhile = fhir.get("/Slot/" + slot).as(org.hl7.fhir.r4.model.Slot.class);
			assertThat(meanwhile.getStatus()).as("not written while the lock is held").isEqualTo(org.hl7.fhir.r4.model.Slot.SlotStatus.FREE);
			assertThat(meanwhile.getMeta().getVersionId()).isEqualTo(versionBefore);
			otherInstance.rollback();
		}
		awaitSlotStatus(slot, org.hl7.fhir.r4.model.Slot.SlotStatus.BUSY);
	}

	/** The status worker remembers the slots it wrote; a person's change after that is seen and kept. */
	@Test
	void aSlotAPersonClosedStaysClosedWhenItsPlaceComesBack() throws Exception {
		String slot = BookingRace.slot(fhir, 1, Duration.ofDays(2));
		FhirHttp.Response booked = fhir.post("/Appointment", BookingRace.booked(slot));
		assertThat(booked.status()).isEqualTo(201);
		awaitSlotStatus(slot, org.hl7.fhir.r4.model.Slot.SlotStatus.BUSY);

		org.hl7.fhir.r4.model.Slot closed = fhir.get("/Slot/" + slot).as(org.hl7.fhir.r4.model.Slot.class)
				.setStatus(org.hl7.fhir.r4.model.Slot.SlotStatus.BUSYUNAVAILABLE);
		assertThat(fhir.put("/Slot/" + slot, closed).status()).isEqualTo(200);
		Appointment cancelled = booked.as(Appointment.class).setStatus(Appointment.AppointmentStatus.CANCELLED);
		assertThat(fhir.put("/Appointment/" + cancelled.getIdElement().getIdPart(), cancelled).status()).isEqualTo(200);
		await(Duration.ofSeconds(3)); // three rounds of the worker (one a second)
		assertThat(fhir.get("/Slot/" + slot).as(org.hl7.fhir.r4.model.Slot.class).getStatus())
				.isEqualTo(org.hl7.fhir.r4.model.Slot.SlotStatus.BUSYUNAVAILABLE);
	}

	/** Hospital A's utilisation gauge, above zero (Prometheus may print it as 7.1E-4). */
	private static final String SOME_UTILISATION_AT_A =
			"onetrip_slot_utilisation\\{[^}]*hospital=\"hospital-a\"[^}]*} [0-9.]*[1-9][0-9.]*(E-[0-9]+)?\n";

	/** Hospital A's success ratio below one: the refusal above counted. */
	private static final String SOME_REFUSALS_AT_A = "onetrip_appointment_success_ratio\\{[^}]*hospital=\"hospital-a\"[^}]*} 0\\.[0-9]+";

	@Test
	void successRateAndUtilisationAreMetrics() {
		String slot = BookingRace.slot(fhir, 1, Duration.ofDays(1));
		assertThat(fhir.post("/Appointment", BookingRace.booked(slot)).status()).isEqualTo(201);
		assertThat(fhir.post("/Appointment", BookingRace.booked(slot)).status()).isEqualTo(409);
		long deadline = System.currentTimeMillis() + 15_000;
		String metrics = "";
		while (System.currentTimeMillis() < deadline) {
			metrics = fhir.get("http://127.0.0.1:" + port + "/actuator/prometheus", "text/plain").body();
			if (java.util.regex.Pattern.compile(SOME_UTILISATION_AT_A).matcher(metrics).find()
					&& java.util.regex.Pattern.compile(SOME_REFUSALS_AT_A).matcher(metrics).find()) {
				break;
			}
			await(Duration.ofMillis(300));
		}
		assertThat(metrics).containsPattern(SOME_UTILISATION_AT_A)
				.containsPattern("onetrip_slot_places\\{[^}]*hospital=\"hospital-a\"")
				.containsPattern(SOME_REFUSALS_AT_A);
	}

	private void awaitSlotStatus(String slotId, org.hl7.fhir.r4.model.Slot.SlotStatus wanted) {
		long deadline = System.currentTimeMillis() + 15_000;
		org.hl7.fhir.r4.model.Slot.SlotStatus seen = null;
		while (System.currentTimeMillis() < deadline) {
			seen = fhir.get("/Slot/" + slotId).as(org.hl7.fhir.r4.model.Slot.class).getStatus();
			if (seen == wanted) {
				return;
			}
			await(Duration.ofMillis(200));
		}
		throw new AssertionError("Slot/" + slotId + " stayed " + seen + ", expected " + wanted);
	}

	private String referral(String requester) {
		org.hl7.fhir.r4.model.Patient patient = new org.hl7.fhir.r4.model.Patient();
		String patientId = fhir.post("/Patient", patient).as(org.hl7.fhir.r4.model.Patient.class).getIdElement().getIdPart();
		ServiceRequest referral = new ServiceRequest();
		referral.setStatus(ServiceRequest.ServiceRequestStatus.ACTIVE);
		referral.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
		referral.setSubject(new Reference("Patient/" + patientId));
		referral.setRequester(new Reference(requester));
		return fhir.post("/ServiceRequest", referral).as(ServiceRequest.class).getIdElement().getIdPart();
	}

	private static void await(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}

	/** The AuditEvent of a refused booking of this slot (written off the request thread, so waited for). */
	private org.hl7.fhir.r4.model.AuditEvent awaitAuditedRefusal(String slot) {
		long deadline = System.currentTimeMillis() + 15_000;
		while (System.currentTimeMillis() < deadline) {
			for (var entry : fhir.getFresh("/AuditEvent?outcome=4&_sort=-date&_count=50").bundle().getEntry()) {
				var event = (org.hl7.fhir.r4.model.AuditEvent) entry.getResource();
				if (event.getOutcomeDesc() != null && event.getOutcomeDesc().contains(slot)) {
					return event;
				}
			}
			try {
				Thread.sleep(200);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				break;
			}
		}
		throw new AssertionError("no AuditEvent for the refused booking of slot " + slot);
	}
}
