package org.onetrip.server.inputcheck;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementCompositeDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementDefinition;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.ArrayList;
import java.util.List;
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

	private void walk(IBase element, BaseRuntimeElementCompositeDefinition<?> definition, String path, List<String> missing) {
		for (BaseRuntimeChildDefinition child : definition.getChildren()) {
			String name = child.getElementName();
			if (name.equals("id")) {
				continue;
			}
			List<IBase> values = child.getAccessor().getValues(element);
			boolean present = values.stream().anyMatch(v -> v != null && !v.isEmpty());
			if (child.getMin() > 0 && !present) {
				missing.add(path + "." + name.replace("[x]", ""));
				continue;
			}
			for (IBase value : values) {
				if (value == null || value.isEmpty()) {
					continue;
				}
				if (value instanceof IBaseResource contained) {
					walk(contained, fhirContext.getResourceDefinition(contained), path + "." + name, missing);
					continue;
				}
				BaseRuntimeElementDefinition<?> childDefinition = child.getChildElementDefinitionByDatatype(value.getClass());
				if (childDefinition instanceof BaseRuntimeElementCompositeDefinition<?> composite) {
					walk(value, composite, path + "." + name.replace("[x]", ""), missing);
				}
			}
		}
	}
}
