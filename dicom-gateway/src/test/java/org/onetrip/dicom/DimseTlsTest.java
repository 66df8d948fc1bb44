package org.onetrip.dicom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** DICOM over TLS with dcmtk's echoscu: a TLS caller trusting the gateway's certificate associates; plain TCP does not. */
class DimseTlsTest {

	static DimseListener listener;
	static Path certificate;

	@BeforeAll
	static void start() throws Exception {
		Path dir = Files.createTempDirectory(Path.of("target"), "dicom-tls-").toAbsolutePath();
		Path keyStore = dir.resolve("gateway.p12");
		certificate = dir.resolve("gateway.pem");
		run("keytool", "-genkeypair", "-alias", "onetrip", "-keyalg", "RSA", "-keysize", "2048", "-storetype", "PKCS12",
				"-keystore", keyStore.toString(), "-storepass", "changeit", "-keypass", "changeit", "-dname", "CN=127.0.0.1",
				"-ext", "SAN=ip:127.0.0.1", "-validity", "2");
		run("keytool", "-exportcert", "-rfc", "-alias", "onetrip", "-keystore", keyStore.toString(), "-storepass", "changeit",
				"-file", certificate.toString());
		Map<String, String> region = Map.of("HOSP_A", "hospital-a");
		listener = new DimseListener(new DicomGatewaySettings("ONETRIP", InetAddress.getLoopbackAddress(), 0,
				new DicomTls(keyStore, "changeit".toCharArray(), null, null)),
				ae -> Optional.ofNullable(region.get(ae)), null, null, null);
		listener.start();
	}

	@AfterAll
	static void stop() {
		listener.close();
	}

	@Test
	void aTlsCallerThatTrustsTheGatewayEchoes() throws Exception {
		String output = echoscu("+tla", "+cf", certificate.toString());
		assertTrue(output.startsWith("exit 0"), output);
	}

	@Test
	void aPlainTcpCallerGetsNoAssociationAndTheGatewayKeepsServing() throws Exception {
		String plain = echoscu();
		assertNotEquals("exit 0", plain.substring(0, 6), plain);
		String untrusting = echoscu("+tla");
		assertNotEquals("exit 0", untrusting.substring(0, 6), "a caller that does not trust the certificate: " + untrusting);
		assertTrue(echoscu("+tla", "+cf", certificate.toString()).startsWith("exit 0"));
	}

	private static String echoscu(String... tls) throws Exception {
		List<String> command = new ArrayList<>(List.of("echoscu", "-aet", "HOSP_A", "-aec", "ONETRIP"));
		command.addAll(List.of(tls));
		command.addAll(List.of("127.0.0.1", Integer.toString(listener.port())));
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
		builder.environment().put("TCP_NODELAY", "1");
		Process process = builder.start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertTrue(process.waitFor(30, TimeUnit.SECONDS), "echoscu did not finish");
		return "exit " + process.exitValue() + "\n" + output;
	}

	private static void run(String... command) throws Exception {
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertTrue(process.waitFor(60, TimeUnit.SECONDS));
		assertEquals(0, process.exitValue(), String.join(" ", command) + ": " + output);
	}
}
