package org.onetrip.server.dicomweb;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Reads a {@code multipart/related} body (RFC 2387) part by part, streaming each part's bytes to where the caller
 * wants them: a STOW-RS request can hold a whole study, which must not have to fit in memory. The delimiter is found
 * with a Knuth-Morris-Pratt matcher over the stream, so a part may contain any bytes but the delimiter itself.
 * {@link Writer} writes such a body (WADO-RS), framed by the same delimiters.
 */
final class MultipartRelated {

	/** The media type of a DICOM part (a Part 10 file), and the {@code type} of a body of them. */
	static final String DICOM = "application/dicom";

	private static final String CRLF = "\r\n";
	/** What follows the last part's delimiter ("--boundary--"), where another part's delimiter ends its line. */
	private static final String CLOSE = "--";

	/** The body is not a well-formed multipart body (no first delimiter, a part without a closing delimiter). */
	static final class MalformedException extends IOException {
		MalformedException(String message) {
			super(message);
		}
	}

	private static final int MAX_HEADER_LINE = 8192;

	private final InputStream in;
	private final byte[] delimiter;
	private final int[] fallback;
	private boolean finished;

	/** @param in a buffered stream: it is read a byte at a time */
	MultipartRelated(InputStream in, String boundary) {
		this.in = in;
		this.delimiter = ascii(CRLF + dashBoundary(boundary));
		this.fallback = new int[delimiter.length];
		for (int i = 1, k = 0; i < delimiter.length; i++) {
			while (k > 0 && delimiter[i] != delimiter[k]) {
				k = fallback[k - 1];
			}
			if (delimiter[i] == delimiter[k]) {
				k++;
			}
			fallback[i] = k;
		}
	}

	/** Skips the preamble up to the first delimiter; false when the body has no part at all. */
	boolean start() throws IOException {
		// The first delimiter may open the body without the CRLF before it: start as if that CRLF had been read.
		boolean found = copyUntilDelimiter(OutputStream.nullOutputStream(), 2);
		if (!found) {
			throw new MalformedException("no multipart boundary found in the body");
		}
		return afterDelimiter();
	}

	/** The headers of the next part, names in lower case. Call after {@link #start()} or {@link #body}. */
	Map<String, String> headers() throws IOException {
		Map<String, String> headers = new LinkedHashMap<>();
		while (true) {
			String line = line();
			if (line.isEmpty()) {
				return headers;
			}
			int colon = line.indexOf(':');
			if (colon > 0) {
				headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
			}
		}
	}

	/** Copies the part's body to {@code out}; true when another part follows. */
	boolean body(OutputStream out) throws IOException {
		if (!copyUntilDelimiter(out, 0)) {
			throw new MalformedException("a part is not closed by the boundary (truncated body?)");
		}
		return afterDelimiter();
	}

	boolean finished() {
		return finished;
	}

	private boolean copyUntilDelimiter(OutputStream out, int alreadyMatched) throws IOException {
		int matched = alreadyMatched;
		int b;
		while ((b = in.read()) >= 0) {
			while (matched > 0 && b != (delimiter[matched] & 0xFF)) {
				int keep = fallback[matched - 1];
				// The bytes that looked like the delimiter's start but were not: they belong to the part.
				out.write(delimiter, 0, matched - keep);
				matched = keep;
			}
			if (b == (delimiter[matched] & 0xFF)) {
				matched++;
				if (matched == delimiter.length) {
					return true;
				}
			} else {
				out.write(b);
			}
		}
		return false;
	}

	/** After a delimiter: "--" closes the body, otherwise the rest of the line (transport padding, CRLF) is skipped. */
	private boolean afterDelimiter() throws IOException {
		String rest = line();
		if (rest.startsWith(CLOSE)) {
			finished = true;
			return false;
		}
		return true;
	}

	private String line() throws IOException {
		StringBuilder line = new StringBuilder();
		int b;
		while ((b = in.read()) >= 0) {
			if (b == '\n') {
				int end = line.length();
				if (end > 0 && line.charAt(end - 1) == '\r') {
					line.setLength(end - 1);
				}
				return line.toString();
			}
			if (line.length() > MAX_HEADER_LINE) {
				throw new MalformedException("a part header line is longer than " + MAX_HEADER_LINE + " bytes");
			}
			line.append((char) b);
		}
		if (line.toString().startsWith(CLOSE)) {
			return line.toString(); // the closing "--" without a final CRLF
		}
		throw new MalformedException("the body ends inside a part header");
	}

	/** A parameter of a media type ({@code boundary}, {@code type}), unquoted; null when absent. */
	static String parameter(String mediaType, String name) {
		if (mediaType == null) {
			return null;
		}
		for (String piece : mediaType.split(";")) {
			int equals = piece.indexOf('=');
			if (equals > 0 && piece.substring(0, equals).trim().equalsIgnoreCase(name)) {
				String value = piece.substring(equals + 1).trim();
				if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
					value = value.substring(1, value.length() - 1);
				}
				return value;
			}
		}
		return null;
	}

	/** Whether a multipart media type's {@code type} parameter admits DICOM parts (absent admits anything). */
	static boolean typeIsDicom(String mediaType) {
		String type = parameter(mediaType, "type");
		return type == null || type.equalsIgnoreCase(DICOM);
	}

	/** A boundary no Part 10 file will hold by chance. */
	static String newBoundary() {
		return "onetrip-" + UUID.randomUUID();
	}

	/** The Content-Type of a body of DICOM parts delimited by {@code boundary}. */
	static String dicomContentType(String boundary) {
		return "multipart/related; type=\"" + DICOM + "\"; boundary=" + boundary;
	}

	private static String dashBoundary(String boundary) {
		return "--" + boundary;
	}

	private static byte[] ascii(String text) {
		return text.getBytes(StandardCharsets.US_ASCII);
	}

	/** Writes a {@code multipart/related} body: each part its delimiter, its Content-Type, its bytes; then the close. */
	static final class Writer {

		private final OutputStream out;
		private final String dashBoundary;

		/** @param out a buffered stream: headers and delimiters are written in small pieces */
		Writer(OutputStream out, String boundary) {
			this.out = out;
			this.dashBoundary = dashBoundary(boundary);
		}

		void part(String contentType, Path file) throws IOException {
			out.write(ascii(dashBoundary + CRLF + "Content-Type: " + contentType + CRLF + CRLF));
			Files.copy(file, out);
			out.write(ascii(CRLF));
		}

		void part(String contentType, byte[] content) throws IOException {
			out.write(ascii(dashBoundary + CRLF + "Content-Type: " + contentType + CRLF + CRLF));
			out.write(content);
			out.write(ascii(CRLF));
		}

		/** The closing delimiter: no part follows. */
		void finish() throws IOException {
			out.write(ascii(dashBoundary + CLOSE + CRLF));
			out.flush();
		}
	}
}
