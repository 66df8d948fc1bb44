package org.onetrip.server.hapi;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.onetrip.server.FhirHttp;
import org.onetrip.server.ServerTest;
import org.slf4j.LoggerFactory;

/**
 * A client's mistake (a value HAPI cannot read, a page a browser is shown for its own error) is answered as before and
 * is not an ERROR in the log; what the log filter lets through is everything else.
 */
class ClientErrorsInTheLogTest extends ServerTest {

	private static final Map<String, String> BROWSER = Map.of("Accept", "text/html,application/xhtml+xml,*/*;q=0.8");

	@Test
	void aValueHapiCannotReadIsAWarningLine() {
		Logger clientMistakes = (Logger) LoggerFactory.getLogger(ClientMistakes.class);
		ListAppender<ILoggingEvent> warned = new ListAppender<>();
		warned.start();
		clientMistakes.addAppender(warned);
		List<ILoggingEvent> written;
		try {
			written = writtenByHapisServerWhile(() -> {
				FhirHttp.Response mistyped = fhir.get("/Patient?birthdate=not-a-date");
				assertThat(mistyped.status()).isEqualTo(400);
				assertThat(mistyped.outcome().getIssueFirstRep().getDiagnostics()).isEqualTo("HAPI-1941: Invalid prefix: \"not\"");
			});
		} finally {
			clientMistakes.detachAppender(warned);
		}
		assertThat(written).noneMatch(entry -> entry.getLevel() == Level.ERROR);
		assertThat(warned.list).singleElement().satisfies(entry -> {
			assertThat(entry.getLevel()).isEqualTo(Level.WARN);
			assertThat(entry.getFormattedMessage()).contains("Invalid prefix");
			assertThat(entry.getThrowableProxy()).as("no stack trace").isNull();
		});
	}

	@Test
	void aBrowsersErrorPageIsAnsweredWithoutAnErrorInTheLog() {
		List<ILoggingEvent> written = writtenByHapisServerWhile(() -> {
			FhirHttp.Response missing = fhir.get("/Patient/" + unique("nobody"), BROWSER);
			FhirHttp.Response mistyped = fhir.get("/Patient?birthdate=not-a-date", BROWSER);

			assertThat(missing.status()).isEqualTo(404);
			assertThat(mistyped.status()).isEqualTo(400);
			for (FhirHttp.Response page : List.of(missing, mistyped)) {
				assertThat(page.header("Content-Type")).startsWith("text/html");
				assertThat(page.body()).contains("OperationOutcome");
			}
		});
		assertThat(written).as("written for the two pages").noneMatch(entry -> entry.getLevel() == Level.ERROR);

		List<ILoggingEvent> other = writtenByHapisServerWhile(
				() -> LoggerFactory.getLogger(RestfulServer.class).error("anything else HAPI's server logs"));
		assertThat(other).extracting(ILoggingEvent::getMessage).containsExactly("anything else HAPI's server logs");
	}

	/**
	 * What HAPI's REST server (its loggers under {@code ca.uhn.fhir.rest.server}) writes to the log meanwhile: read
	 * above its server logger, where the filter has passed it on.
	 */
	private static List<ILoggingEvent> writtenByHapisServerWhile(Runnable requests) {
		Logger above = (Logger) LoggerFactory.getLogger(RestfulServer.class.getPackageName());
		ListAppender<ILoggingEvent> written = new ListAppender<>();
		written.start();
		above.addAppender(written);
		try {
			requests.run();
		} finally {
			above.detachAppender(written);
		}
		return written.list;
	}

	@Test
	void onlyTheEntryForTheClientErrorAnsweredOnThisThreadIsDropped() throws Exception {
		Logger logger = (Logger) LoggerFactory.getLogger(RestfulServer.class);
		String handlingThrew = "HAPI-2544: Exception handling threw an exception.  Initial exception was: {}";
		ResourceNotFoundException notFound = new ResourceNotFoundException("Patient/nobody is not known");
		InternalErrorException failed = new InternalErrorException("the server failed", new IllegalStateException("bug"));
		BrowserPages pages = new BrowserPages();

		assertThat(dropped(logger, handlingThrew, notFound)).as("nothing answered yet").isFalse();

		BrowserPages.answeredWithAPage(notFound);
		assertThat(dropped(logger, handlingThrew, notFound)).isTrue();
		assertThat(dropped(logger, handlingThrew, new ResourceNotFoundException("another"))).as("another exception").isFalse();
		assertThat(dropped(logger, "Failure during REST processing: {}", notFound)).as("another entry").isFalse();
		AtomicReference<Boolean> onAnotherThread = new AtomicReference<>();
		Thread elsewhere = new Thread(() -> onAnotherThread.set(dropped(logger, handlingThrew, notFound)));
		elsewhere.start();
		elsewhere.join();
		assertThat(onAnotherThread.get()).as("another request's thread").isFalse();

		pages.requestCompleted();
		assertThat(dropped(logger, handlingThrew, notFound)).as("after the request").isFalse();

		IllegalArgumentException thrown = new IllegalArgumentException("not a date");
		InvalidRequestException turnedInto = new InvalidRequestException("Invalid date: not-a-date", thrown);
		BrowserPages.answeredWithAPage(turnedInto);
		assertThat(dropped(logger, handlingThrew, thrown)).as("what an interceptor turned into the answer").isTrue();
		pages.requestCompleted();

		BrowserPages.answeredWithAPage(failed);
		assertThat(dropped(logger, handlingThrew, failed)).as("a server error stays in the log").isFalse();
		assertThat(dropped(logger, handlingThrew, failed.getCause())).isFalse();
		pages.requestCompleted();
	}

	/** Whether the entry HAPI's server writes this way would be dropped. */
	private static boolean dropped(Logger logger, String format, Throwable t) {
		return BrowserPages.AnsweredErrorLogFilter.answeredWithAPage(
				new LoggingEvent(Logger.class.getName(), logger, Level.ERROR, format, null, new Object[] {t.getMessage(), t}));
	}
}
