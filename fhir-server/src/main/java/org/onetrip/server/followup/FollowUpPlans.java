package org.onetrip.server.followup;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Period;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.hl7.fhir.r4.model.Timing;
import org.onetrip.server.hapi.ConfigPublication;
import org.onetrip.terminology.exam.ExamTerminology;
import org.onetrip.terminology.exam.ExamType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;

/**
 * The region's follow-up plans: PlanDefinitions in config/followup/ (published at start when they or the stored ones
 * changed; the region may change them through FHIR, and the next start puts the file's back), read by OneTrip's own
 * {@code $apply}. A plan names its condition (useContext focus) and its
 * actions: each a visit (SNOMED 185389009) or an exam of the region's catalogue, repeated {@code count} times every
 * {@code period} (timingTiming.repeat).
 */
public class FollowUpPlans implements ApplicationRunner {

	public static final Coding VISIT = new Coding("http://snomed.info/sct", "185389009", "Follow-up visit");
	private static final Logger log = LoggerFactory.getLogger(FollowUpPlans.class);

	/** One action of a plan: a visit ({@code exam} empty) or a catalogue exam, every {@code every}, {@code count} times. */
	public record Action(String id, String title, CodeableConcept code, Optional<ExamType> exam, Period every, int count) {}

	private final FhirContext fhir;
	private final Path dir;
	private final ExamTerminology terminology;
	private final ConfigPublication publication;
	/** The published plans by the conditions they are for: what a diagnosis applies by itself. */
	private volatile List<PlanDefinition> published = List.of();

	public FollowUpPlans(FhirContext fhir, Path dir, ExamTerminology terminology, ConfigPublication publication) {
		this.fhir = fhir;
		this.dir = dir;
		this.terminology = terminology;
		this.publication = publication;
	}

	/** Publishes the plans of config/followup/ (each checked first: a plan OneTrip cannot apply does not start the server). */
	@Override
	public void run(ApplicationArguments args) {
		if (!Files.isDirectory(dir)) {
			return;
		}
		List<PlanDefinition> plans = new ArrayList<>();
		try (Stream<Path> files = Files.list(dir)) {
			for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
				try (Reader in = Files.newBufferedReader(file)) {
					PlanDefinition plan = fhir.newJsonParser().parseResource(PlanDefinition.class, in);
					try {
						actions(plan);
					} catch (UnprocessableEntityException e) {
						throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
					}
					plans.add(plan);
				}
			}
		} catch (IOException e) {
			throw new UncheckedIOException("cannot read the follow-up plans in " + dir + ": " + e.getMessage(), e);
		}
		boolean written = publication.publish("follow-up-plans", plans).isPresent();
		published = List.copyOf(plans);
		log.info("Follow-up plans {}: {}", written ? "published" : "unchanged since the last start", plans.size());
	}

	/**
	 * The published plan for a diagnosis code: the same system, and the plan's code or one below it (ICD-10 E11.9 is
	 * under E11). Plans written later through FHIR are applied by $apply only.
	 */
	public Optional<PlanDefinition> forDiagnosis(Coding diagnosis) {
		return published.stream().filter(plan -> conditions(plan).stream().anyMatch(c -> c.getSystem() != null
				&& c.getSystem().equals(diagnosis.getSystem()) && diagnosis.getCode() != null
				&& (diagnosis.getCode().equals(c.getCode()) || diagnosis.getCode().startsWith(c.getCode() + ".")))).findFirst();
	}

	/** The plan's actions as OneTrip applies them; 422 naming the first that is not a visit or a catalogue exam, or has no timing. */
	public List<Action> actions(PlanDefinition plan) {
		if (plan.getAction().isEmpty()) {
			throw new UnprocessableEntityException("PlanDefinition/" + plan.getIdElement().getIdPart() + " has no actions");
		}
		List<Action> actions = new ArrayList<>();
		for (PlanDefinition.PlanDefinitionActionComponent action : plan.getAction()) {
			String name = action.hasTitle() ? action.getTitle() : action.getId();
			CodeableConcept code = action.getCodeFirstRep();
			Optional<ExamType> exam = Optional.empty();
			boolean visit = code.getCoding().stream().anyMatch(c -> VISIT.getSystem().equals(c.getSystem()) && VISIT.getCode().equals(c.getCode()));
			if (!visit) {
				Coding coding = code.getCodingFirstRep();
				exam = "http://loinc.org".equals(coding.getSystem()) ? terminology.catalogue().exam(coding.getCode()) : Optional.empty();
				if (exam.isEmpty()) {
					throw new UnprocessableEntityException("action '" + name + "': " + coding.getSystem() + "|" + coding.getCode()
							+ " is neither a follow-up visit (" + VISIT.getSystem() + "|" + VISIT.getCode() + ") nor an exam of the region's catalogue");
				}
			}
			Timing.TimingRepeatComponent repeat = action.hasTimingTiming() ? action.getTimingTiming().getRepeat() : null;
			if (repeat == null || !repeat.hasPeriod() || !repeat.hasPeriodUnit() || repeat.getPeriod().signum() <= 0) {
				throw new UnprocessableEntityException("action '" + name + "' needs timingTiming.repeat with a period and a periodUnit");
			}
			int amount = repeat.getPeriod().intValueExact();
			Period every = switch (repeat.getPeriodUnit()) {
				case D -> Period.ofDays(amount);
				case WK -> Period.ofWeeks(amount);
				case MO -> Period.ofMonths(amount);
				case A -> Period.ofYears(amount);
				default -> throw new UnprocessableEntityException("action '" + name + "': periods are in d, wk, mo or a");
			};
			actions.add(new Action(action.getId(), name, code, exam, every, repeat.hasCount() ? repeat.getCount() : 1));
		}
		return actions;
	}

	/** The condition of a published plan, by its canonical URL (for the figures). */
	public Optional<Coding> condition(String planUrl) {
		return published.stream().filter(p -> planUrl.equals(p.getUrl())).flatMap(p -> conditions(p).stream()).findFirst().map(Coding::copy);
	}

	/** The condition a plan is for: its useContext focus codings. */
	public static List<Coding> conditions(PlanDefinition plan) {
		return plan.getUseContext().stream().filter(u -> "focus".equals(u.getCode().getCode()) && u.hasValueCodeableConcept())
				.flatMap(u -> u.getValueCodeableConcept().getCoding().stream()).toList();
	}
}
