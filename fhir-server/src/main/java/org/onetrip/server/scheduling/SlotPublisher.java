package org.onetrip.server.scheduling;

import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Schedule;
import org.hl7.fhir.r4.model.Slot;
import org.onetrip.server.hapi.ConfigPublication;
import org.onetrip.server.hapi.PutTransaction;
import org.onetrip.server.hapi.StoredResources;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.annotation.Order;

/**
 * Publishes each roster as a Schedule and its Slots for the days ahead, at start and every hour after
 * (so the window moves with the calendar). Only missing slots are written, and the Schedules only when they changed
 * ({@link ConfigPublication}); a slot's id names its department and start, so running twice, or on two instances,
 * creates nothing twice.
 */
@Order(40)
public class SlotPublisher implements ApplicationRunner, DisposableBean {

	private static final Logger log = LoggerFactory.getLogger(SlotPublisher.class);
	private static final DateTimeFormatter SLOT_ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmm");

	private final Rosters rosters;
	private final IFhirSystemDao<Bundle, ?> systemDao;
	private final ConfigPublication publication;
	private final StoredResources stored;
	private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
		Thread t = new Thread(r, "onetrip-slot-publisher");
		t.setDaemon(true);
		return t;
	});

	public SlotPublisher(Rosters rosters, IFhirSystemDao<Bundle, ?> systemDao, ConfigPublication publication, StoredResources stored) {
		this.rosters = rosters;
		this.systemDao = systemDao;
		this.publication = publication;
		this.stored = stored;
	}

	public static String scheduleId(String serviceId) {
		return "schedule-" + serviceId;
	}

	@Override
	public void run(ApplicationArguments args) {
		if (rosters.rosters().isEmpty()) {
			return;
		}
		publish();
		timer.scheduleAtFixedRate(() -> {
			try {
				publish();
			} catch (RuntimeException e) {
				log.error("Publishing slots failed; retried in an hour", e);
			}
		}, 1, 1, TimeUnit.HOURS);
	}

	/** @return how many slots were created */
	public int publish() {
		LocalDate today = LocalDate.now(rosters.zone());
		Instant now = Instant.now();
		List<Resource> schedules = new ArrayList<>();
		Map<String, Slot> wanted = new LinkedHashMap<>();
		for (Rosters.Roster roster : rosters.rosters()) {
			Schedule schedule = new Schedule();
			schedule.setId(roster.consultation() ? ConsultationSlots.scheduleId(roster.serviceId()) : scheduleId(roster.serviceId()));
			schedule.setActive(true);
			schedule.addActor(new Reference("HealthcareService/" + roster.serviceId()));
			if (roster.consultation()) {
				schedule.addServiceType(new CodeableConcept(ConsultationSlots.serviceType()));
			}
			schedules.add(schedule);
			for (int d = 0; d < rosters.daysAhead(); d++) {
				for (ZonedDateTime start : roster.slotStarts(today.plusDays(d), rosters.zone())) {
					String id = (roster.consultation() ? ConsultationSlots.SLOT_ID_PREFIX : "") + roster.serviceId() + "-" + SLOT_ID_TIME.format(start);
					if (start.toInstant().isAfter(now)) {
						wanted.put(id, slot(id, schedule.getIdPart(), roster, start));
					}
				}
			}
		}
		// Schedules first, in a transaction of their own (skipped when unchanged): the new slots name them.
		publication.publish("schedules", schedules);
		// The stored ones in one statement, not a search per schedule.
		stored.find(wanted.keySet().stream().map(id -> new IdType("Slot", id)).toList()).forEach(found -> wanted.remove(found.id()));
		if (!wanted.isEmpty()) {
			systemDao.transaction(new SystemRequestDetails(), PutTransaction.of(List.copyOf(wanted.values())));
		}
		log.info("Slots published: {} new for the next {} days of {} rosters", wanted.size(), rosters.daysAhead(),
				rosters.rosters().size());
		return wanted.size();
	}

	private Slot slot(String id, String scheduleId, Rosters.Roster roster, ZonedDateTime start) {
		Slot slot = new Slot();
		slot.setId(id);
		slot.setSchedule(new Reference("Schedule/" + scheduleId));
		slot.setStatus(Slot.SlotStatus.FREE);
		if (roster.consultation()) {
			slot.addServiceType(new CodeableConcept(ConsultationSlots.serviceType()));
		}
		slot.setStart(Date.from(start.toInstant()));
		slot.setEnd(Date.from(start.plusMinutes(roster.slotMinutes()).toInstant()));
		slot.addExtension(AppointmentLedgerGuard.EXT_CAPACITY, new IntegerType(roster.capacity()));
		if (roster.referralReserved() > 0) {
			slot.addExtension(AppointmentLedgerGuard.EXT_RESERVED, new IntegerType(roster.referralReserved()));
			slot.addExtension(AppointmentLedgerGuard.EXT_RESERVED_UNTIL,
					new DateTimeType(Date.from(start.toInstant().minus(rosters.referralRelease()))));
		}
		return slot;
	}

	@Override
	public void destroy() {
		timer.shutdownNow();
	}
}
