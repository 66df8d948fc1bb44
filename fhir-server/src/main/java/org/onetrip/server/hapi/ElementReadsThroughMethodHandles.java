package org.onetrip.server.hapi;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeDeclaredChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementCompositeDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementDefinition;
import ca.uhn.fhir.context.FhirContext;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HAPI's model elements read through method handles instead of {@link Field#get}.
 *
 * <p>Why: HAPI reads a resource's elements through {@code Field.get} whenever it walks one: to encode it, to find its
 * references, to extract its search parameters. Since Java 22 {@code Field.get} runs through a method handle behind
 * extra checks: ~11 ns a read on this machine against ~5 ns for the same method handle called directly (and ~5 ns for
 * {@code Field.get} on Java 17). Those reads were 10 % of the request threads' CPU in a Synthea load on Java 25
 * (bench/HISTORY.md, 2026-12-04 stop 42).
 *
 * <p>How: each declared child definition's accessor is replaced by one that reads the same field through a method
 * handle, with HAPI's own semantics (an absent element is an empty list; a single element a one-element list). HAPI
 * offers no way to choose the accessor, so this writes the definition's private field once, at start-up, after HAPI has
 * scanned the model. Should a HAPI upgrade change those internals, HAPI's own accessors stay and the log says so.
 */
public final class ElementReadsThroughMethodHandles {

	private static final Logger log = LoggerFactory.getLogger(ElementReadsThroughMethodHandles.class);
	private static final MethodType READ = MethodType.methodType(Object.class, IBase.class);

	private ElementReadsThroughMethodHandles() {
	}

	/** Replaces the accessors of every element HAPI knows for this context; returns how many it replaced. */
	public static int install(FhirContext context) {
		Field accessorField;
		try {
			accessorField = BaseRuntimeDeclaredChildDefinition.class.getDeclaredField("myAccessor");
			accessorField.setAccessible(true);
		} catch (ReflectiveOperationException | RuntimeException e) {
			log.warn("HAPI's element accessors are kept (its model definitions changed: {}); element reads stay slower", e.toString());
			return 0;
		}
		// Every resource type scanned now, so that the types a request meets later are covered too.
		for (String type : context.getResourceTypes()) {
			context.getResourceDefinition(type);
		}
		int replaced = 0;
		for (BaseRuntimeElementDefinition<?> element : new ArrayList<>(context.getElementDefinitions())) {
			if (element instanceof BaseRuntimeElementCompositeDefinition<?> composite) {
				for (BaseRuntimeChildDefinition child : composite.getChildren()) {
					if (child instanceof BaseRuntimeDeclaredChildDefinition declared && replace(declared, accessorField)) {
						replaced++;
					}
				}
			}
		}
		log.debug("{} element accessors read through method handles", replaced);
		return replaced;
	}

	private static boolean replace(BaseRuntimeDeclaredChildDefinition child, Field accessorField) {
		Field field = child.getField();
		String kind = child.getAccessor() == null ? "" : child.getAccessor().getClass().getSimpleName();
		if (field == null || Modifier.isStatic(field.getModifiers())
				|| !(kind.equals("FieldPlainAccessor") || kind.equals("FieldListAccessor"))) {
			return false;
		}
		try {
			MethodHandle read = MethodHandles.privateLookupIn(field.getDeclaringClass(), MethodHandles.lookup())
					.unreflectGetter(field).asType(READ);
			accessorField.set(child, kind.equals("FieldListAccessor") ? new ListElement(read) : new SingleElement(read));
			return true;
		} catch (ReflectiveOperationException | RuntimeException e) {
			log.debug("HAPI's accessor kept for {}: {}", field, e.toString());
			return false;
		}
	}

	private static Object read(MethodHandle read, IBase target) {
		try {
			return (Object) read.invokeExact(target);
		} catch (RuntimeException | Error e) {
			throw e;
		} catch (Throwable e) {
			throw new IllegalStateException(e);
		}
	}

	/** An element that occurs at most once: as HAPI's, absent is an empty list. */
	private record SingleElement(MethodHandle read) implements BaseRuntimeChildDefinition.IAccessor {
		@Override
		public List<IBase> getValues(IBase target) {
			Object value = ElementReadsThroughMethodHandles.read(read, target);
			return value == null ? Collections.emptyList() : Collections.singletonList((IBase) value);
		}

		@Override
		@SuppressWarnings("unchecked")
		public <T extends IBase> Optional<T> getFirstValueOrNull(IBase target) {
			return Optional.ofNullable((T) ElementReadsThroughMethodHandles.read(read, target));
		}
	}

	/** A repeating element: the model's own list, or an empty one while it has none. */
	private record ListElement(MethodHandle read) implements BaseRuntimeChildDefinition.IAccessor {
		@Override
		@SuppressWarnings("unchecked")
		public List<IBase> getValues(IBase target) {
			List<IBase> values = (List<IBase>) ElementReadsThroughMethodHandles.read(read, target);
			return values == null ? Collections.emptyList() : values;
		}
	}
}
