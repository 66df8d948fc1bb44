package org.onetrip.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * The training start of the launcher's class archive ({@code ./onetrip}, ensure_class_archive): the server starts as
 * usual, up to ready (region loaded, slots published: the classes of a real start, the FHIR servlet's included), then
 * stops cleanly, its PostgreSQL with it. Only with {@code --onetrip.training.exit-when-ready=true}.
 */
@Component
@ConditionalOnProperty(name = "onetrip.training.exit-when-ready", havingValue = "true")
public class ClassArchiveTraining {

	private static final Logger log = LoggerFactory.getLogger(ClassArchiveTraining.class);

	@EventListener(ApplicationReadyEvent.class)
	public void exitWhenReady(ApplicationReadyEvent ready) {
		log.info("Training start ready: stopping (onetrip.training.exit-when-ready)");
		System.exit(SpringApplication.exit(ready.getApplicationContext(), () -> 0));
	}
}
