package org.onetrip.server.hapi;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.onetrip.server.hapi.WorkflowHandler.Write;
import org.onetrip.server.hapi.WorkflowHandler.Write.Kind;

/**
 * The one HAPI adapter for workflow: HAPI's storage pointcuts become {@link Write}s, given to the handlers of the
 * written resource's type in their declared {@link WorkflowHandler.Stage} order, and the FHIR writes they ask for are
 * made in the same transaction. Registered on the JPA storage interceptors, so every write path goes through it.
 */
@Interceptor
public final class WorkflowPipeline {

	private final Map<String, List<WorkflowHandler>> handlersByType;
	private final DaoRegistry daos;
	/** The transaction's persistence context: effects are flushed as they are written (see {@link WorkflowEffects#apply}). */
	private final jakarta.persistence.EntityManager entityManager;

	public WorkflowPipeline(List<WorkflowHandler> handlers, DaoRegistry daos, jakarta.persistence.EntityManager entityManager) {
		this.daos = daos;
		this.entityManager = entityManager;
		Map<String, List<WorkflowHandler>> byType = new HashMap<>();
		handlers.stream().sorted(Comparator.comparing(WorkflowHandler::stage)).forEach(handler ->
				handler.resourceTypes().forEach(type -> byType.computeIfAbsent(type, t -> new java.util.ArrayList<>()).add(handler)));
		byType.replaceAll((type, list) -> List.copyOf(list));
		this.handlersByType = Map.copyOf(byType);
	}

	/** Which handlers run on a write of this type, in order: what ARCHITECTURE.md's pipeline table shows. */
	public List<WorkflowHandler> handlersOf(String resourceType) {
		return handlersByType.getOrDefault(resourceType, List.of());
	}

	@Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
	public void beforeCreate(IBaseResource resource, RequestDetails request) {
		for (WorkflowHandler handler : handlersOf(resource.fhirType())) {
			handler.beforeStorage(new Write(Kind.CREATED, null, resource, request));
		}
	}

	@Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
	public void beforeUpdate(IBaseResource previous, IBaseResource resource, RequestDetails request) {
		for (WorkflowHandler handler : handlersOf(resource.fhirType())) {
			handler.beforeStorage(new Write(Kind.UPDATED, previous, resource, request));
		}
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
	public void created(IBaseResource resource, RequestDetails request) {
		run(new Write(Kind.CREATED, null, resource, request));
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
	public void updated(IBaseResource previous, IBaseResource resource, RequestDetails request) {
		run(new Write(Kind.UPDATED, previous, resource, request));
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
	public void deleted(IBaseResource resource, RequestDetails request) {
		run(new Write(Kind.DELETED, null, resource, request));
	}

	private void run(Write write) {
		List<WorkflowHandler> handlers = handlersOf(write.resource().fhirType());
		if (handlers.isEmpty()) {
			return;
		}
		WorkflowEffects effects = new WorkflowEffects(entityManager);
		for (WorkflowHandler handler : handlers) {
			handler.written(write, effects);
		}
		if (!effects.isEmpty()) {
			effects.apply(daos);
		}
	}
}
