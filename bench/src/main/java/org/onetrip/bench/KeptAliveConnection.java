package org.onetrip.bench;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One client's HTTP/1.1 connection, kept alive and used by one thread at a time, with blocking reads and writes: a
 * request is written, its answer read by the same thread. A load generator on the server's own two cores uses this
 * instead of {@link java.net.http.HttpClient}, whose answers pass through a selector thread and an executor thread
 * before the waiting client wakes: three threads to schedule per request on cores the servers are using, and the
 * generator's CPU taken from them (bench/HISTORY.md, stop 49). The body of an answer is read and dropped.
 */
public final class KeptAliveConnection implements AutoCloseable {

	private final String host;
	private final int port;
	private Socket socket;
	private InputStream in;
	private OutputStream out;
	private boolean answerStarted;

	public KeptAliveConnection(URI base) {
		this.host = base.getHost();
		this.port = base.getPort() < 0 ? 80 : base.getPort();
	}

	/**
	 * Sends one request and returns the answer's status. A kept-alive connection that fails before the first byte of an
	 * answer (the server had closed it while it was idle) is opened again and the request written once more: a server
	 * answers every request it has read, so one that closed without a byte never read it.
	 */
	public int send(String method, String pathAndQuery, String contentType, String authorization, byte[] body) throws IOException {
		boolean reused = socket != null;
		answerStarted = false;
		try {
			return exchange(method, pathAndQuery, contentType, authorization, body);
		} catch (IOException e) {
			close();
			if (!reused || answerStarted || e instanceof java.net.SocketTimeoutException) {
				throw e;
			}
			try {
				return exchange(method, pathAndQuery, contentType, authorization, body);
			} catch (IOException | RuntimeException again) {
				close();
				throw again;
			}
		} catch (RuntimeException e) {
			close();
			throw e;
		}
	}

	private int exchange(String method, String pathAndQuery, String contentType, String authorization, byte[] body) throws IOException {
		if (socket == null) {
			socket = new Socket();
			socket.setTcpNoDelay(true);
			socket.connect(new InetSocketAddress(host, port), 5_000);
			socket.setSoTimeout(60_000);
			in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
			out = socket.getOutputStream();
		}
		StringBuilder head = new StringBuilder(256).append(method).append(' ').append(pathAndQuery).append(" HTTP/1.1\r\n")
				.append("Host: ").append(host).append(':').append(port).append("\r\n");
		if (authorization != null) {
			head.append("Authorization: ").append(authorization).append("\r\n");
		}
		if (body != null) {
			head.append("Content-Type: ").append(contentType).append("\r\nContent-Length: ").append(body.length).append("\r\n");
		}
		head.append("\r\n");
		byte[] headBytes = head.toString().getBytes(StandardCharsets.US_ASCII);
		byte[] whole = new byte[headBytes.length + (body == null ? 0 : body.length)];
		System.arraycopy(headBytes, 0, whole, 0, headBytes.length);
		if (body != null) {
			System.arraycopy(body, 0, whole, headBytes.length, body.length);
		}
		out.write(whole);
		out.flush();
		return readAnswer();
	}

	private int readAnswer() throws IOException {
		String statusLine = line(true);
		// "HTTP/1.1 201 " : the status is the three digits after the first space
		int space = statusLine.indexOf(' ');
		if (!statusLine.startsWith("HTTP/1.") || space < 0 || statusLine.length() < space + 4) {
			throw new IOException("not an HTTP answer: " + statusLine);
		}
		int status = Integer.parseInt(statusLine.substring(space + 1, space + 4));
		long length = -1;
		boolean chunked = false;
		boolean closeAfter = statusLine.startsWith("HTTP/1.0");
		for (String header = line(false); !header.isEmpty(); header = line(false)) {
			int colon = header.indexOf(':');
			if (colon < 0) {
				continue;
			}
			String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
			String value = header.substring(colon + 1).trim();
			switch (name) {
				case "content-length" -> length = Long.parseLong(value);
				case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
				case "connection" -> closeAfter = value.equalsIgnoreCase("close");
				default -> { }
			}
		}
		if (chunked) {
			for (long size = Long.parseLong(chunkSize(line(false)), 16); size > 0; size = Long.parseLong(chunkSize(line(false)), 16)) {
				skip(size);
				line(false);
			}
			// trailers, then the blank line that ends them
			while (!line(false).isEmpty()) {
				// dropped
			}
		} else if (length >= 0) {
			skip(length);
		} else if (status >= 200 && status != 204 && status != 304) {
			// no length: the body runs to the end of the connection
			while (in.read() >= 0) {
				// dropped
			}
			closeAfter = true;
		}
		if (closeAfter) {
			close();
		}
		return status;
	}

	private static String chunkSize(String line) {
		int extension = line.indexOf(';');
		return (extension < 0 ? line : line.substring(0, extension)).trim();
	}

	private void skip(long count) throws IOException {
		for (long left = count; left > 0; ) {
			long skipped = in.skip(left);
			if (skipped <= 0) {
				if (in.read() < 0) {
					throw new EOFException("answer ended " + left + " bytes early");
				}
				skipped = 1;
			}
			left -= skipped;
		}
	}

	/** A line without its CRLF. */
	private String line(boolean first) throws IOException {
		StringBuilder line = new StringBuilder(64);
		for (int c = in.read(); ; c = in.read()) {
			if (c < 0) {
				throw new EOFException(first && line.isEmpty() ? "the connection closed before an answer" : "answer ended inside a line");
			}
			answerStarted = true;
			if (c == '\n') {
				int end = line.length();
				return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
			}
			line.append((char) c);
		}
	}

	@Override
	public void close() {
		if (socket != null) {
			try {
				socket.close();
			} catch (IOException ignored) {
				// closing a connection already broken
			}
			socket = null;
			in = null;
			out = null;
		}
	}
}
