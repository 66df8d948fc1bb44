package org.onetrip.server.hapi;

import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;

/**
 * Config-derived resources are written as one transaction of PUTs to their own ids: loading twice
 * updates the same resources, and HAPI skips a PUT whose content did not change.
 */
public final class PutTransaction {

	private PutTransaction() {}

	public static Bundle of(List<? extends Resource> resources) {
		Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
		for (Resource resource : resources) {
			String url = resource.fhirType() + "/" + resource.getIdElement().getIdPart();
			transaction.addEntry().setResource(resource).setFullUrl(url).getRequest()
					.setMethod(Bundle.HTTPVerb.PUT).setUrl(url);
		}
		return transaction;
	}
}
