package org.onetrip.server.inputcheck;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.PayloadTooLargeException;
import org.hl7.fhir.instance.model.api.IBaseBundle;
import org.hl7.fhir.r4.model.Bundle;

/**
 * A transaction or batch from a client may hold at most {@code maxEntries} entries: more is refused with 413
 * before anything is stored (one giant transaction holds its whole working set in memory until it commits). By default
 * the most entries whose heap the large-body budget holds ({@link LargeBodyBudget#largestEntryCount}): the body's byte
 * limit alone would let through a Bundle of many small entries that holds more heap than its size says.
 * OneTrip's own bundles (slot publishing, the region loader) are not limited.
 */
@Interceptor
public class BundleEntryLimit {

	private final int maxEntries;

	public BundleEntryLimit(int maxEntries) {
		this.maxEntries = maxEntries;
	}

	@Hook(Pointcut.STORAGE_TRANSACTION_PROCESSING)
	public void transactionArrived(IBaseBundle bundle, RequestDetails request) {
		if (request instanceof SystemRequestDetails || !(bundle instanceof Bundle fhirBundle)) {
			return;
		}
		int entries = fhirBundle.getEntry().size();
		if (entries > maxEntries) {
			throw new PayloadTooLargeException("The " + fhirBundle.getType().toCode() + " Bundle has " + entries
					+ " entries; at most " + maxEntries + " are accepted in one request (split it, or ask the operator for a larger "
					+ "heap or a higher onetrip.limits.max-bundle-entries)");
		}
	}
}
