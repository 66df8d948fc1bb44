package org.onetrip.server.priorexam;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import org.onetrip.server.region.RegionDirectory;
import org.onetrip.terminology.exam.ExamTerminology;
import org.onetrip.terminology.exam.ExamType;
import org.onetrip.terminology.exam.ExamTyping;
import org.onetrip.terminology.exam.PriorExam;

/** The words a clinician reads for a check: the same for a CDS card and a $duplicate-check answer. */
public class FindingText {

	private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd");

	private final ExamTerminology terminology;
	private final RegionDirectory directory;
	private final ZoneId zone;

	public FindingText(ExamTerminology terminology, RegionDirectory directory, ZoneId zone) {
		this.terminology = terminology;
		this.directory = directory;
		this.zone = zone;
	}

	/** One line, under the 140 characters CDS Hooks allows for a card summary. */
	public String summary(DuplicateExamCheck.OrderCheck check, Instant now) {
		String text = switch (check.outcome()) {
			case DUPLICATE -> examName(check) + " already done " + ago(mostRecent(check), now) + where(mostRecent(check));
			case INFORMATIONAL -> "Emergency order; note: " + examName(check) + " was done " + ago(mostRecent(check), now)
					+ where(mostRecent(check));
			case NONE -> "No " + examName(check) + " in the last " + terminology.lookBack(check.finding().ordered()).toDays()
					+ " days at any hospital of the region";
			case UNMAPPED -> {
				ExamTyping.Unmapped unmapped = (ExamTyping.Unmapped) check.typing();
				yield "No duplicate check: exam code " + unmapped.localCode().code() + " of "
						+ directory.hospitalName(unmapped.hospitalKey()) + " is not mapped to the regional catalogue";
			}
			case UNKNOWN_CODE -> "No duplicate check: the order has no code from the regional catalogue or a hospital's exam codes";
		};
		return text.length() <= 140 ? text : text.substring(0, 139) + "…";
	}

	/** Markdown: every same-type exam in the window, with status and result. */
	public String detail(DuplicateExamCheck.OrderCheck check, Instant now) {
		if (check.finding() == null || check.finding().repeats().isEmpty()) {
			return null;
		}
		ExamType ordered = check.finding().ordered();
		StringBuilder md = new StringBuilder();
		md.append("Same-type exams of this person in the last ").append(terminology.lookBack(ordered).toDays())
				.append(" days (").append(ordered.display()).append(", ").append(ordered.modality()).append(' ')
				.append(ordered.bodyRegion()).append("):\n\n");
		for (PriorExam prior : check.finding().repeats()) {
			md.append("- **").append(DATE.format(prior.performedAt().atZone(zone))).append("** ")
					.append(terminology.catalogue().exam(prior.examCode()).map(ExamType::display).orElse(prior.examCode()))
					.append(where(prior)).append(" — ").append(statusText(prior));
			if (prior.summary() != null && !prior.summary().isBlank()) {
				md.append(": ").append(prior.summary().replace('\n', ' '));
			}
			md.append('\n');
		}
		if (check.finding().emergency()) {
			md.append("\nThe order is an emergency: it is not suggested for removal.\n");
		}
		return md.toString();
	}

	public String statusText(PriorExam prior) {
		if (prior.reportRef() == null) {
			return prior.imagingStudyRef() != null ? "images available, no report yet" : "exam completed, no report yet";
		}
		return switch (prior.status() == null ? "" : prior.status()) {
			case "final", "amended", "corrected", "appended" -> "report " + prior.status();
			case "preliminary", "partial" -> "preliminary report";
			case "registered" -> "report pending";
			default -> "report " + prior.status();
		};
	}

	private String examName(DuplicateExamCheck.OrderCheck check) {
		return check.finding().ordered().display();
	}

	private static PriorExam mostRecent(DuplicateExamCheck.OrderCheck check) {
		return check.finding().repeats().get(0);
	}

	private String where(PriorExam prior) {
		return prior.hospitalKey() == null ? "" : " at " + directory.hospitalName(prior.hospitalKey());
	}

	private String ago(PriorExam prior, Instant now) {
		long days = Duration.between(prior.performedAt().atZone(zone).toLocalDate().atStartOfDay(zone),
				now.atZone(zone).toLocalDate().atStartOfDay(zone)).toDays();
		return days <= 0 ? "today" : days == 1 ? "yesterday" : days + " days ago";
	}
}
