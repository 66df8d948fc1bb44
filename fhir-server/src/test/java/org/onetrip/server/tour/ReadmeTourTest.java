package org.onetrip.server.tour;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.onetrip.dicom.DimseListener;
import org.onetrip.server.ServerTest;
import org.onetrip.server.TestTokens;
import org.onetrip.server.dicom.TestInstances;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * README.md's five-minute tour, run as written against a real server: every command of its shell block, in order, in
 * bash, with the real curl and dcmtk. Only the addresses are this test server's, and {@code ./onetrip} is a stand-in
 * that mints tokens with the test key ({@code demo}, which generates Synthea patients, is skipped). A step fails the
 * test when it exits non-zero or gets an HTTP refusal (4xx) that its own comment does not announce (by status, or as
 * "rejected"/"refused"), when anything answers 5xx or an HTML page, or when the server cannot be reached.
 */
class ReadmeTourTest extends ServerTest {

	@Autowired
	DimseListener listener;

	/** One command of the tour (possibly several lines) with the comment lines just above it. */
	record Step(String comments, String command) {}

	@Test
	void everyCommandOfTheReadmeTourRunsAsWrittenAgainstARealServer() throws Exception {
		List<Step> steps = steps(tour(Files.readString(Path.of("..", "README.md"))));
		assertThat(steps).as("the tour's commands").hasSizeGreaterThan(30);
		Path dir = Files.createTempDirectory(Path.of("target"), "readme-tour-").toAbsolutePath();
		standInLauncher(dir);
		Path study = Files.createDirectories(dir.resolve("some-study"));
		for (Path file : TestInstances.study(TestInstances.Study.ct("B67890"), 1, 2)) {
			Files.move(file, study.resolve(file.getFileName()));
		}

		StringBuilder script = new StringBuilder("""
				# Every curl also says its HTTP status, on stderr (a command substitution keeps its stdout clean).
				curl() { command curl -w '%{stderr}@@HTTP %{http_code}\\n' "$@"; }
				""");
		for (int i = 0; i < steps.size(); i++) {
			script.append("echo '@@STEP ").append(i).append("'\n").append(addresses(steps.get(i).command())).append('\n')
					.append("echo \"@@EXIT $?\"\n");
		}
		Files.writeString(dir.resolve("tour.sh"), script);
		Process bash = new ProcessBuilder("bash", "tour.sh").directory(dir.toFile()).redirectErrorStream(true).start();
		String output = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(bash.waitFor(5, TimeUnit.MINUTES)).isTrue();
		Files.writeString(dir.resolve("tour.out"), output);

		String[] perStep = output.split("@@STEP ");
		assertThat(perStep).as("every step ran; output in " + dir.resolve("tour.out")).hasSize(steps.size() + 1);
		for (int i = 0; i < steps.size(); i++) {
			String out = perStep[i + 1];
			Step step = steps.get(i);
			String said = step.comments() + " " + trailingComments(step.command());
			String where = "tour step " + i + ":\n" + step.command() + "\n-> " + shorten(out);
			Matcher exit = Pattern.compile("@@EXIT (\\d+)").matcher(out);
			assertThat(exit.find()).as(where).isTrue();
			if (!"0".equals(exit.group(1))) {
				assertThat(said).as("exit " + exit.group(1) + " not announced in " + where).containsPattern("(?i)rejected|refused");
			}
			Matcher http = Pattern.compile("@@HTTP (\\d{3})").matcher(out);
			while (http.find()) {
				int status = Integer.parseInt(http.group(1));
				assertThat(status).as("HTTP status in " + where).isBetween(200, 499);
				if (status >= 400) {
					assertThat(said).as(status + " not announced in " + where).contains(Integer.toString(status));
				}
			}
			assertThat(out.toLowerCase(java.util.Locale.ROOT)).as(where).doesNotContain("<html");
		}
		assertThat(output).as("the duplicate-exam card").containsPattern("\"indicator\"\\s*:\\s*\"warning\"").contains("already done");
	}

	/** The shell block under "## A five-minute tour". */
	static String tour(String readme) {
		int section = readme.indexOf("## A five-minute tour");
		int start = readme.indexOf("```sh\n", section) + "```sh\n".length();
		return readme.substring(start, readme.indexOf("\n```", start));
	}

	/** Commands with the comments above them; a command continues over lines ending in \ or inside open quotes. */
	static List<Step> steps(String tour) {
		List<Step> steps = new ArrayList<>();
		StringBuilder comments = new StringBuilder();
		StringBuilder command = new StringBuilder();
		for (String line : tour.split("\n", -1)) {
			boolean inCommand = command.length() > 0;
			if (!inCommand && (line.isBlank() || line.trim().startsWith("#"))) {
				if (line.isBlank()) {
					comments.setLength(0);
				} else {
					comments.append(line).append('\n');
				}
				continue;
			}
			command.append(line).append('\n');
			String sofar = command.toString();
			if (!line.endsWith("\\") && balanced(sofar)) {
				steps.add(new Step(comments.toString(), sofar.strip()));
				command.setLength(0);
				comments.setLength(0);
			}
		}
		return steps;
	}

	/** Whether single and double quotes are all closed (enough for the tour's JSON bodies and $(...)). */
	private static boolean balanced(String text) {
		boolean single = false;
		boolean dbl = false;
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (c == '\'' && !dbl) {
				single = !single;
			} else if (c == '"' && !single && (i == 0 || text.charAt(i - 1) != '\\')) {
				dbl = !dbl;
			}
		}
		return !single && !dbl;
	}

	private static String trailingComments(String command) {
		StringBuilder out = new StringBuilder();
		for (String line : command.split("\n")) {
			int hash = line.lastIndexOf("    #");
			if (hash >= 0) {
				out.append(line.substring(hash)).append(' ');
			}
		}
		return out.toString();
	}

	private String addresses(String command) {
		return command.replace("127.0.0.1:8080", "127.0.0.1:" + port)
				.replace("127.0.0.1 11112", "127.0.0.1 " + listener.port());
	}

	private static void standInLauncher(Path dir) throws Exception {
		String launcher = """
				#!/usr/bin/env bash
				# The tour test's stand-in for the launcher: tokens signed with the test server's key.
				case "$1" in
				  token) shift; exec "%s" -cp "%s" org.onetrip.server.security.TokenCommand --key "%s" "$@" ;;
				  demo) echo "(./onetrip demo is not run by the tour test: it generates Synthea patients)"; exit 0 ;;
				  *) echo "the tour test's ./onetrip does not know: $*" >&2; exit 2 ;;
				esac
				""".formatted(Path.of(System.getProperty("java.home"), "bin", "java"), System.getProperty("java.class.path"),
				TestTokens.KEY_FILE);
		Path file = dir.resolve("onetrip");
		Files.writeString(file, launcher);
		Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
	}

	private static String shorten(String text) {
		String flat = text.replaceAll("\\s+", " ");
		return flat.length() > 600 ? flat.substring(0, 600) + "..." : flat;
	}
}
