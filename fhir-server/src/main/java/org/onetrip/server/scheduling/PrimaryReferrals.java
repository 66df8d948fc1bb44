package org.onetrip.server.scheduling;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.terminology.region.HospitalLevel;

/**
 * Whether a ServiceRequest is a live referral from a primary-level institution: the one thing that opens the places a
 * slot keeps for referrals, to a booking ({@link AppointmentLedgerGuard}) and to a search for free places ($find).
 */
final class PrimaryReferrals {

	private final DaoRegistry daoRegistry;
	private final RegionDirectory directory;

	PrimaryReferrals(DaoRegistry daoRegistry, RegionDirectory directory) {
		this.daoRegistry = daoRegistry;
		this.directory = directory;
	}

	/** @param reference {@code ServiceRequest/<id>}; anything else does not qualify */
	boolean qualifies(String reference) {
		IdType id = reference == null ? null : new IdType(reference);
		if (id == null || !"ServiceRequest".equals(id.getResourceType()) || !id.hasIdPart()) {
			return false;
		}
		try {
			ServiceRequest referral = daoRegistry.getResourceDao(ServiceRequest.class).read(id.toUnqualifiedVersionless(),
					new SystemRequestDetails());
			boolean live = referral.getStatus() == ServiceRequest.ServiceRequestStatus.ACTIVE
					|| referral.getStatus() == ServiceRequest.ServiceRequestStatus.COMPLETED;
			boolean fromPrimary = directory.hospitalOf(referral.getRequester().getReference())
					.map(h -> h.level() == HospitalLevel.PRIMARY).orElse(false);
			return live && fromPrimary;
		} catch (ResourceNotFoundException | ResourceGoneException e) {
			return false;
		}
	}
}
