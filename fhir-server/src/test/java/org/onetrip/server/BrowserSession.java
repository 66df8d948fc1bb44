package org.onetrip.server;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Playwright;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A real headless browser for page tests: Debian's chromium (/usr/bin/chromium, installed by ./onetrip test), driven
 * by Playwright, which is told never to download a browser of its own. One per test class; each test opens its own
 * context (its own cookies), phone-sized by default.
 */
public final class BrowserSession implements AutoCloseable {

	public static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("ONETRIP_CHROMIUM", "/usr/bin/chromium"));

	private final Playwright playwright;
	private final Browser browser;

	public BrowserSession() {
		if (!Files.isExecutable(CHROMIUM)) {
			throw new IllegalStateException(CHROMIUM + " is missing: ./onetrip test installs Debian's chromium package");
		}
		playwright = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
		browser = playwright.chromium().launch(new BrowserType.LaunchOptions().setExecutablePath(CHROMIUM).setHeadless(true)
				.setArgs(List.of("--headless", "--no-sandbox", "--disable-background-networking", "--disable-component-update",
						"--disable-gpu", "--no-first-run", "--disable-sync")));
	}

	/** A fresh browser profile the size of a phone, in this language (Accept-Language), on the region's clock. */
	public BrowserContext phone(String locale) {
		return browser.newContext(new Browser.NewContextOptions().setLocale(locale).setViewportSize(390, 844)
				.setTimezoneId("Asia/Shanghai"));
	}

	/** For the README's pictures: target/screenshots/NAME.png, the whole page as the test left it. */
	public static void screenshot(com.microsoft.playwright.Page page, String name) {
		// The whole page, down to 2,000 pixels: enough for the README, not a long timeline's megabytes.
		int height = Math.min(2000, ((Number) page.evaluate("() => document.documentElement.scrollHeight")).intValue());
		page.screenshot(new com.microsoft.playwright.Page.ScreenshotOptions().setFullPage(true)
				.setClip(0, 0, page.viewportSize().width, height).setPath(Path.of("target", "screenshots", name + ".png")));
	}

	@Override
	public void close() {
		browser.close();
		playwright.close();
	}
}
