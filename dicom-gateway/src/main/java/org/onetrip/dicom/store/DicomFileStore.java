package org.onetrip.dicom.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Instances on disk. A received instance is written to {@code incoming/}, forced to the disk, then renamed
 * into {@code store/<xx>/<study>/<sop>.dcm} (an atomic rename in one file system) and the directory is forced
 * too, so a file under {@code store/} is always whole. What is left in {@code incoming/} after a crash was never
 * acknowledged and is removed at start.
 */
public final class DicomFileStore {

	/** DICOM UIDs are digits and dots, at most 64 characters; anything else must never become a path. */
	private static final Pattern UID = Pattern.compile("[0-9]+(\\.[0-9]+)*");

	private final Path root;
	private final Path incoming;
	private final Path store;

	public DicomFileStore(Path root) throws IOException {
		this.root = root;
		this.incoming = Files.createDirectories(root.resolve("incoming"));
		this.store = Files.createDirectories(root.resolve("store"));
		try (Stream<Path> leftovers = Files.list(incoming)) {
			for (Path leftover : leftovers.toList()) {
				Files.deleteIfExists(leftover);
			}
		}
	}

	public static boolean isValidUid(String uid) {
		return uid != null && uid.length() <= 64 && UID.matcher(uid).matches();
	}

	public Path newIncomingFile() {
		return incoming.resolve(UUID.randomUUID() + ".part");
	}

	/** Where an instance lives, relative to the store root (what the index records). */
	public String relativePath(String studyUid, String sopInstanceUid) {
		requireUid(studyUid);
		requireUid(sopInstanceUid);
		// Two hex digits; String.format was 4 % of a one-image C-STORE's thread.
		int hash = Math.floorMod(studyUid.hashCode(), 256);
		String bucket = (hash < 16 ? "0" : "") + Integer.toHexString(hash);
		return bucket + "/" + studyUid + "/" + sopInstanceUid + ".dcm";
	}

	public Path resolve(String relativePath) {
		Path path = store.resolve(relativePath).normalize();
		if (!path.startsWith(store)) {
			throw new IllegalArgumentException("not a stored instance path: " + relativePath);
		}
		return path;
	}

	/** Forces the received file to disk and renames it into place; afterwards the instance survives a crash. */
	public Path commit(Path incomingFile, String relativePath) throws IOException {
		try (FileChannel channel = FileChannel.open(incomingFile, StandardOpenOption.WRITE)) {
			// fdatasync: the data and what is needed to read it back (its size); the name is made durable by the
			// directory force after the rename. A full fsync also wrote timestamps and waited ~15 ms under load.
			channel.force(false);
		}
		Path target = resolve(relativePath);
		Path directory = target.getParent();
		boolean newDirectory = !Files.isDirectory(directory);
		if (newDirectory) {
			// Only then: createDirectories on a directory that exists fails inside and throws twice before it says so.
			Files.createDirectories(directory);
		}
		Files.move(incomingFile, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		forceDirectory(directory);
		if (newDirectory) {
			forceDirectory(directory.getParent());
		}
		return target;
	}

	/**
	 * Stored files in study directories changed at or after {@code since} (a file renamed into a study directory
	 * changes its time), with their paths relative to the store: where to look for instances an index lost.
	 */
	public List<String> filesOfStudiesChangedSince(java.time.Instant since) throws IOException {
		List<String> found = new java.util.ArrayList<>();
		try (Stream<Path> buckets = Files.list(store)) {
			for (Path bucket : buckets.filter(Files::isDirectory).toList()) {
				try (Stream<Path> studies = Files.list(bucket)) {
					for (Path study : studies.filter(Files::isDirectory).toList()) {
						if (Files.getLastModifiedTime(study).toInstant().isBefore(since)) {
							continue;
						}
						try (Stream<Path> instances = Files.list(study)) {
							instances.filter(f -> f.getFileName().toString().endsWith(".dcm"))
									.forEach(f -> found.add(store.relativize(f).toString()));
						}
					}
				}
			}
		}
		return found;
	}

	public void discard(Path incomingFile) {
		try {
			Files.deleteIfExists(incomingFile);
		} catch (IOException ignored) {
			// removed at the next start
		}
	}

	public Path root() {
		return root;
	}

	private static void forceDirectory(Path directory) throws IOException {
		try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
			channel.force(true);
		}
	}

	private static void requireUid(String uid) {
		if (!isValidUid(uid)) {
			throw new IllegalArgumentException("not a DICOM UID: " + uid);
		}
	}
}
