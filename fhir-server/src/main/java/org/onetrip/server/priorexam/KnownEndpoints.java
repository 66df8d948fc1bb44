package org.onetrip.server.priorexam;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Endpoint;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The Endpoints that index records point at (where a study's images are retrieved), read once and kept: every
 * ImagingStudy names the same few, and reading one through HAPI for each study was a quarter of the DICOM-to-FHIR
 * sync's time. A write of an Endpoint on this server forgets it when the write commits; one written through another
 * server on the same database is read again after {@link #KEPT_FOR} at most.
 */
final class KnownEndpoints implements Function<String, Optional<Endpoint>> {

	static final Duration KEPT_FOR = Duration.ofSeconds(30);

	private record Kept(Optional<Endpoint> endpoint, Instant readAt) {}

	private final Function<String, Optional<Endpoint>> read;
	private final Clock clock;
	private final ConcurrentHashMap<String, Kept> kept = new ConcurrentHashMap<>();

	KnownEndpoints(Function<String, Optional<Endpoint>> read, Clock clock) {
		this.read = read;
		this.clock = clock;
	}

	/** @param reference "Endpoint/id" */
	@Override
	public Optional<Endpoint> apply(String reference) {
		Instant now = clock.instant();
		Kept known = kept.get(reference);
		if (known != null && known.readAt().plus(KEPT_FOR).isAfter(now)) {
			return known.endpoint().map(Endpoint::copy);
		}
		Optional<Endpoint> endpoint = read.apply(reference);
		kept.put(reference, new Kept(endpoint.map(Endpoint::copy), now));
		return endpoint;
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
	public void created(IBaseResource resource) {
		forgetOnCommit(resource);
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
	public void updated(IBaseResource oldResource, IBaseResource newResource) {
		forgetOnCommit(newResource);
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
	public void deleted(IBaseResource resource) {
		forgetOnCommit(resource);
	}

	/** Forgotten now and again after the commit, so a read between the two cannot keep the old version. */
	private void forgetOnCommit(IBaseResource resource) {
		if (!(resource instanceof Endpoint)) {
			return;
		}
		String reference = "Endpoint/" + resource.getIdElement().getIdPart();
		kept.remove(reference);
		if (TransactionSynchronizationManager.isSynchronizationActive()) {
			TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
				@Override
				public void afterCompletion(int status) {
					kept.remove(reference);
				}
			});
		}
	}
}
