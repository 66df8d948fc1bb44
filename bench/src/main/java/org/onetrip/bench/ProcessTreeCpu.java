package org.onetrip.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU time a server has used, over its whole process tree, from /proc: a peer's cost is more than its main process
 * (OneTrip's JVM runs its own PostgreSQL server, whose backends do part of every write). Each process counts
 * utime + stime and cutime + cstime, so a child that ended and was reaped still counts, in its parent.
 */
public final class ProcessTreeCpu {

	private final long ticksPerSecond;

	/** Asks {@code getconf CLK_TCK} once for the unit of /proc's times (normally 100 ticks per second). */
	public ProcessTreeCpu() throws IOException, InterruptedException {
		Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
		String output = new String(getconf.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
		if (getconf.waitFor() != 0 || !output.matches("[0-9]+")) {
			throw new IOException("getconf CLK_TCK answered '" + output + "'");
		}
		ticksPerSecond = Long.parseLong(output);
	}

	/** CPU milliseconds used so far by the process {@code pid} itself (all its threads), without its children. */
	public long processMillis(long pid) throws IOException {
		String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.ISO_8859_1);
		String[] fields = fieldsAfterName(stat);
		return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 1000 / ticksPerSecond;
	}

	/**
	 * CPU milliseconds used so far by the JIT's compiler threads of the JVM {@code pid} (HotSpot names them "C1
	 * CompilerThreadN" and "C2 CompilerThreadN"; /proc keeps the first 15 characters). A thread that ended is not
	 * counted: HotSpot starts and stops compiler threads as its queue grows and shrinks, so a figure over an interval
	 * may miss a few ticks of a thread that stopped within it.
	 */
	public long compilerMillis(long pid) throws IOException {
		long ticks = 0;
		try (DirectoryStream<Path> threads = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"), "[0-9]*")) {
			for (Path thread : threads) {
				String stat = statOf(thread);
				String name = stat == null ? "" : stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
				if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
					String[] fields = fieldsAfterName(stat);
					ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
				}
			}
		}
		return ticks * 1000 / ticksPerSecond;
	}

	/**
	 * CPU milliseconds used so far by {@code pid} and all its descendants. A process that ends during the scan may be
	 * missed or counted twice (itself, then in its parent): a tick or two against the seconds of a measured run.
	 */
	public long millis(long pid) throws IOException {
		Map<Long, List<Long>> children = new HashMap<>();
		Map<Long, Long> ticks = new HashMap<>();
		try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
			for (Path process : processes) {
				String stat = statOf(process);
				if (stat == null) {
					continue;
				}
				String[] fields = fieldsAfterName(stat);
				long self = Long.parseLong(process.getFileName().toString());
				children.computeIfAbsent(Long.parseLong(fields[1]), parent -> new ArrayList<>()).add(self);
				// Fields 14 to 17: utime, stime, cutime, cstime.
				ticks.put(self, Long.parseLong(fields[11]) + Long.parseLong(fields[12]) + Long.parseLong(fields[13])
						+ Long.parseLong(fields[14]));
			}
		}
		if (!ticks.containsKey(pid)) {
			throw new IOException("no process " + pid + " in /proc");
		}
		long total = 0;
		Deque<Long> tree = new ArrayDeque<>(List.of(pid));
		while (!tree.isEmpty()) {
			long next = tree.pop();
			total += ticks.get(next);
			tree.addAll(children.getOrDefault(next, List.of()));
		}
		return total * 1000 / ticksPerSecond;
	}

	/** The {@code stat} line of a process or thread directory of /proc, or null when it ended meanwhile. */
	private static String statOf(Path processOrThread) {
		try {
			// Latin-1: a command name is bytes, and one that is not UTF-8 must not hide its process.
			return Files.readString(processOrThread.resolve("stat"), StandardCharsets.ISO_8859_1);
		} catch (IOException ended) {
			return null;
		}
	}

	/** The fields from the third (state) on: the command name in parentheses may hold spaces and ')'. */
	private static String[] fieldsAfterName(String stat) {
		return stat.substring(stat.lastIndexOf(')') + 1).trim().split(" ");
	}
}
