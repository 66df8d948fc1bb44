package org.onetrip.server.inputcheck;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementCompositeDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementDefinition;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeChildDeclaredExtensionDefinition;
import ca.uhn.fhir.context.RuntimeChildExtension;
import ca.uhn.fhir.context.RuntimeChildUndeclaredExtensionDefinition;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * Refuses a resource that lacks an element the FHIR R4 specification makes mandatory
 * (minimum cardinality 1) anywhere in its tree, e.g. an Observation without status or code.
 *
 * <p>Full profile validation costs milliseconds per resource; this walk costs microseconds, so every
 * write is checked, including each entry of a transaction, before anything is stored.
 */
@Interceptor
public class RequiredElementsCheck {

	private final FhirContext fhirContext;
	/** A child worth looking at ({@link #mayLackSomething}), with its name as it appears in a path. */
	private record Looked(BaseRuntimeChildDefinition child, String name, boolean required) {}

	/**
	 * Per type, the children worth looking at: decided once, so a walk does not ask about every child of every element
	 * again (with streams and renamed paths per element, the walk was 2.9 % of a Synthea load's request CPU).
	 */
	private final Map<BaseRuntimeElementCompositeDefinition<?>, List<Looked>> lookedAt = new ConcurrentHashMap<>();

	public RequiredElementsCheck(FhirContext fhirContext) {
		this.fhirContext = fhirContext;
	}

	@Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
	public void beforeCreate(IBaseResource resource) {
		check(resource);
	}

	@Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
	public void beforeUpdate(IBaseResource oldResource, IBaseResource newResource) {
		check(newResource);
	}

	void check(IBaseResource resource) {
		List<String> missing = missingRequiredElements(resource);
		if (missing.isEmpty()) {
			return;
		}
		OperationOutcome outcome = new OperationOutcome();
		for (String path : missing) {
			outcome.addIssue()
					.setSeverity(OperationOutcome.IssueSeverity.ERROR)
					.setCode(OperationOutcome.IssueType.REQUIRED)
					.setDiagnostics(path + " is required (minimum cardinality 1) but is missing")
					.addExpression(path);
		}
		throw new UnprocessableEntityException(
				resource.fhirType() + " is missing required element(s): " + String.join(", ", missing), outcome);
	}

	public List<String> missingRequiredElements(IBaseResource resource) {
		List<String> missing = new ArrayList<>();
		BaseRuntimeElementCompositeDefinition<?> definition = fhirContext.getResourceDefinition(resource);
		walk(resource, definition, resource.fhirType(), missing);
		return missing;
	}

	private List<Looked> lookedAt(BaseRuntimeElementCompositeDefinition<?> definition) {
		List<Looked> known = lookedAt.get(definition);
		if (known == null) {
			known = definition.getChildren().stream().filter(this::mayLackSomething)
					.map(child -> new Looked(child, child.getElementName().replace("[x]", ""), child.getMin() > 0)).toList();
			lookedAt.put(definition, known);
		}
		return known;
	}

	private void walk(IBase element, BaseRuntimeElementCompositeDefinition<?> definition, String path, List<String> missing) {
		for (Looked looked : lookedAt(definition)) {
			List<IBase> values = looked.child().getAccessor().getValues(element);
			if (looked.required() && allEmpty(values)) {
				missing.add(path + "." + looked.name());
				continue;
			}
			for (IBase value : values) {
				if (value instanceof IBaseResource contained) {
					if (!contained.isEmpty()) {
						walk(contained, fhirContext.getResourceDefinition(contained), path + "." + looked.name(), missing);
					}
				} else if (value != null && looked.child().getChildElementDefinitionByDatatype(value.getClass())
						instanceof BaseRuntimeElementCompositeDefinition<?> composite && !value.isEmpty()) {
					walk(value, composite, path + "." + looked.name(), missing);
				}
			}
		}
	}

	private static boolean allEmpty(List<IBase> values) {
		for (IBase value : values) {
			if (value != null && !value.isEmpty()) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Whether a child can be missing or hold something that can: it is required itself, or one of its types has a
	 * required element somewhere below, or it holds resources. Most children (codings, identifiers, references,
	 * periods, plain values) are none of these and are not looked at: walking every element of every resource was 3 %
	 * of the FHIR ingest's CPU. Asked once per child, when its type's list is made ({@link #lookedAt}).
	 */
	private boolean mayLackSomething(BaseRuntimeChildDefinition child) {
		// An id is never required, and a resource's own id is assigned by the server.
		return !child.getElementName().equals("id") && (child.getMin() > 0 || reachesARequirement(child));
	}

	/**
	 * Every composite type reachable below the child, depth first, looking for one with a required element (other
	 * than {@code id}) or for a place that holds resources. Types are shared and recursive (Extension holds Extension,
	 * Reference holds Identifier which holds Reference), so the search keeps the types it has seen.
	 */
	private boolean reachesARequirement(BaseRuntimeChildDefinition start) {
		Deque<BaseRuntimeChildDefinition> children = new ArrayDeque<>(List.of(start));
		Set<BaseRuntimeElementDefinition<?>> seen = new HashSet<>();
		while (!children.isEmpty()) {
			BaseRuntimeChildDefinition child = children.pop();
			if (child instanceof RuntimeChildExtension || child instanceof RuntimeChildUndeclaredExtensionDefinition
					|| child instanceof RuntimeChildDeclaredExtensionDefinition) {
				return true; // an extension's value may be of any type, some with required elements
			}
			Set<String> names = child.getValidChildNames();
			if (names == null || names.isEmpty()) {
				return true; // a child whose types HAPI does not list: looked at, as before
			}
			for (String name : names) {
				BaseRuntimeElementDefinition<?> type = child.getChildByName(name);
				if (type == null || type instanceof RuntimeResourceDefinition
						|| type.getChildType() == BaseRuntimeElementDefinition.ChildTypeEnum.CONTAINED_RESOURCE_LIST
						|| type.getChildType() == BaseRuntimeElementDefinition.ChildTypeEnum.CONTAINED_RESOURCES
						|| type.getChildType() == BaseRuntimeElementDefinition.ChildTypeEnum.RESOURCE) {
					return true;
				}
				if (type instanceof BaseRuntimeElementCompositeDefinition<?> composite && seen.add(composite)) {
					for (BaseRuntimeChildDefinition below : composite.getChildren()) {
						if (below.getMin() > 0 && !below.getElementName().equals("id")) {
							return true;
						}
						children.push(below);
					}
				}
			}
		}
		return false;
	}
}
