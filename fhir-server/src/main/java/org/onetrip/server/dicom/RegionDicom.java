package org.onetrip.server.dicom;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.onetrip.dicom.CallingAeDirectory;
import org.onetrip.dicom.retrieve.MoveDestinations;
import org.onetrip.dicom.store.PatientIdIssuers;
import org.onetrip.terminology.region.DicomNode;
import org.onetrip.terminology.region.Hospital;
import org.onetrip.terminology.region.Region;

/** What the region file says about DICOM, as the gateway's ports: who may call, whose PatientIDs, where to move. */
final class RegionDicom {

	private RegionDicom() {}

	static CallingAeDirectory callers(Region region) {
		return aeTitle -> region.hospitalByAeTitle(aeTitle).map(Hospital::key);
	}

	/** Issuer of Patient ID may name a hospital by key, by AE title, or give its MRN system URI. */
	static PatientIdIssuers issuers(Region region) {
		return new PatientIdIssuers() {
			@Override
			public String mrnSystem(String hospitalKey) {
				return region.hospital(hospitalKey).map(Hospital::mrnSystem)
						.orElseThrow(() -> new IllegalArgumentException("not a region hospital: " + hospitalKey));
			}

			@Override
			public Optional<String> systemOfIssuer(String issuer) {
				return region.hospital(issuer.toLowerCase(Locale.ROOT))
						.or(() -> region.hospitalByAeTitle(issuer.toUpperCase(Locale.ROOT)))
						.or(() -> region.hospitalByMrnSystem(issuer))
						.map(Hospital::mrnSystem)
						.or(() -> region.personIdentifierSystems().contains(issuer) ? Optional.of(issuer) : Optional.empty());
			}
		};
	}

	/**
	 * C-MOVE destinations: region AE titles given with a host and port in the region file, and {@code overrides}
	 * (AE title -> host:port) for addresses that differ per installation; the AE title must still be the region's,
	 * since it says which institution receives.
	 */
	static MoveDestinations destinations(Region region, Map<String, String> overrides) {
		Map<String, MoveDestinations.Destination> byAe = new HashMap<>();
		for (Hospital hospital : region.hospitals()) {
			for (DicomNode node : hospital.dicomNodes()) {
				byAe.put(node.aeTitle().toUpperCase(Locale.ROOT),
						new MoveDestinations.Destination(node.aeTitle(), hospital.key(), node.host(), node.port()));
			}
		}
		overrides.forEach((ae, address) -> {
			Hospital hospital = region.hospitalByAeTitle(ae).orElseThrow(() -> new IllegalArgumentException(
					"DICOM destination " + ae + ": not an AE title of the region"));
			int colon = address.lastIndexOf(':');
			if (colon < 1) {
				throw new IllegalArgumentException("DICOM destination " + ae + " must be host:port, was " + address);
			}
			byAe.put(ae.toUpperCase(Locale.ROOT), new MoveDestinations.Destination(ae.toUpperCase(Locale.ROOT),
					hospital.key(), address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))));
		});
		return ae -> Optional.ofNullable(byAe.get(ae.trim().toUpperCase(Locale.ROOT)));
	}
}
