package org.onetrip.server.priorexam;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.onetrip.terminology.exam.ExamTyping;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A hospital exam code its code map lacks is invisible to the duplicate check: each occurrence is
 * logged with hospital and code and counted ({@code onetrip_exam_codes_unmapped_total{hospital,where}}),
 * so the terminology team sees the gap.
 */
final class UnmappedExamCodes {

	private static final Logger log = LoggerFactory.getLogger(UnmappedExamCodes.class);

	private UnmappedExamCodes() {}

	/** @param where "order" (a check could not be made) or "index" (a prior exam could not be recorded) */
	static void report(MeterRegistry meters, ExamTyping.Unmapped unmapped, String where, String what) {
		log.warn("{}: hospital {} exam code {} has no mapping to the regional catalogue", what, unmapped.hospitalKey(),
				unmapped.localCode());
		Counter.builder("onetrip.exam.codes.unmapped")
				.description("Exam codes a hospital sent that its code map does not map to the catalogue")
				.tag("hospital", unmapped.hospitalKey()).tag("where", where)
				.register(meters).increment();
	}
}
