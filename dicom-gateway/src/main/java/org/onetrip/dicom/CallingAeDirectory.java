package org.onetrip.dicom;

import java.util.Optional;

/** Which member institution a calling AE title belongs to; unknown callers are refused at association. */
@FunctionalInterface
public interface CallingAeDirectory {

	/** The institution's key (e.g. {@code hospital-a}), or empty when the AE title is not in the region. */
	Optional<String> institutionOf(String callingAeTitle);
}
