package org.onetrip.server.followup;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Date;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;
import org.onetrip.server.observability.BackgroundRefresh;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.server.security.Ownership;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A follow-up past its due day is flagged (Task.businessStatus overdue) and the patient is reminded once: a
 * Communication to the patient (and their family doctor, Patient.generalPractitioner) about the Task, from its hospital, which a patient's or hospital's Subscription delivers
 * like any write. Every instance sweeps; the reminder row's update decides which one sends it.
 */
class OverdueFollowUps implements AutoCloseable {

	private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(OverdueFollowUps.class);

	private final FollowUpLedger ledger;
	private final RegionDirectory directory;
	private final DaoRegistry daos;
	private final TransactionTemplate transaction;
	private final Duration every;
	private final ZoneId zone;
	private final Clock clock;
	private BackgroundRefresh sweeper;

	OverdueFollowUps(FollowUpLedger ledger, RegionDirectory directory, DaoRegistry daos, PlatformTransactionManager transactions, Duration every,
			ZoneId zone, Clock clock) {
		this.ledger = ledger;
		this.directory = directory;
		this.daos = daos;
		this.transaction = new TransactionTemplate(transactions);
		this.every = every;
		this.zone = zone;
		this.clock = clock;
	}

	@EventListener(ApplicationReadyEvent.class)
	public void start() {
		sweeper = new BackgroundRefresh("follow-up-reminders", every, this::sweep);
	}

	void sweep() {
		LocalDate today = LocalDate.ofInstant(clock.instant(), zone);
		for (FollowUpLedger.Row row : ledger.overdueNotReminded(today, 200)) {
			try {
				remind(row);
			} catch (RuntimeException e) {
				// One follow-up that cannot be reminded now must not hold up the others; it is tried again next round.
				log.warn("follow-up Task/{} not reminded: {}", row.taskId(), e.toString());
			}
		}
	}

	private void remind(FollowUpLedger.Row row) {
		transaction.executeWithoutResult(tx -> {
			if (!ledger.reminded(row.taskId())) {
				return; // another instance reminded first
			}
			SystemRequestDetails system = new SystemRequestDetails();
			Task task = daos.getResourceDao(Task.class).read(new IdType("Task", row.taskId()), system);
			if (task.getStatus() == Task.TaskStatus.REQUESTED || task.getStatus() == Task.TaskStatus.ACCEPTED) {
				task.setBusinessStatus(new CodeableConcept(new Coding(FollowUpOperations.BUSINESS_STATUS, "overdue", null))
						.setText("overdue since " + row.due()));
				daos.getResourceDao(Task.class).update(task, system);
			}
			Communication reminder = new Communication();
			reminder.setStatus(Communication.CommunicationStatus.COMPLETED);
			reminder.addCategory(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/communication-category", "reminder",
					"Reminder")));
			reminder.setSubject(new Reference("Patient/" + row.patientId()));
			reminder.addRecipient(new Reference("Patient/" + row.patientId()));
			// And the family doctor: the Patient's general practitioner (at a primary institution, as a rule).
			Patient patient = daos.getResourceDao(Patient.class).read(new IdType("Patient", row.patientId()), system);
			patient.getGeneralPractitioner().forEach(doctor -> reminder.addRecipient(doctor.copy()));
			reminder.setSender(new Reference("Organization/" + row.hospital()).setDisplay(directory.hospitalName(row.hospital())));
			reminder.addAbout(new Reference("Task/" + row.taskId()));
			reminder.addBasedOn(new Reference("CarePlan/" + row.carePlanId()));
			reminder.setSent(Date.from(clock.instant()));
			reminder.addPayload().setContent(new StringType("Your follow-up '" + row.title() + "' was due on " + row.due()
					+ ". Please book it: at " + directory.hospitalName(row.hospital()) + " or any hospital of the region."));
			Ownership.stamp(reminder, row.hospital());
			daos.getResourceDao(Communication.class).create(reminder, system);
		});
	}

	@Override
	public void close() {
		if (sweeper != null) {
			sweeper.close();
		}
	}
}
