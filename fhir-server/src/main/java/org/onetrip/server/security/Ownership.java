package org.onetrip.server.security;

import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.ChargeItem;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.terminology.region.Hospital;

/**
 * Which hospitals a resource belongs to, the one place that says so. The hospital that created it is
 * stamped as a tag ({@link #OWNER_SYSTEM}); the content may name more (a Patient's managing organization,
 * a referral's requester). A resource no hospital owns belongs to the region: only region-level callers
 * change it.
 */
public class Ownership {

	public static final String OWNER_SYSTEM = "urn:onetrip:owner";

	private final RegionDirectory directory;

	public Ownership(RegionDirectory directory) {
		this.directory = directory;
	}

	/** The creating hospital, from the owner tag. */
	public static Optional<String> tagged(IBaseResource resource) {
		return ((Resource) resource).getMeta().getTag().stream().filter(t -> OWNER_SYSTEM.equals(t.getSystem()))
				.map(Coding::getCode).findFirst();
	}

	/**
	 * A patient's own Subscription (made by a patient's app): the Patient whose token made it. Only that person's
	 * records are delivered to it, and only that token's person sees or changes it.
	 */
	public static final String SUBSCRIBER_PATIENT_SYSTEM = "urn:onetrip:subscriber-patient";

	public static Optional<String> subscriberPatient(IBaseResource resource) {
		return ((Resource) resource).getMeta().getTag().stream().filter(t -> SUBSCRIBER_PATIENT_SYSTEM.equals(t.getSystem()))
				.map(Coding::getCode).findFirst();
	}

	public static void stampSubscriberPatient(IBaseResource resource, String patientId) {
		((Resource) resource).getMeta().getTag().removeIf(t -> SUBSCRIBER_PATIENT_SYSTEM.equals(t.getSystem()));
		if (patientId != null) {
			((Resource) resource).getMeta().addTag(SUBSCRIBER_PATIENT_SYSTEM, patientId, null);
		}
	}

	public static void stamp(IBaseResource resource, String hospital) {
		((Resource) resource).getMeta().getTag().removeIf(t -> OWNER_SYSTEM.equals(t.getSystem()));
		((Resource) resource).getMeta().addTag(OWNER_SYSTEM, hospital, null);
	}

	/**
	 * The hospitals the content says wrote it: a hospital may only create a resource that names it (or names
	 * nobody). An appointment names the place of the visit, not its author: any hospital may book one.
	 */
	public Set<String> authors(IBaseResource resource) {
		Set<String> hospitals = new LinkedHashSet<>();
		if (resource instanceof Patient patient) {
			directory.hospitalOfPatient(patient).ifPresent(h -> hospitals.add(h.key()));
		} else if (resource instanceof ServiceRequest request) {
			add(hospitals, request.getRequester());
		} else if (resource instanceof DiagnosticReport report) {
			report.getPerformer().forEach(r -> add(hospitals, r));
		} else if (resource instanceof Observation observation) {
			observation.getPerformer().forEach(r -> add(hospitals, r));
		} else if (resource instanceof Encounter encounter) {
			add(hospitals, encounter.getServiceProvider());
		} else if (resource instanceof ChargeItem item) {
			add(hospitals, item.getPerformingOrganization());
		} else if (resource instanceof Task task) {
			add(hospitals, task.getRequester());
		}
		return hospitals;
	}

	/**
	 * The hospitals that may change or delete it: its creator, its authors, and those a workflow gives a say
	 * (the hospital a Task is addressed to, the receiver of a referral, the hospital an appointment is at).
	 */
	public Set<String> keepers(IBaseResource resource) {
		Set<String> hospitals = new LinkedHashSet<>();
		tagged(resource).ifPresent(hospitals::add);
		hospitals.addAll(authors(resource));
		if (resource instanceof Task task) {
			add(hospitals, task.getOwner());
		} else if (resource instanceof ServiceRequest request) {
			request.getPerformer().forEach(r -> add(hospitals, r));
		} else if (resource instanceof Appointment appointment) {
			appointment.getParticipant().forEach(p -> add(hospitals, p.getActor()));
		}
		return hospitals;
	}

	private void add(Set<String> hospitals, Reference reference) {
		if (reference != null && reference.hasReference()) {
			directory.hospitalOf(reference.getReference()).map(Hospital::key).ifPresent(hospitals::add);
		}
	}
}
