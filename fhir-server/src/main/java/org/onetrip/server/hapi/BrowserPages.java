package org.onetrip.server.hapi;

import ca.uhn.fhir.i18n.Msg;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.interceptor.ResponseHighlighterInterceptor;
import ca.uhn.fhir.rest.server.RestfulServer;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxy;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.LoggerFactory;

/**
 * HAPI's readable pages for browsers ({@link ResponseHighlighterInterceptor}), without a false alarm in the log for
 * each page that shows a client's error.
 *
 * <p>Why: in HAPI 8.8, when a {@code SERVER_HANDLE_EXCEPTION} hook answers a request itself, {@code RestfulServer}
 * logs the request's exception at ERROR with its whole stack trace ("HAPI-2544: Exception handling threw an
 * exception": its {@code finally} block is reached with the exception still set). The highlighter answers that way
 * every browser's GET that fails: a doctor opening a Patient that is not there, a search with a date mistyped. Each
 * wrote an ERROR entry of about a hundred lines: a false alarm for whoever watches the log, and a way for anyone with a
 * browser to fill the log's disk. A 4xx answered with a page is marked here for the request's thread, and
 * {@link AnsweredErrorLogFilter} drops that one entry. A 5xx is not marked: for a browser that entry is the only record
 * of the server's failure.
 */
public class BrowserPages extends ResponseHighlighterInterceptor {

	/** The client error a page was shown for on this thread, until the request's processing completes. */
	private static final ThreadLocal<BaseServerResponseException> ANSWERED_WITH_A_PAGE = new ThreadLocal<>();

	/** Keeps HAPI's hook (the annotation is found on the method it overrides) and notes what it answered. */
	@Override
	public boolean handleException(RequestDetails request, BaseServerResponseException exception,
			HttpServletRequest servletRequest, HttpServletResponse servletResponse) {
		boolean goOn = super.handleException(request, exception, servletRequest, servletResponse);
		if (!goOn) {
			answeredWithAPage(exception);
		}
		return goOn;
	}

	/** Marks a client error (4xx) the request on this thread was answered with as a page; a server error is not. */
	static void answeredWithAPage(BaseServerResponseException exception) {
		if (exception.getStatusCode() < 500) {
			ANSWERED_WITH_A_PAGE.set(exception);
		}
	}

	/** HAPI's log entry comes just before this, in the same {@code finally} block: the mark lasts no longer. */
	@Hook(Pointcut.SERVER_PROCESSING_COMPLETED)
	public void requestCompleted() {
		ANSWERED_WITH_A_PAGE.remove();
	}

	/**
	 * Puts the filter between HAPI's server logger and the appenders, once. Spring Boot resets Logback when an
	 * application context starts, so this is called as the FHIR endpoint is made, after that reset; a later reset
	 * takes the filter away and leaves the log as HAPI writes it.
	 */
	static void filterTheLog() {
		if (LoggerFactory.getILoggerFactory() instanceof LoggerContext logback) {
			Logger hapisServer = logback.getLogger(RestfulServer.class);
			if (hapisServer.getAppender(AnsweredErrorLogFilter.NAME) == null) {
				AnsweredErrorLogFilter filter = new AnsweredErrorLogFilter(logback.getLogger(RestfulServer.class.getPackageName()));
				filter.setContext(logback);
				filter.start();
				hapisServer.addAppender(filter);
				hapisServer.setAdditive(false);
			}
		}
	}

	/**
	 * The only appender of HAPI's server logger: passes each entry on to the appenders above it, but HAPI-2544 for the
	 * exception this thread's request was just answered with as a page.
	 *
	 * <p>An appender rather than a turbo filter: Logback asks every turbo filter before every entry of every logger,
	 * written or not (~550 times for one FHIR create, ~1,100 for a search); an appender sees only what this one logger
	 * writes.
	 */
	static final class AnsweredErrorLogFilter extends UnsynchronizedAppenderBase<ILoggingEvent> {

		static final String NAME = "onetrip-answered-browser-errors";
		private static final String HANDLING_THREW = Msg.code(2544);

		/** Where the entry would have gone: the logger above HAPI's, which passes it up as every logger does. */
		private final Logger above;

		AnsweredErrorLogFilter(Logger above) {
			this.above = above;
			setName(NAME);
		}

		@Override
		protected void append(ILoggingEvent entry) {
			if (!answeredWithAPage(entry)) {
				above.callAppenders(entry);
			}
		}

		static boolean answeredWithAPage(ILoggingEvent entry) {
			BaseServerResponseException answered = ANSWERED_WITH_A_PAGE.get();
			if (answered == null || entry.getLevel() != Level.ERROR || entry.getMessage() == null
					|| !entry.getMessage().startsWith(HANDLING_THREW)
					|| !(entry.getThrowableProxy() instanceof ThrowableProxy thrown)) {
				return false;
			}
			// The exception as thrown: the answer itself, or what an interceptor turned into it.
			Throwable logged = thrown.getThrowable();
			return logged == answered || logged == answered.getCause();
		}
	}
}
