package org.onetrip.server.priorexam;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A TCP forwarder on loopback whose link the test can cut and restore: "Elasticsearch is briefly down". */
final class CuttableProxy implements AutoCloseable {

	private final int port;
	private final int targetPort;
	private final List<Socket> open = new CopyOnWriteArrayList<>();
	private volatile ServerSocket listener;

	CuttableProxy(int targetPort) throws IOException {
		this.port = ElasticsearchNode.freePort();
		this.targetPort = targetPort;
		restore();
	}

	String url() {
		return "http://127.0.0.1:" + port;
	}

	/** Closes the listener and every connection: new requests are refused, running ones break. */
	synchronized void cut() throws IOException {
		listener.close();
		for (Socket socket : open) {
			socket.close();
		}
		open.clear();
	}

	synchronized void restore() throws IOException {
		ServerSocket socket = new ServerSocket();
		socket.setReuseAddress(true);
		socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
		listener = socket;
		Thread accept = new Thread(() -> acceptLoop(socket), "proxy-accept-" + port);
		accept.setDaemon(true);
		accept.start();
	}

	private void acceptLoop(ServerSocket socket) {
		while (!socket.isClosed()) {
			try {
				Socket client = socket.accept();
				Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
				open.add(client);
				open.add(upstream);
				pump(client, upstream);
				pump(upstream, client);
			} catch (IOException closed) {
				return;
			}
		}
	}

	private void pump(Socket from, Socket to) {
		Thread thread = new Thread(() -> {
			try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
				in.transferTo(out);
			} catch (IOException ignored) {
				// one side closed
			} finally {
				try {
					to.close();
				} catch (IOException ignored) {
					// already
				}
			}
		}, "proxy-pump");
		thread.setDaemon(true);
		thread.start();
	}

	@Override
	public void close() throws IOException {
		cut();
	}
}
