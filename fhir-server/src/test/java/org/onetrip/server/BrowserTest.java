package org.onetrip.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** A server test that also drives a real browser (Debian's chromium), one per test class. */
public abstract class BrowserTest extends ServerTest {

	protected static BrowserSession browser;

	@BeforeAll
	static void startBrowser() {
		browser = new BrowserSession();
	}

	@AfterAll
	static void stopBrowser() {
		if (browser != null) {
			browser.close();
			browser = null;
		}
	}
}
