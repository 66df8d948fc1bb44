package org.onetrip.server.scheduling;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Slot;
import org.onetrip.server.FhirHttp;

/** Many clients booking one slot at the same moment, through one or several OneTrip instances. */
public final class BookingRace {

	private BookingRace() {}

	/** A free slot of {@code capacity} places starting {@code startsIn} from now; returns its id. */
	public static String slot(FhirHttp fhir, int capacity, java.time.Duration startsIn) {
		return slot(fhir, capacity, 0, startsIn);
	}

	/** The same, with {@code reserved} of the places kept for referrals from primary institutions. */
	public static String slot(FhirHttp fhir, int capacity, int reserved, java.time.Duration startsIn) {
		Slot slot = new Slot();
		slot.setSchedule(new Reference("Schedule/" + schedule(fhir)));
		slot.setStatus(Slot.SlotStatus.FREE);
		Instant start = Instant.now().plus(startsIn);
		slot.setStart(Date.from(start));
		slot.setEnd(Date.from(start.plusSeconds(1800)));
		slot.addExtension(AppointmentLedgerGuard.EXT_CAPACITY, new IntegerType(capacity));
		if (reserved > 0) {
			slot.addExtension(AppointmentLedgerGuard.EXT_RESERVED, new IntegerType(reserved));
		}
		FhirHttp.Response created = fhir.post("/Slot", slot);
		if (created.status() != 201) {
			throw new IllegalStateException("slot not created: " + created);
		}
		return created.as(Slot.class).getIdElement().getIdPart();
	}

	private static String schedule(FhirHttp fhir) {
		org.hl7.fhir.r4.model.Schedule schedule = new org.hl7.fhir.r4.model.Schedule();
		schedule.addActor(new Reference("HealthcareService/hospital-a-radiology"));
		return fhir.post("/Schedule", schedule).as(org.hl7.fhir.r4.model.Schedule.class).getIdElement().getIdPart();
	}

	public static Appointment booked(String slotId) {
		Appointment appointment = new Appointment();
		appointment.setStatus(Appointment.AppointmentStatus.BOOKED);
		appointment.addSlot(new Reference("Slot/" + slotId));
		appointment.addParticipant().setActor(new Reference("HealthcareService/hospital-a-radiology"))
				.setStatus(Appointment.ParticipationStatus.ACCEPTED);
		return appointment;
	}

	/** {@code clients} POSTs of a booked Appointment on the slot, released together; their HTTP statuses. */
	public static List<Integer> run(List<FhirHttp> servers, String slotId, int clients) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(clients);
		CountDownLatch start = new CountDownLatch(1);
		List<Future<Integer>> results = new ArrayList<>();
		for (int i = 0; i < clients; i++) {
			FhirHttp fhir = servers.get(i % servers.size());
			results.add(pool.submit(() -> {
				start.await();
				return fhir.post("/Appointment", booked(slotId)).status();
			}));
		}
		start.countDown();
		List<Integer> statuses = new ArrayList<>();
		for (Future<Integer> f : results) {
			statuses.add(f.get());
		}
		pool.shutdown();
		return statuses;
	}
}
