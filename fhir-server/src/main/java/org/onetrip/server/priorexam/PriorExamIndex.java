package org.onetrip.server.priorexam;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import org.onetrip.terminology.exam.PriorExam;

/**
 * Every exam the region knows a person had, by Patient and time: what the duplicate-exam check reads.
 * Written in the same transaction as the FHIR resource it comes from (see {@link PriorExamIndexer}).
 * The relational implementation is the embedded default; an Elasticsearch one can take its place.
 */
public interface PriorExamIndex {

	/** Adds or replaces the record of one source resource. */
	void put(PriorExam exam);

	/**
	 * Adds many records at once, outside any FHIR write: the way a benchmark fills the index to the size of a
	 * province (see {@code SyntheticPriorExams}). Every source must be new to the index; the records are
	 * searchable when this returns.
	 */
	void bulkLoad(List<PriorExam> exams);

	/** Removes the record of a source resource (deleted, or no longer an exam that counts). */
	void remove(String source);

	/** The exams of any of these Patients performed at or after {@code since}, most recent first. */
	List<PriorExam> findByPatients(Collection<String> patientIds, Instant since);

	long count();
}
