package org.onetrip.server.hapi;

import ca.uhn.fhir.context.BaseRuntimeElementDefinition;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.entity.StorageSettings;
import ca.uhn.fhir.jpa.searchparam.extractor.SearchParamExtractorR4;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.lang3.StringUtils;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IBaseBundle;
import org.hl7.fhir.instance.model.api.IBaseExtension;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ResourceType;

/**
 * HAPI's R4 search-parameter extractor, with the simple paths walked directly instead of by the FHIRPath engine.
 *
 * <p>HAPI evaluates every path of every search parameter of every stored resource with the FHIRPath engine: a cache
 * lookup of the parsed expression, an execution context, a type-definition lookup for the path's root, lists at each
 * step, and before that a split of the expression on {@code |}. Nearly all of R4's paths are plain navigation
 * ({@code Observation.code}), a choice narrowed to one type ({@code (Observation.value as Quantity)},
 * {@code Condition.onset.as(Age)}) or a reference narrowed to a target type
 * ({@code Observation.subject.where(resolve() is Patient)}). R4's registry also gives many parameters one expression
 * over many resource types, and HAPI evaluates each part on every resource: ~2,000 path evaluations per Synthea
 * resource, nearly all rooted at another type, which find nothing. Walked, a Synthea load allocated 22 % less and used
 * 8-9 % less JVM CPU per resource (bench/HISTORY.md, 2026-12-05 stop 48).
 *
 * <p>Here such a path is compiled once into steps that do what the engine does for it, through the same model calls
 * ({@link Base#listChildrenByName}), so the values found are the same objects in the same order (an id, which the
 * engine copies, an equal copy). Anything else, and
 * every case whose answer would depend on the engine's type definitions or reference resolution (a subtype of the
 * narrowed type, a contained or bundled reference, a reference to a type R4 does not know), is answered by HAPI's
 * FHIRPath evaluation as before, for that path and resource. {@code WalkedSearchParamPathsTest} compares both ways.
 */
public class WalkedSearchParamPaths extends SearchParamExtractorR4 {

	/** R4's datatypes whose type definitions derive from another datatype: {@code as(T)} also matches these for T. */
	private static final Map<String, Set<String>> R4_SUBTYPES = Map.of(
			"Quantity", Set.of("Age", "Count", "Distance", "Duration", "MoneyQuantity", "SimpleQuantity"),
			"string", Set.of("code", "id", "markdown"),
			"uri", Set.of("canonical", "oid", "url", "uuid"),
			"integer", Set.of("positiveInt", "unsignedInt"));
	/** Types every element or resource derives from: narrowing to them is left to the engine. */
	private static final Set<String> ABSTRACT_TYPES = Set.of("Element", "BackboneElement", "DataType", "BackboneType",
			"PrimitiveType", "Resource", "DomainResource", "CanonicalResource", "MetadataResource", "Base");
	/** FHIRPath's operators and keywords: a step with one of these names is not a plain child. */
	private static final Set<String> KEYWORDS = Set.of("and", "or", "xor", "implies", "is", "as", "in", "contains",
			"div", "mod", "true", "false");
	private static final Pattern OPERATOR_AS = Pattern.compile("\\((.+) as ([A-Za-z]+)\\)((?:\\.[a-z][A-Za-z0-9]*)*)");
	private static final Pattern ROOT = Pattern.compile("[A-Z][A-Za-z]*");
	private static final Pattern CHILD = Pattern.compile("[a-z][A-Za-z0-9]*");
	private static final Pattern FUNCTION_AS = Pattern.compile("as\\(([A-Za-z]+)\\)");
	private static final Pattern WHERE_RESOLVES_TO = Pattern.compile("where\\(resolve\\(\\) is ([A-Z][A-Za-z]*)\\)");

	/** Each search parameter's expression split as HAPI splits it. Keys are the registry's expressions: a bounded set. */
	private final Map<String, String[]> splitExpressions = new ConcurrentHashMap<>();
	/** Each path compiled, or {@link #NOT_WALKED}: the engine answers it. */
	private final Map<String, Walk> walks = new ConcurrentHashMap<>();

	public WalkedSearchParamPaths() {}

	/** For tests: an extractor without a Spring context, as HAPI's own constructor makes one. */
	public WalkedSearchParamPaths(StorageSettings storageSettings, PartitionSettings partitionSettings, FhirContext context,
			ISearchParamRegistry searchParamRegistry) {
		super(storageSettings, partitionSettings, context, searchParamRegistry);
	}

	/**
	 * HAPI's split, made once per expression, with each part trimmed: HAPI trims every part before it evaluates it, and
	 * a part that needs no trimming stays the same string, whose hash is known (a new string per part per resource
	 * otherwise: 2,000 of them for a Synthea resource).
	 */
	@Override
	public String[] split(String expression) {
		if (expression == null) {
			return super.split(null);
		}
		// A copy each time: HAPI's callers own the array they are given.
		return splitExpressions.computeIfAbsent(expression, this::splitAndTrim).clone();
	}

	private String[] splitAndTrim(String expression) {
		String[] parts = super.split(expression);
		for (int i = 0; i < parts.length; i++) {
			parts[i] = parts[i].trim();
		}
		return parts;
	}

	@Override
	public List<IBase> extractValues(String paths, IBase resource) {
		if (StringUtils.isBlank(paths) || !(resource instanceof Base base)) {
			return super.extractValues(paths, resource);
		}
		Walk walk = walks.computeIfAbsent(paths, this::compile);
		List<Base> found = walk == NOT_WALKED ? null : walk.from(base);
		if (found == null) {
			return super.extractValues(paths, resource);
		}
		List<IBase> values = new ArrayList<>(found.size());
		for (Base value : found) {
			// As HAPI does: a value found in an extension is the extension's value.
			values.add(value instanceof IBaseExtension<?, ?> extension ? extension.getValue() : value);
		}
		return values;
	}

	/** The steps of a path that needs no FHIRPath engine, or {@link #NOT_WALKED}. */
	Walk compile(String paths) {
		String[] split = split(paths);
		if (split.length != 1) {
			return NOT_WALKED;
		}
		String path = split[0];
		List<Step> steps = new ArrayList<>();
		Matcher operatorAs = OPERATOR_AS.matcher(path);
		String chain = path;
		String narrowedTo = null;
		String after = "";
		if (operatorAs.matches()) {
			chain = operatorAs.group(1).trim();
			narrowedTo = operatorAs.group(2);
			after = operatorAs.group(3);
		}
		String[] names = chain.split("\\.", -1);
		if (!ROOT.matcher(names[0]).matches()) {
			return NOT_WALKED;
		}
		String root = names[0];
		for (int i = 1; i < names.length; i++) {
			Step step = step(names[i]);
			if (step == null) {
				return NOT_WALKED;
			}
			steps.add(step);
		}
		if (narrowedTo != null) {
			if (!isConcreteType(narrowedTo)) {
				return NOT_WALKED;
			}
			steps.add(new OperatorAs(narrowedTo));
			for (String name : after.isEmpty() ? new String[0] : after.substring(1).split("\\.")) {
				Step step = step(name);
				if (step == null) {
					return NOT_WALKED;
				}
				steps.add(step);
			}
		}
		boolean rootIsAResourceType = getContext().getResourceTypes().contains(root);
		return new Walk(root, steps.toArray(Step[]::new), rootIsAResourceType);
	}

	private Step step(String text) {
		if (CHILD.matcher(text).matches()) {
			return KEYWORDS.contains(text) ? null : new Child(text);
		}
		Matcher functionAs = FUNCTION_AS.matcher(text);
		if (functionAs.matches()) {
			return isConcreteType(functionAs.group(1)) ? new FunctionAs(functionAs.group(1)) : null;
		}
		Matcher whereResolves = WHERE_RESOLVES_TO.matcher(text);
		if (whereResolves.matches() && getContext().getResourceTypes().contains(whereResolves.group(1))) {
			return new WhereResolvesTo(whereResolves.group(1));
		}
		return null;
	}

	/** A datatype or resource type R4 knows by exactly this name, and not one that others derive from as a whole. */
	private boolean isConcreteType(String name) {
		if (ABSTRACT_TYPES.contains(name)) {
			return false;
		}
		if (getContext().getResourceTypes().contains(name)) {
			return true;
		}
		BaseRuntimeElementDefinition<?> definition = getContext().getElementDefinition(name);
		return definition != null && definition.getName().equals(name);
	}

	/** One step of a walk: the values it leads to from the values before it, or null when the engine must decide. */
	private interface Step {
		List<Base> from(List<Base> focus, Base resource);
	}

	/**
	 * Navigation to a child by name: what the engine's {@code getChildrenByName} does without polymorphic names (HAPI's
	 * setting).
	 */
	private record Child(String name) implements Step {
		@Override
		public List<Base> from(List<Base> focus, Base resource) {
			List<Base> children = new ArrayList<>();
			for (Base item : focus) {
				Base[] values = item.listChildrenByName(name, false);
				if (values != null) {
					for (Base value : values) {
						if (value != null) {
							children.add(value instanceof IIdType id
									// As the engine does: an id is found as its bare id part, in a new object.
									? (Base) id.toUnqualifiedVersionless().withResourceType(null) : value);
						}
					}
				}
			}
			return children;
		}
	}

	/** {@code (x as T)}: R4's engine compares the type names ignoring case, with no subtypes. */
	private record OperatorAs(String type) implements Step {
		@Override
		public List<Base> from(List<Base> focus, Base resource) {
			List<Base> narrowed = new ArrayList<>(1);
			for (Base item : focus) {
				if (type.equalsIgnoreCase(item.fhirType())) {
					narrowed.add(item);
				}
			}
			return narrowed;
		}
	}

	/** {@code x.as(T)}: the type itself, or one derived from it (left to the engine, which reads type definitions). */
	private record FunctionAs(String type) implements Step {
		@Override
		public List<Base> from(List<Base> focus, Base resource) {
			List<Base> narrowed = new ArrayList<>(1);
			for (Base item : focus) {
				String itemType = item.fhirType();
				if (type.equals(itemType)) {
					narrowed.add(item);
				} else if (type.equalsIgnoreCase(itemType) || R4_SUBTYPES.getOrDefault(type, Set.of()).contains(itemType)) {
					return null;
				}
			}
			return narrowed;
		}
	}

	/**
	 * {@code x.where(resolve() is T)}: HAPI's engine resolves a reference to a stand-in of the type its URL names
	 * ({@code Patient/1}, {@code http://elsewhere/fhir/Patient/1}) and nothing for a URL without a type. A contained
	 * ({@code #id}) reference, a reference inside a Bundle being indexed, anything but a Reference, or a type R4 does
	 * not know are left to the engine.
	 */
	private record WhereResolvesTo(String type) implements Step {
		@Override
		public List<Base> from(List<Base> focus, Base resource) {
			if (resource instanceof IBaseBundle) {
				return null;
			}
			List<Base> matching = new ArrayList<>(1);
			for (Base item : focus) {
				if (!(item instanceof Reference reference)) {
					return null;
				}
				String url = reference.getReference();
				if (url == null) {
					if (reference.hasReferenceElement()) {
						return null;
					}
					continue;
				}
				if (url.startsWith("#")) {
					return null;
				}
				String targetType = new IdType(url).getResourceType();
				if (StringUtils.isBlank(targetType)) {
					continue;
				}
				try {
					ResourceType.fromCode(targetType);
				} catch (RuntimeException unknownType) {
					return null;
				}
				if (targetType.equals(type)) {
					matching.add(item);
				}
			}
			return matching;
		}
	}

	/** A compiled path: its root type and steps. */
	static final class Walk {
		private final String root;
		private final Step[] steps;
		private final boolean rootIsAResourceType;

		Walk(String root, Step[] steps, boolean rootIsAResourceType) {
			this.root = root;
			this.steps = steps;
			this.rootIsAResourceType = rootIsAResourceType;
		}

		/** The values the path leads to in this resource, or null when the engine must answer. */
		List<Base> from(Base resource) {
			if (!startsAt(resource)) {
				// R4's expressions name several resource types (clinical-patient: "AllergyIntolerance.patient |
				// CarePlan.subject.where(resolve() is Patient) | ..."), and HAPI evaluates each part on every resource the
				// parameter is for: one rooted at another resource type finds nothing, as in the engine (no resource type
				// derives from another). A root that is not a resource type is the engine's to judge.
				return rootIsAResourceType ? new ArrayList<>(0) : null;
			}
			List<Base> focus = new ArrayList<>(1);
			focus.add(resource);
			try {
				for (Step step : steps) {
					focus = step.from(focus, resource);
					if (focus == null) {
						return null;
					}
				}
			} catch (RuntimeException modelRefused) {
				// The engine reports what the model throws in HAPI's words.
				return null;
			}
			return focus;
		}

		/** The engine's start: the resource's own type, or the abstract types every resource derives from. */
		private boolean startsAt(Base resource) {
			return root.equals(resource.fhirType())
					|| (root.equals("Resource") && resource instanceof Resource)
					|| (root.equals("DomainResource") && resource instanceof DomainResource);
		}

		boolean isWalked() {
			return this != NOT_WALKED;
		}
	}

	/** The marker for a path the engine answers. */
	static final Walk NOT_WALKED = new Walk("", new Step[0], false);
}
