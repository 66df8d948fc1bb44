package org.onetrip.dicom;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.onetrip.dicom.AssociationRequest.RejectReason;
import org.onetrip.dicom.store.StorageService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OneTrip's DIMSE accept loop. It binds only the configured address (PixelMed's own dispatcher binds
 * every interface), sets TCP_NODELAY on each socket (without it every response waits ~45 ms for
 * Nagle's algorithm), vets the caller's AE title against the region, and only then hands the
 * association to {@link DimseAssociation} (C-ECHO, C-STORE, C-FIND, C-MOVE, C-GET).
 */
public final class DimseListener implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(DimseListener.class);
	/** A peer that connects and says nothing must not hold a thread forever. */
	private static final int ASSOCIATION_REQUEST_TIMEOUT_MS = 30_000;

	private final DicomGatewaySettings settings;
	private final CallingAeDirectory callers;
	private final StorageService storage;
	private final FindService find;
	private final RetrieveService retrieve;
	private final ExecutorService associations = Executors.newCachedThreadPool(r -> {
		Thread t = new Thread(r, "dicom-association");
		t.setDaemon(true);
		return t;
	});
	/** How long an association's thread waits for the peer to close after a release (PixelMed's default: 5 s). */
	private static final int RELEASE_TO_CLOSE_MILLIS = 200;

	static {
		if (!com.pixelmed.network.AssociationTimers.setReleaseToCloseMillis(RELEASE_TO_CLOSE_MILLIS)) {
			LoggerFactory.getLogger(DimseListener.class).warn(
					"PixelMed's release-to-close wait could not be shortened: each association keeps its thread 5 s after release");
		}
	}

	private final AtomicLong accepted = new AtomicLong();
	private final java.util.concurrent.atomic.AtomicInteger active = new java.util.concurrent.atomic.AtomicInteger();
	private final AtomicLong rejected = new AtomicLong();
	private ServerSocket serverSocket;
	private Thread acceptThread;

	private final AssociationAudit audit;

	public DimseListener(DicomGatewaySettings settings, CallingAeDirectory callers, StorageService storage,
			FindService find, RetrieveService retrieve) {
		this(settings, callers, storage, find, retrieve, AssociationAudit.NONE);
	}

	public DimseListener(DicomGatewaySettings settings, CallingAeDirectory callers, StorageService storage,
			FindService find, RetrieveService retrieve, AssociationAudit audit) {
		this.audit = audit;
		this.settings = settings;
		this.callers = callers;
		this.storage = storage;
		this.find = find;
		this.retrieve = retrieve;
	}

	public synchronized void start() throws IOException {
		serverSocket = settings.tls() == null ? new ServerSocket() : settings.tls().newServerSocket();
		serverSocket.setReuseAddress(true);
		serverSocket.bind(new InetSocketAddress(settings.bindAddress(), settings.port()), 64);
		acceptThread = new Thread(this::acceptLoop, "dicom-accept-" + port());
		acceptThread.setDaemon(true);
		acceptThread.start();
		log.info("DICOM gateway {} listening on {}:{}{}", settings.aeTitle(), settings.bindAddress().getHostAddress(), port(),
				settings.tls() == null ? "" : settings.tls().requiresClientCertificate() ? " (TLS, client certificates required)" : " (TLS)");
	}

	/** The port actually bound (differs from the setting when that was 0). */
	public int port() {
		return serverSocket.getLocalPort();
	}

	public boolean isRunning() {
		return serverSocket != null && !serverSocket.isClosed();
	}

	public long associationsAccepted() {
		return accepted.get();
	}

	public long associationsRejected() {
		return rejected.get();
	}

	/** Associations being served right now (each holds a thread until its connection is closed). */
	public int associationsActive() {
		return active.get();
	}

	private void acceptLoop() {
		while (!serverSocket.isClosed()) {
			try {
				Socket socket = serverSocket.accept();
				socket.setTcpNoDelay(true);
				associations.execute(() -> handle(socket));
			} catch (SocketException closed) {
				return;
			} catch (IOException e) {
				log.warn("DICOM accept failed: {}", e.getMessage());
			}
		}
	}

	private void handle(Socket socket) {
		active.incrementAndGet();
		try {
			serve(socket);
		} finally {
			active.decrementAndGet();
		}
	}

	private void serve(Socket socket) {
		String peer = socket.getRemoteSocketAddress().toString();
		java.time.Instant started = java.time.Instant.now();
		AssociationRequest request = null;
		String hospitalKey = null;
		String rejection = null;
		String failure = null;
		DimseAssociation.Activity activity = new DimseAssociation.Activity();
		try {
			socket.setSoTimeout(ASSOCIATION_REQUEST_TIMEOUT_MS);
			request = AssociationRequest.read(socket.getInputStream());
			Optional<String> hospital = callers.institutionOf(request.callingAeTitle().toUpperCase(Locale.ROOT));
			hospitalKey = hospital.orElse(null);
			Optional<RejectReason> refusal = vet(request);
			if (refusal.isPresent()) {
				rejected.incrementAndGet();
				rejection = refusal.get().toString();
				log.warn("DICOM association from {} (calling AE '{}', called AE '{}') rejected: {}",
						peer, request.callingAeTitle(), request.calledAeTitle(), refusal.get());
				AssociationRequest.reject(socket.getOutputStream(), refusal.get());
				socket.close();
				return;
			}
			accepted.incrementAndGet();
			socket.setSoTimeout(0);
			DimseAssociation association = new DimseAssociation(new ReplayingSocket(socket, request.rawPdu()), settings.aeTitle(),
					hospital.orElseThrow(), storage, find, retrieve, activity);
			association.run();
			closeQuietly(socket);
			association.released();
		} catch (Exception e) {
			failure = e.toString();
			log.warn("DICOM association from {} ended with an error: {}", peer, e.toString());
			closeQuietly(socket);
		} finally {
			tellAudit(new AssociationAudit.Association(started, java.time.Instant.now(),
					request == null ? null : request.callingAeTitle(), request == null ? null : request.calledAeTitle(),
					hospitalKey, peer, rejection, failure, activity.commands(), activity.studies(), activity.patients()));
		}
	}

	private void tellAudit(AssociationAudit.Association association) {
		try {
			audit.associationEnded(association);
		} catch (RuntimeException e) {
			log.error("DICOM association from {} could not be audited: {}", association.peer(), e.toString());
		}
	}

	private Optional<RejectReason> vet(AssociationRequest request) {
		if (!settings.aeTitle().equals(request.calledAeTitle())) {
			return Optional.of(RejectReason.CALLED_AE_NOT_RECOGNIZED);
		}
		if (callers.institutionOf(request.callingAeTitle().toUpperCase(Locale.ROOT)).isEmpty()) {
			return Optional.of(RejectReason.CALLING_AE_NOT_RECOGNIZED);
		}
		return Optional.empty();
	}

	private static void closeQuietly(Socket socket) {
		try {
			socket.close();
		} catch (IOException ignored) {
			// already gone
		}
	}

	@Override
	public synchronized void close() {
		if (serverSocket != null) {
			closeQuietly0();
		}
		associations.shutdownNow();
		try {
			associations.awaitTermination(5, TimeUnit.SECONDS);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}

	private void closeQuietly0() {
		try {
			serverSocket.close();
		} catch (IOException ignored) {
			// closing anyway
		}
	}
}
