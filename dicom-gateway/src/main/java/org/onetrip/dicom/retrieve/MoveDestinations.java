package org.onetrip.dicom.retrieve;

import java.util.Optional;

/** Where C-MOVE may send instances: AE titles of the region with a network address, each belonging to an institution. */
@FunctionalInterface
public interface MoveDestinations {

	record Destination(String aeTitle, String institution, String host, int port) {}

	Optional<Destination> destination(String aeTitle);
}
