package org.onetrip.dicom;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * DICOM over TLS (PS3.15 Annex B, the BCP 195 profile dcmtk uses by default): the gateway's own certificate and key
 * from a PKCS#12 (or JKS) key store; with a trust store, callers must present a certificate it trusts.
 *
 * @param trustStore null: any caller may connect (the AE title still decides who may associate)
 */
public record DicomTls(Path keyStore, char[] keyStorePassword, Path trustStore, char[] trustStorePassword) {

	private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

	public boolean requiresClientCertificate() {
		return trustStore != null;
	}

	/** A TLS server socket, not yet bound. */
	public ServerSocket newServerSocket() throws IOException {
		try {
			KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
			keys.init(load(keyStore, keyStorePassword), keyStorePassword);
			TrustManagerFactory trust = null;
			if (trustStore != null) {
				trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
				trust.init(load(trustStore, trustStorePassword));
			}
			SSLContext context = SSLContext.getInstance("TLS");
			context.init(keys.getKeyManagers(), trust == null ? null : trust.getTrustManagers(), null);
			SSLServerSocket socket = (SSLServerSocket) context.getServerSocketFactory().createServerSocket();
			socket.setEnabledProtocols(PROTOCOLS);
			socket.setNeedClientAuth(requiresClientCertificate());
			return socket;
		} catch (GeneralSecurityException e) {
			throw new IOException("DICOM TLS: " + e.getMessage(), e);
		}
	}

	private static KeyStore load(Path file, char[] password) throws IOException, GeneralSecurityException {
		String type = file.toString().toLowerCase(java.util.Locale.ROOT).endsWith(".jks") ? "JKS" : "PKCS12";
		KeyStore store = KeyStore.getInstance(type);
		try (InputStream in = Files.newInputStream(file)) {
			store.load(in, password);
		} catch (java.nio.file.NoSuchFileException e) {
			throw new UncheckedIOException("DICOM TLS key store " + file + " does not exist", e);
		}
		return store;
	}
}
