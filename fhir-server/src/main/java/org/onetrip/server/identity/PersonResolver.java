package org.onetrip.server.identity;

import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Patient;

/**
 * Who a person is across the region: every hospital's Patient record of them. The one question every feature asks
 * of identity (the CDS hook, prior exams, C-FIND and QIDO-RS, PIXm, the health card, a patient token's access).
 * In the server the region's person ledger answers ({@link LedgerPersonResolver}); a standalone DICOM gateway asks
 * the server ({@link RemotePersonResolver}).
 */
public interface PersonResolver {

	/** The records of every person holding any of these identifiers (only the region's person systems count). */
	Set<String> byIdentifiers(Collection<Identifier> identifiers);

	/** The records of this record's person, itself first; empty when there is no such Patient. */
	Set<String> byPatientId(String patientId);

	Optional<Patient> readPatient(String patientId);

	/**
	 * The records holding exactly this identifier (not their linked records), when this resolver can tell without a
	 * FHIR search: the ledger knows the region's person systems. Empty when it cannot tell (another system, or a
	 * resolver that would have to search anyway); an empty set when no record holds it.
	 */
	default Optional<Set<String>> holders(Identifier identifier) {
		return Optional.empty();
	}

	/**
	 * Whether this identifier's system is one the region keys persons by (the ledger's MRN, citizen ID and card
	 * systems): a second record made with such an identifier is linked or refused by the person rule, never silently
	 * doubled. False when this resolver cannot tell.
	 */
	default boolean keysPersonsBy(Identifier identifier) {
		return false;
	}
}
