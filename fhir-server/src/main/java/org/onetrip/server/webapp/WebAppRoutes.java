package org.onetrip.server.webapp;

import org.springframework.http.CacheControl;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * The web application's pages (console/, built into static/app/): every page path under /app is the same
 * index.html, and the application shows the page the path names. Paths with a dot are its files (scripts, styles),
 * served as they are by Spring's static resources; they are named by their content's hash, so they may be cached,
 * while index.html is always asked for again.
 */
@Controller
public class WebAppRoutes {

	@GetMapping({"/app", "/app/", "/app/{page:[^.]*}", "/app/{section:[^.]*}/{page:[^.]*}"})
	public ResponseEntity<org.springframework.core.io.Resource> page() {
		return ResponseEntity.ok().cacheControl(CacheControl.noCache()).contentType(org.springframework.http.MediaType.TEXT_HTML)
				.body(new org.springframework.core.io.ClassPathResource("static/app/index.html"));
	}
}
