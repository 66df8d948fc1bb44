package org.onetrip.server.hapi;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementCompositeDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementDefinition;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.FhirVersionEnum;
import ca.uhn.fhir.context.RuntimeChildDirectResource;
import ca.uhn.fhir.context.RuntimeChildPrimitiveDatatypeDefinition;
import ca.uhn.fhir.jpa.config.r4.FhirContextR4Config;
import ca.uhn.fhir.narrative.INarrativeGenerator;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.parser.IParserErrorHandler;
import ca.uhn.fhir.parser.LenientErrorHandler;
import ca.uhn.fhir.parser.PlainOutcomeJsonParser;
import ca.uhn.fhir.util.FhirTerser;
import ca.uhn.fhir.util.ResourceReferenceInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IBaseReference;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.springframework.beans.factory.ObjectProvider;

/**
 * HAPI's R4 FHIR context, whose terser finds a resource's references and its populated elements of one type with a
 * walk of its own.
 *
 * <p>HAPI's storage walks every resource of a FHIR transaction three times for its references (the pre-fetch by id, the
 * pre-fetch of conditional URLs, the resolution before the save) and twice for populated elements of a type (URIs to
 * rewrite, inline references): 14 % of the CPU samples of a Synthea load and ~10 % of what it allocated. This walk made
 * the load allocate 18 % less; a change in CPU was too small for four runs to show (bench/HISTORY.md, 2026-12-05
 * stop 48). {@link FhirTerser}'s generic visitor does more than these questions need: it
 * copies the path list at every element, asks every element whether it is empty (a walk of the element's own subtree,
 * so the whole resource is walked again at every level) and matches every path against an empty exclusion list.
 *
 * <p>{@link DirectWalks} walks the same children in the same order and answers the same: an empty element has no
 * non-empty descendant, so only a candidate is asked whether it is empty, and the path is kept on one list, copied
 * into each reference found. The walk hands the question back to HAPI's own where HAPI's would go somewhere this one
 * does not follow: into the resource object a reference holds in memory without a server id (HAPI then walks that
 * resource too), an element definition HAPI's would refuse, or an element kind of another FHIR version.
 * {@code WalkingFhirContextTest} compares both.
 */
public class WalkingFhirContext extends FhirContext {

	/** For each type walked for, each composite's children that can hold or lead to an element of the type. */
	private final Map<Class<?>, Map<BaseRuntimeElementDefinition<?>, BaseRuntimeChildDefinition[]>> childrenToRead =
			new ConcurrentHashMap<>();

	/** FhirContext's own default, kept here too: FhirContext has no getter for the handler its parsers are given. */
	private volatile IParserErrorHandler parserErrorHandler = new LenientErrorHandler();

	public WalkingFhirContext() {
		super(FhirVersionEnum.R4);
	}

	private Map<BaseRuntimeElementDefinition<?>, BaseRuntimeChildDefinition[]> childrenToRead(Class<?> wanted) {
		return childrenToRead.computeIfAbsent(wanted, type -> new ConcurrentHashMap<>());
	}

	/** What HAPI's {@link FhirContextR4Config}'s {@code primaryFhirContext} bean makes, as this class. */
	public static FhirContext forR4(ObjectProvider<INarrativeGenerator> narrativeGenerator) {
		WalkingFhirContext context = new WalkingFhirContext();
		INarrativeGenerator generator = narrativeGenerator.getIfAvailable();
		if (generator != null) {
			context.setNarrativeGenerator(generator);
		}
		FhirContextR4Config.configureFhirContext(context);
		return context;
	}

	@Override
	public FhirTerser newTerser() {
		return new DirectWalks(this);
	}

	@Override
	public FhirContext setParserErrorHandler(IParserErrorHandler errorHandler) {
		parserErrorHandler = errorHandler;
		return super.setParserErrorHandler(errorHandler);
	}

	/** HAPI's JSON parser, writing plain OperationOutcomes (every refusal) without its encoder's walk. */
	@Override
	public IParser newJsonParser() {
		return new PlainOutcomeJsonParser(this, parserErrorHandler);
	}

	/** HAPI's terser, with the two walks HAPI's storage makes most answered by {@link Walk}. */
	public static final class DirectWalks extends FhirTerser {

		private final WalkingFhirContext context;

		public DirectWalks(WalkingFhirContext context) {
			super(context);
			this.context = context;
		}

		@Override
		public List<ResourceReferenceInfo> getAllResourceReferences(IBaseResource resource) {
			Walk walk = new Walk(context, resource, IBaseReference.class, true);
			return walk.completed() ? walk.references : super.getAllResourceReferences(resource);
		}

		@Override
		public <T extends IBase> List<T> getAllPopulatedChildElementsOfType(IBaseResource resource, Class<T> type) {
			Walk walk = new Walk(context, resource, type, false);
			if (!walk.completed()) {
				return super.getAllPopulatedChildElementsOfType(resource, type);
			}
			List<T> found = new ArrayList<>(walk.elements.size());
			walk.elements.forEach(element -> found.add(type.cast(element)));
			return found;
		}
	}

	/** One walk of one resource: the non-empty elements of a type in HAPI's order, or for references their info. */
	static final class Walk {
		private final WalkingFhirContext context;
		private final Map<BaseRuntimeElementDefinition<?>, BaseRuntimeChildDefinition[]> childrenToRead;
		private final IBaseResource owner;
		private final Class<?> wanted;
		private final boolean asReferenceInfo;
		private final List<IBase> elements = new ArrayList<>();
		private final List<ResourceReferenceInfo> references = new ArrayList<>();
		/** The names of the children from the resource to where the walk is: HAPI's path, without the copies. */
		private final ArrayList<String> path = new ArrayList<>();

		Walk(WalkingFhirContext context, IBaseResource owner, Class<?> wanted, boolean asReferenceInfo) {
			this.context = context;
			this.childrenToRead = context.childrenToRead(wanted);
			this.owner = owner;
			this.wanted = wanted;
			this.asReferenceInfo = asReferenceInfo;
		}

		/** Walks the resource; false when HAPI's own walk must answer instead. */
		boolean completed() {
			BaseRuntimeElementDefinition<?> definition = context.getResourceDefinition(owner);
			found(owner);
			return children(owner, definition);
		}

		/** HAPI's visitor: a non-empty element of the wanted type. */
		private void found(IBase element) {
			if (wanted.isInstance(element) && !element.isEmpty()) {
				if (asReferenceInfo) {
					// The path is read into a string at once: one list serves the whole walk.
					references.add(new ResourceReferenceInfo(context, owner, path, (IBaseReference) element));
				} else {
					elements.add(element);
				}
			}
		}

		private boolean children(IBase element, BaseRuntimeElementDefinition<?> definition) {
			if (definition.getChildType() == BaseRuntimeElementDefinition.ChildTypeEnum.CONTAINED_RESOURCE_LIST) {
				definition = context.getElementDefinition(element.getClass());
				if (definition == null) {
					return false;
				}
			}
			if (element instanceof IBaseReference reference && reference.getResource() != null) {
				IIdType targetId = reference.getResource().getIdElement();
				if (!targetId.hasIdPart() || targetId.isLocal()) {
					return false; // HAPI walks into the referenced resource object as well
				}
			}
			switch (definition.getChildType()) {
				case ID_DATATYPE, PRIMITIVE_DATATYPE, PRIMITIVE_XHTML, PRIMITIVE_XHTML_HL7ORG:
					return true;
				case RESOURCE, RESOURCE_BLOCK, COMPOSITE_DATATYPE:
					break;
				default:
					return false; // another FHIR version's contained list, or an element kind HAPI's walk refuses
			}
			BaseRuntimeChildDefinition[] toRead = childrenToRead.get(definition);
			if (toRead == null) {
				toRead = childrenThatCanLeadToTheWantedType((BaseRuntimeElementCompositeDefinition<?>) definition);
				childrenToRead.put(definition, toRead);
			}
			for (BaseRuntimeChildDefinition child : toRead) {
				List<? extends IBase> values = child.getAccessor().getValues(element);
				if (values == null || values.isEmpty()) {
					continue;
				}
				path.add(child.getElementName());
				for (IBase value : values) {
					if (value == null) {
						continue;
					}
					found(value);
					if (child instanceof RuntimeChildDirectResource || value instanceof IPrimitiveType<?>) {
						continue; // HAPI's walk does not go below either
					}
					BaseRuntimeElementDefinition<?> valueDefinition = child.getChildElementDefinitionByDatatype(value.getClass());
					if (valueDefinition == null) {
						valueDefinition = context.getElementDefinition(value.getClass());
					}
					if (valueDefinition == null || !children(value, valueDefinition)) {
						return false;
					}
				}
				path.remove(path.size() - 1);
			}
			return true;
		}

		/**
		 * The composite's children, in HAPI's order, less those that can only hold primitives not of the wanted type: HAPI's
		 * walk goes no further than a primitive (not into its extensions), so nothing it finds can be below one. Any other
		 * child can lead anywhere (an extension holds any type, a reference a resource object), so it stays.
		 */
		private BaseRuntimeChildDefinition[] childrenThatCanLeadToTheWantedType(
				BaseRuntimeElementCompositeDefinition<?> definition) {
			List<BaseRuntimeChildDefinition> toRead = new ArrayList<>();
			for (BaseRuntimeChildDefinition child : definition.getChildrenAndExtension()) {
				if (!holdsOnlyUnwantedPrimitives(child)) {
					toRead.add(child);
				}
			}
			return toRead.toArray(BaseRuntimeChildDefinition[]::new);
		}

		/** A child declared as one primitive type (not a choice), which neither is nor can hold the wanted type. */
		private boolean holdsOnlyUnwantedPrimitives(BaseRuntimeChildDefinition child) {
			if (!(child instanceof RuntimeChildPrimitiveDatatypeDefinition primitive)) {
				return false;
			}
			Class<?> declared = primitive.getDatatype();
			return IPrimitiveType.class.isAssignableFrom(declared) && !wanted.isAssignableFrom(declared)
					// a field of a primitive type can hold a subclass of it: the wanted type itself, say
					&& !declared.isAssignableFrom(wanted);
		}
	}
}
