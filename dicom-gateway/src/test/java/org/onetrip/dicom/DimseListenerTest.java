package org.onetrip.dicom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
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

/** Association vetting and C-ECHO with dcmtk's echoscu (storage and query: the server's DicomGatewayTest) over a real socket: region AEs get in, strangers are refused at association. */
class DimseListenerTest {

	static DimseListener listener;

	@BeforeAll
	static void start() throws Exception {
		Map<String, String> region = Map.of("HOSP_A", "hospital-a", "IMAGING_D", "imaging-d");
		listener = new DimseListener(
				new DicomGatewaySettings("ONETRIP", InetAddress.getLoopbackAddress(), 0),
				ae -> Optional.ofNullable(region.get(ae)),
				null, null, null); // C-ECHO and association vetting only: no storage, query or retrieval behind it
		listener.start();
	}

	@AfterAll
	static void stop() {
		listener.close();
	}

	record Run(int exit, String output) {}

	static Run echoscu(String callingAe, String calledAe) throws Exception {
		List<String> command = new ArrayList<>(List.of("echoscu", "-aet", callingAe, "-aec", calledAe,
				"127.0.0.1", Integer.toString(listener.port())));
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
		builder.environment().put("TCP_NODELAY", "1");
		Process process = builder.start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertTrue(process.waitFor(30, TimeUnit.SECONDS), "echoscu did not finish");
		return new Run(process.exitValue(), output);
	}

	@Test
	void aRegionHospitalEchoesSuccessfully() throws Exception {
		Run run = echoscu("HOSP_A", "ONETRIP");
		assertEquals(0, run.exit(), run.output());
	}

	@Test
	void aReleasedAssociationGivesItsThreadBackAtOnce() throws Exception {
		for (int i = 0; i < 5; i++) {
			assertEquals(0, echoscu("HOSP_A", "ONETRIP").exit());
		}
		// PixelMed alone would keep each thread 5 s after the release; a C-FIND-per-association client piles them up.
		long deadline = System.nanoTime() + 1_500_000_000L;
		while (listener.associationsActive() > 0 && System.nanoTime() < deadline) {
			Thread.sleep(20);
		}
		assertEquals(0, listener.associationsActive(), "associations still holding threads 1.5 s after release");
	}

	@Test
	void anAeTitleOutsideTheRegionIsRejectedAtAssociation() throws Exception {
		long before = listener.associationsRejected();
		Run run = echoscu("STRANGER", "ONETRIP");
		assertNotEquals(0, run.exit(), run.output());
		assertTrue(run.output().contains("Rejected") || run.output().contains("rejected"), run.output());
		assertEquals(before + 1, listener.associationsRejected());
	}

	@Test
	void callingTheWrongAeTitleIsRejected() throws Exception {
		Run run = echoscu("HOSP_A", "SOMEONE_ELSE");
		assertNotEquals(0, run.exit(), run.output());
	}

	@Test
	void garbageOnTheSocketDoesNotStopTheGateway() throws Exception {
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), listener.port())) {
			OutputStream out = socket.getOutputStream();
			out.write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			socket.setSoTimeout(5000);
			assertEquals(-1, socket.getInputStream().read(), "the gateway closes a non-DICOM connection");
		} catch (IOException reset) {
			// a reset is as good as a close
		}
		assertEquals(0, echoscu("IMAGING_D", "ONETRIP").exit());
	}
}
