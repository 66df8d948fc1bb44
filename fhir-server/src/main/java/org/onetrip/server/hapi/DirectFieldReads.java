package org.onetrip.server.hapi;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeDeclaredChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementCompositeDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementDefinition;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeChildResourceBlockDefinition;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.asm.ClassWriter;
import org.springframework.asm.MethodVisitor;
import org.springframework.asm.Opcodes;
import org.springframework.asm.Type;

/**
 * HAPI reads every element of a resource through its model's fields by reflection ({@code Field.get}): the walks that
 * find a resource's references, the JSON encoder, the search-parameter extractor and OneTrip's required-elements check
 * all go through each child definition's accessor. Since JDK 18 {@code Field.get} is a method handle call that the JIT
 * cannot inline where the field is not a constant, and HAPI's are never constants: it was 10 % of a Synthea load's
 * request-thread CPU on JDK 25 (bench/HISTORY.md, stop 46), the largest single frame.
 *
 * <p>This gives each child definition of a {@link FhirContext} an accessor that reads the field with a plain
 * {@code getfield} instead: a small hidden class per field, made the first time the field is read, in the package of
 * the class that declares it (R4's model fields are protected, so only a class of that package may read them). What
 * the accessor answers is what HAPI's answers: the field's value as a one-element list or the list itself, an empty
 * list when the field is null. Writes (the parser's) stay HAPI's. A field whose reader cannot be made keeps reflection.
 */
public final class DirectFieldReads {

	private static final Logger LOG = LoggerFactory.getLogger(DirectFieldReads.class);
	private static final String READER = Type.getInternalName(Reader.class);

	private DirectFieldReads() {}

	/** What a generated class does: one field of one model class, read without reflection. */
	public interface Reader {
		Object read(Object target);
	}

	/**
	 * Gives every child definition of the context's resources (all of them are scanned first, so that none is made
	 * later with HAPI's accessor) and of the datatypes they use a direct-read accessor.
	 *
	 * @return how many child definitions were given one
	 */
	public static int install(FhirContext context) {
		for (String resourceType : context.getResourceTypes()) {
			context.getResourceDefinition(resourceType);
		}
		Field accessorField = accessorField();
		Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
		Deque<BaseRuntimeElementDefinition<?>> toVisit = new ArrayDeque<>(context.getElementDefinitions());
		int installed = 0;
		while (!toVisit.isEmpty()) {
			BaseRuntimeElementDefinition<?> definition = toVisit.pop();
			if (!seen.add(definition) || !(definition instanceof BaseRuntimeElementCompositeDefinition<?> composite)) {
				continue;
			}
			for (BaseRuntimeChildDefinition child : composite.getChildren()) {
				// Datatypes and resources are the context's own element definitions; a backbone element (Observation's
				// component) is reached only through the child that holds it.
				if (child instanceof RuntimeChildResourceBlockDefinition block) {
					toVisit.push(block.getChildByName(block.getElementName()));
				}
				if (child instanceof BaseRuntimeDeclaredChildDefinition declared && seen.add(declared)
						&& !(declared.getAccessor() instanceof DirectAccessor)) {
					Field field = declared.getField();
					if (field.getType().isPrimitive() || Modifier.isStatic(field.getModifiers())) {
						continue;
					}
					try {
						accessorField.set(declared, List.class.equals(field.getType())
								? new DirectListAccessor(field) : new DirectPlainAccessor(field));
						installed++;
					} catch (IllegalAccessException e) {
						throw new IllegalStateException("HAPI's child accessor cannot be replaced", e);
					}
				}
			}
		}
		LOG.debug("Direct field reads for {} child definitions of {}", installed, context.getVersion().getVersion());
		return installed;
	}

	private static Field accessorField() {
		try {
			Field field = BaseRuntimeDeclaredChildDefinition.class.getDeclaredField("myAccessor");
			field.setAccessible(true);
			return field;
		} catch (NoSuchFieldException e) {
			// A HAPI upgrade renamed it: fail the start, so the upgrade is noticed here and not as a slower server.
			throw new IllegalStateException("HAPI's BaseRuntimeDeclaredChildDefinition has no myAccessor field any more", e);
		}
	}

	/** The reader of one field, made on first use; reflection if it cannot be made. */
	private abstract static sealed class DirectAccessor implements BaseRuntimeChildDefinition.IAccessor
			permits DirectPlainAccessor, DirectListAccessor {

		private final Field field;
		private volatile Reader reader;

		DirectAccessor(Field field) {
			this.field = field;
		}

		final Object read(IBase target) {
			Reader known = reader;
			if (known == null) {
				known = readerOf(field);
				reader = known;
			}
			return known.read(target);
		}
	}

	private static final class DirectPlainAccessor extends DirectAccessor {
		DirectPlainAccessor(Field field) {
			super(field);
		}

		@Override
		public List<IBase> getValues(IBase target) {
			Object value = read(target);
			return value == null ? Collections.emptyList() : Collections.singletonList((IBase) value);
		}

		@Override
		@SuppressWarnings("unchecked")
		public <T extends IBase> Optional<T> getFirstValueOrNull(IBase target) {
			return Optional.ofNullable((T) read(target));
		}
	}

	private static final class DirectListAccessor extends DirectAccessor {
		DirectListAccessor(Field field) {
			super(field);
		}

		@Override
		@SuppressWarnings("unchecked")
		public List<IBase> getValues(IBase target) {
			List<IBase> values = (List<IBase>) read(target);
			return values == null ? Collections.emptyList() : values;
		}
	}

	/** A hidden class in the field's own package whose {@code read} is {@code return ((Declaring) target).field}. */
	static Reader readerOf(Field field) {
		Class<?> declaring = field.getDeclaringClass();
		try {
			MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(declaring, MethodHandles.lookup());
			Class<?> readerClass = lookup.defineHiddenClass(readerBytes(field), true).lookupClass();
			return (Reader) MethodHandles.privateLookupIn(readerClass, lookup).findConstructor(readerClass,
					java.lang.invoke.MethodType.methodType(void.class)).invoke();
		} catch (Throwable e) {
			LOG.debug("No direct reader for {}.{}: reflection stays", declaring.getName(), field.getName(), e);
			return target -> {
				try {
					return field.get(target);
				} catch (IllegalAccessException denied) {
					throw new IllegalStateException(denied);
				}
			};
		}
	}

	private static byte[] readerBytes(Field field) {
		String owner = Type.getInternalName(field.getDeclaringClass());
		String packagePrefix = owner.substring(0, owner.lastIndexOf('/') + 1);
		ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_MAXS);
		writer.visit(Opcodes.V11, Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL | Opcodes.ACC_SUPER,
				packagePrefix + "OneTripFieldReader", null, "java/lang/Object", new String[] {READER});
		MethodVisitor constructor = writer.visitMethod(Opcodes.ACC_PUBLIC, "<init>", "()V", null, null);
		constructor.visitCode();
		constructor.visitVarInsn(Opcodes.ALOAD, 0);
		constructor.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
		constructor.visitInsn(Opcodes.RETURN);
		constructor.visitMaxs(0, 0);
		constructor.visitEnd();
		MethodVisitor read = writer.visitMethod(Opcodes.ACC_PUBLIC, "read", "(Ljava/lang/Object;)Ljava/lang/Object;", null, null);
		read.visitCode();
		read.visitVarInsn(Opcodes.ALOAD, 1);
		read.visitTypeInsn(Opcodes.CHECKCAST, owner);
		read.visitFieldInsn(Opcodes.GETFIELD, owner, field.getName(), Type.getDescriptor(field.getType()));
		read.visitInsn(Opcodes.ARETURN);
		read.visitMaxs(0, 0);
		read.visitEnd();
		writer.visitEnd();
		return writer.toByteArray();
	}
}
