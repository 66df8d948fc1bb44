package org.onetrip.server.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.UUID;

/**
 * The local key that signs OneTrip's own bearer tokens (RS256), kept as a PKCS#8 PEM file readable only by
 * its owner. The server verifies with its public half; {@code ./onetrip token} signs with the same file.
 * Instances that share a database must share the file (or trust one external issuer instead).
 */
public final class TokenKeys {

	public static final String ISSUER = "onetrip";
	private static final String KEY_ID = "onetrip-local";

	private final RSAPrivateCrtKey privateKey;
	private final RSAPublicKey publicKey;

	private TokenKeys(RSAPrivateCrtKey privateKey) throws GeneralSecurityException {
		this.privateKey = privateKey;
		this.publicKey = (RSAPublicKey) KeyFactory.getInstance("RSA")
				.generatePublic(new RSAPublicKeySpec(privateKey.getModulus(), privateKey.getPublicExponent()));
	}

	/** The key in {@code file}, made (2048-bit RSA) when there is none yet. */
	public static synchronized TokenKeys loadOrCreate(Path file) {
		try {
			if (!Files.exists(file)) {
				create(file);
			}
			String pem = Files.readString(file, StandardCharsets.US_ASCII);
			String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
			var key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
			return new TokenKeys((RSAPrivateCrtKey) key);
		} catch (IOException e) {
			throw new UncheckedIOException("token signing key " + file + ": " + e.getMessage(), e);
		} catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
			throw new IllegalStateException("token signing key " + file + " is not an RSA private key in PKCS#8 PEM: " + e.getMessage(), e);
		}
	}

	private static void create(Path file) throws IOException, GeneralSecurityException {
		Files.createDirectories(file.toAbsolutePath().getParent());
		KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
		generator.initialize(2048);
		KeyPair pair = generator.generateKeyPair();
		String pem = "-----BEGIN PRIVATE KEY-----\n"
				+ Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(pair.getPrivate().getEncoded())
				+ "\n-----END PRIVATE KEY-----\n";
		// Written beside the target and moved into place: two starters racing never read half a key.
		Path temporary = Files.createTempFile(file.toAbsolutePath().getParent(), ".key", ".tmp");
		try {
			Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
		} catch (UnsupportedOperationException e) {
			// not a POSIX file system: the directory's protection has to do
		}
		Files.writeString(temporary, pem, StandardCharsets.US_ASCII);
		try {
			Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
		} catch (java.nio.file.FileAlreadyExistsException raced) {
			Files.deleteIfExists(temporary);
		}
	}

	public RSAPublicKey publicKey() {
		return publicKey;
	}

	/** The key pair as a JWK, for the authorization server that signs with it (and publishes its public half). */
	public com.nimbusds.jose.jwk.RSAKey jwk() {
		return new com.nimbusds.jose.jwk.RSAKey.Builder(publicKey).privateKey(privateKey).keyID(KEY_ID)
				.keyUse(com.nimbusds.jose.jwk.KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256).build();
	}

	/**
	 * A bearer token: {@code hospital} null for a region-level caller, {@code patient} for a patient token.
	 */
	public String mint(String subject, String hospital, String scope, String patient, Duration validity) {
		return mint(subject, hospital, scope, patient, null, validity);
	}

	/** The same, naming the person who signed in as SMART does ({@code fhirUser}, e.g. {@code Practitioner/x}). */
	public String mint(String subject, String hospital, String scope, String patient, String fhirUser, Duration validity) {
		Instant now = Instant.now();
		JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
				.issuer(ISSUER).subject(subject).issueTime(Date.from(now)).expirationTime(Date.from(now.plus(validity)))
				.jwtID(UUID.randomUUID().toString()).claim("scope", scope);
		if (hospital != null) {
			claims.claim(Callers.HOSPITAL_CLAIM, hospital);
		}
		if (patient != null) {
			claims.claim(Callers.PATIENT_CLAIM, patient);
		}
		if (fhirUser != null) {
			claims.claim(Callers.FHIR_USER_CLAIM, fhirUser);
		}
		try {
			SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(KEY_ID).build(), claims.build());
			jwt.sign(new RSASSASigner(privateKey));
			return jwt.serialize();
		} catch (JOSEException e) {
			throw new IllegalStateException("cannot sign a token: " + e.getMessage(), e);
		}
	}
}
