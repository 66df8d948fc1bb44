package org.onetrip.server.scheduling;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import java.time.Clock;
import java.time.Duration;
import org.onetrip.server.hapi.FhirServerContribution;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.workflow.booking.Hold;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

@Configuration
public class SchedulingConfiguration {

	@Bean
	public SlotLedger slotLedger(JdbcTemplate jdbc, PlatformTransactionManager transactions, Clock clock) {
		return new RelationalSlotLedger(jdbc, transactions, clock);
	}

	@Bean
	public AppointmentAttempts appointmentAttempts(JdbcTemplate jdbc, PlatformTransactionManager transactions) {
		return new AppointmentAttempts(jdbc, transactions);
	}

	/** How long a pending appointment keeps its places and its referral: one rule for the slot ledger and referrals. */
	@Bean
	public Hold hold(@Value("${onetrip.scheduling.hold:PT10M}") Duration defaultHold) {
		return new Hold(defaultHold);
	}

	/** A workflow handler: no write path reaches an Appointment without the ledger. */
	@Bean
	public AppointmentLedgerGuard appointmentLedgerGuard(SlotLedger ledger, io.micrometer.core.instrument.MeterRegistry meters,
			DaoRegistry daoRegistry, RegionDirectory directory, Hold hold,
			@Value("${onetrip.scheduling.referral-reservation:P1D}") Duration referralReservation, SlotStatusSync statusSync,
			AppointmentAttempts attempts, Clock clock) {
		return new AppointmentLedgerGuard(ledger, meters, daoRegistry, directory, hold, referralReservation, statusSync,
				attempts, clock);
	}

	/** A plain REST booking for a full slot is refused before HAPI's create does any work. */
	@Bean
	public FhirServerContribution bookingDoor(AppointmentLedgerGuard guard,
			org.onetrip.server.security.FhirAccessInterceptor access, BookingsInFlight inFlight) {
		return FhirServerContribution.interceptor(new BookingDoor(guard, access, inFlight));
	}

	/**
	 * The bookings let past the door and not yet finished, per slot; {@code door-wait}: how long a booking waits at
	 * most for those claiming its slot's last places before it goes on anyway (to be refused or not under the lock).
	 */
	@Bean
	BookingsInFlight bookingsInFlight(@Value("${onetrip.scheduling.door-wait:PT1S}") Duration doorWait) {
		return new BookingsInFlight(doorWait);
	}

	@Bean
	public SlotStatusSync slotStatusSync(SlotLedger ledger, DaoRegistry daoRegistry,
			org.onetrip.server.hapi.StoredResources stored, ca.uhn.fhir.jpa.model.config.PartitionSettings partitions,
			@Value("${onetrip.scheduling.slot-status-interval:PT1S}") Duration interval, Clock clock,
			org.springframework.transaction.PlatformTransactionManager transactions, org.springframework.jdbc.core.JdbcTemplate jdbc) {
		return new SlotStatusSync(ledger, daoRegistry, stored, partitions, interval, clock, transactions, jdbc);
	}

	@Bean
	public SchedulingFigures schedulingFigures(SlotLedger ledger, AppointmentAttempts attempts,
			io.micrometer.core.instrument.MeterRegistry meters, Rosters rosters,
			@Value("${onetrip.figures.refresh:PT30S}") Duration refresh,
			@Value("${onetrip.figures.success-window:P30D}") Duration successWindow) {
		return new SchedulingFigures(ledger, attempts, meters, Duration.ofDays(Math.max(1, rosters.daysAhead())), successWindow, refresh);
	}

	@Bean
	public FhirServerContribution appointmentStatistics(AppointmentAttempts attempts, SlotLedger ledger) {
		return FhirServerContribution.provider(new AppointmentStatisticsOperation(attempts, ledger));
	}

	@Bean
	public Rosters rosters(@Value("${onetrip.rosters:config/rosters.yaml}") String file, RegionDirectory directory) {
		return Rosters.load(java.nio.file.Path.of(file), service -> directory.hospitalOf("HealthcareService/" + service).isPresent());
	}

	@Bean
	public SlotPublisher slotPublisher(Rosters rosters, ca.uhn.fhir.jpa.api.dao.IFhirSystemDao<org.hl7.fhir.r4.model.Bundle, ?> systemDao,
			org.onetrip.server.hapi.ConfigPublication publication, org.onetrip.server.hapi.StoredResources stored) {
		return new SlotPublisher(rosters, systemDao, publication, stored);
	}

	@Bean
	public FhirServerContribution schedulingOperations(DaoRegistry daoRegistry, SlotLedger ledger, Hold hold,
			RegionDirectory directory, Clock clock, ConsultationTimes consultationTimes) {
		return FhirServerContribution.provider(new SchedulingOperations(daoRegistry, ledger, hold, directory, clock, consultationTimes));
	}
}
