package org.onetrip.server;

import java.util.UUID;

/** CDS Hooks request bodies the tests send as an EHR would. */
public final class CdsHookRequests {

	private CdsHookRequests() {}

	/**
	 * Hospital A's Dr Zhang signing an order for a CT chest (A's own exam code) for this Patient, with no prefetch:
	 * OneTrip reads who the person is.
	 */
	public static String orderSignCtChestAtHospitalA(String patientId) {
		return """
				{"hook": "order-sign", "hookInstance": "%s",
				 "context": {"userId": "PractitionerRole/hospital-a-zhang-min-role", "patientId": "%s",
				   "draftOrders": {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {
				     "resourceType": "ServiceRequest", "id": "o1", "status": "draft", "intent": "order",
				     "subject": {"reference": "Patient/%s"},
				     "code": {"coding": [{"system": "urn:onetrip:exam-code:hospital-a", "code": "CT-CHEST"}]}}}]}}}
				""".formatted(UUID.randomUUID(), patientId, patientId);
	}
}
