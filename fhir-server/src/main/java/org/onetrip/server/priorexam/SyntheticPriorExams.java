package org.onetrip.server.priorexam;

import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.onetrip.server.security.Callers;
import org.onetrip.terminology.exam.ExamCode;
import org.onetrip.terminology.exam.ExamTerminology;
import org.onetrip.terminology.exam.ExamTyping;
import org.onetrip.terminology.exam.PriorExam;

/**
 * {@code POST [base]/$synthetic-prior-exams}: fills the prior-exam index with generated exams for Patients that
 * exist, so the CDS benchmark can measure the duplicate check at the size of a province (10,000,000 exams), which
 * loading reports through FHIR would take days to reach on one machine. Present only when
 * {@code onetrip.bench.synthetic-prior-exams=true} (the benchmark's servers), and for region operators only.
 *
 * <p>The records look like the ones a DiagnosticReport gives (hospital, status final, a one-line summary, the
 * hospital's local code typed through the live terminology) but name reports that are not in the FHIR store: the
 * benchmark reads cards, never the reports behind them. {@code ./onetrip reindex} on such a server would drop them.
 *
 * <p>Parameters: {@code patientIdPrefix}, {@code from}, {@code to} (the Patients {@code prefix+from ... prefix+(to-1)}),
 * {@code examsPerPatient}, {@code localCode} (repeated Codings, drawn at random), {@code hospital}, {@code seed};
 * exams fall at random over the last two years.
 */
public class SyntheticPriorExams {

	/** One call writes at most this many records; the benchmark calls again for the next range (and shows progress). */
	static final int MAX_PER_CALL = 500_000;
	private static final Duration SPREAD = Duration.ofDays(2 * 365);

	private final PriorExamIndex index;
	private final ExamTerminology terminology;

	public SyntheticPriorExams(PriorExamIndex index, ExamTerminology terminology) {
		this.index = index;
		this.terminology = terminology;
	}

	@Operation(name = "$synthetic-prior-exams", idempotent = false)
	public Parameters load(
			@OperationParam(name = "patientIdPrefix", min = 1, max = 1) StringType prefix,
			@OperationParam(name = "from", min = 1, max = 1) IntegerType from,
			@OperationParam(name = "to", min = 1, max = 1) IntegerType to,
			@OperationParam(name = "examsPerPatient", min = 1, max = 1) IntegerType examsPerPatient,
			@OperationParam(name = "localCode", min = 1) List<Coding> localCodes,
			@OperationParam(name = "hospital", min = 1, max = 1) StringType hospital,
			@OperationParam(name = "seed", max = 1) IntegerType seed) {
		Callers.current().filter(c -> !c.isRegion()).ifPresent(c -> {
			throw new ForbiddenOperationException("Synthetic prior exams are loaded by the region's benchmark (a region-level token)");
		});
		int first = from.getValue();
		int last = to.getValue();
		int perPatient = examsPerPatient.getValue();
		long count = (long) (last - first) * perPatient;
		if (first < 0 || last <= first || perPatient < 1 || count > MAX_PER_CALL) {
			throw new InvalidRequestException("from/to/examsPerPatient must give between 1 and " + MAX_PER_CALL
					+ " exams per call (asked: " + count + ")");
		}
		List<String> examCodes = new ArrayList<>();
		for (Coding local : localCodes) {
			ExamTyping typing = terminology.type(List.of(new ExamCode(local.getSystem(), local.getCode(), null)));
			if (!(typing instanceof ExamTyping.Typed typed)) {
				throw new InvalidRequestException("localCode " + local.getSystem() + "|" + local.getCode()
						+ " is not mapped to the regional catalogue");
			}
			examCodes.add(typed.exam().code());
		}
		Random random = new Random(seed == null ? first : seed.getValue() * 31L + first);
		Instant now = Instant.now();
		List<PriorExam> exams = new ArrayList<>((int) count);
		for (int p = first; p < last; p++) {
			String patientId = prefix.getValue() + p;
			for (int e = 0; e < perPatient; e++) {
				String source = "DiagnosticReport/synthetic-" + patientId + "-" + e;
				exams.add(new PriorExam(source, patientId, examCodes.get(random.nextInt(examCodes.size())),
						now.minusSeconds((long) (random.nextDouble() * SPREAD.toSeconds())), hospital.getValue(), "final",
						source, null, null, null, null, "Synthetic exam " + e + " (benchmark population)"));
			}
		}
		long started = System.nanoTime();
		index.bulkLoad(exams);
		Parameters out = new Parameters();
		out.addParameter().setName("loaded").setValue(new IntegerType(exams.size()));
		out.addParameter().setName("seconds").setValue(new DecimalType((System.nanoTime() - started) / 1e9));
		return out;
	}
}
