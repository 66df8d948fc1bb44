package org.onetrip.server.hapi;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.IJpaDao;
import ca.uhn.fhir.jpa.model.entity.ResourceTable;
import ca.uhn.fhir.jpa.model.util.JpaConstants;
import ca.uhn.fhir.rest.api.server.storage.TransactionDetails;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import java.lang.reflect.Method;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.aopalliance.intercept.MethodInterceptor;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.springframework.aop.framework.autoproxy.AbstractBeanFactoryAwareAdvisingPostProcessor;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.StaticMethodMatcherPointcut;

/**
 * A resource created by a FHIR transaction has its search parameters extracted once, when HAPI saves it the second
 * time, instead of twice.
 *
 * <p>Why: HAPI stores a transaction's resources in two passes. The first creates each one as it arrives, its
 * {@code urn:uuid:} references still placeholders; the second rewrites those references to the ids the first pass
 * assigned and saves each resource again, extracting its search parameters and writing its index rows. The first pass
 * extracts every search parameter too, but writes no index row from them: it only sets the resource row's "has string
 * / token / ... index" flags, which the second pass sets again whenever it finds the resource changed. On a Synthea
 * load that first extraction was 12 % of the request threads' CPU (bench/HISTORY.md, 2026-12-04 stop 42).
 *
 * <p>How: HAPI skips the extraction for a resource carrying its {@link JpaConstants#RESOURCE_SKIP_INDEXING} user data.
 * This sets it on every resource a FHIR transaction creates, in the first pass. Before the second pass saves a
 * resource ({@link #secondPassAdvice}) the setting is taken off again (HAPI reads it in the second pass as "index
 * nothing"), and the row's content hash is cleared so that HAPI finds the resource changed and sets the flags from
 * the second extraction, also when no reference in it was rewritten. A resource whose second save never came fails the
 * transaction at commit rather than being stored without its index rows. As every second save now counts as a change,
 * HAPI also checks a conditional create ({@code ifNoneExist}) inside a transaction against its own condition, as it
 * always did for a single conditional create (before, only when a reference in it had been rewritten).
 *
 * <p>Nor is such a resource encoded in the first pass, where HAPI encodes it only to hash the text into the resource
 * row: {@link #awaitsSecondSave} tells {@code ca.uhn.fhir.jpa.dao.TransactionAwareResourceHistoryCalculator} to hash a
 * stand-in, and the second save's hash replaces it.
 */
@Interceptor
public class TransactionIndexedOnce {

	/** TransactionDetails user data: the transaction's resources still waiting for HAPI's second save. */
	private static final String AWAITING_SECOND_SAVE = TransactionIndexedOnce.class.getName() + ".awaiting";
	/** Resource user data: this resource is between HAPI's first and second save. */
	private static final String BEFORE_SECOND_SAVE = TransactionIndexedOnce.class.getName() + ".beforeSecondSave";

	@Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
	public void creating(IBaseResource resource, TransactionDetails transaction) {
		if (resource == null || transaction == null || !transaction.isFhirTransaction()) {
			return;
		}
		Set<IBaseResource> awaiting = transaction.getUserData(AWAITING_SECOND_SAVE);
		if (awaiting == null) {
			awaiting = Collections.newSetFromMap(new IdentityHashMap<>());
			transaction.putUserData(AWAITING_SECOND_SAVE, awaiting);
			// A transaction that fails and is tried again stores the same resource objects: none keeps the setting. HAPI
			// runs the undo actions after each failed attempt and keeps them for the next, so this is registered once.
			Set<IBaseResource> all = awaiting;
			transaction.addRollbackUndoAction(() -> {
				all.forEach(TransactionIndexedOnce::indexAsUsual);
				all.clear();
			});
		}
		resource.setUserData(JpaConstants.RESOURCE_SKIP_INDEXING, Boolean.TRUE);
		resource.setUserData(BEFORE_SECOND_SAVE, Boolean.TRUE);
		awaiting.add(resource);
	}

	/**
	 * This resource is in a FHIR transaction's first pass, and HAPI will save it again before the commit: what the first
	 * pass computes of it is replaced (see ca.uhn.fhir.jpa.dao.TransactionAwareResourceHistoryCalculator).
	 */
	public static boolean awaitsSecondSave(IBaseResource resource) {
		return Boolean.TRUE.equals(resource.getUserData(BEFORE_SECOND_SAVE));
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
	public void created(TransactionDetails transaction) {
		Set<IBaseResource> awaiting = transaction == null ? null : transaction.getUserData(AWAITING_SECOND_SAVE);
		if (awaiting != null && !awaiting.isEmpty()) {
			throw new InternalErrorException(awaiting.size() + " of a transaction's resources reached the commit without"
					+ " HAPI's second save, which writes their search index. Nothing was stored.");
		}
	}

	/** HAPI's second pass is about to save this resource again: it is indexed as usual, and found changed. */
	static void secondSave(TransactionDetails transaction, IBaseResource resource, ResourceTable row) {
		Set<IBaseResource> awaiting = transaction.getUserData(AWAITING_SECOND_SAVE);
		if (awaiting == null || !awaiting.remove(resource)) {
			return;
		}
		indexAsUsual(resource);
		row.setHashSha256(null);
	}

	private static void indexAsUsual(IBaseResource resource) {
		resource.setUserData(JpaConstants.RESOURCE_SKIP_INDEXING, null);
		resource.setUserData(BEFORE_SECOND_SAVE, null);
	}

	/**
	 * The second pass saves each created resource through its DAO's Spring proxy ({@code updateEntity}, or
	 * {@code updateInternal} for a PUT that created the resource again under a deleted id); the first pass calls the same
	 * methods from inside the DAO, past the proxy. Advising the proxies therefore catches each resource's second save,
	 * and only that.
	 */
	public static AbstractBeanFactoryAwareAdvisingPostProcessor secondPassAdvice() {
		return new SecondPassAdvice();
	}

	private static final class SecondPassAdvice extends AbstractBeanFactoryAwareAdvisingPostProcessor {

		private static final Set<String> SECOND_PASS_SAVES = Set.of("updateEntity", "updateInternal");

		SecondPassAdvice() {
			StaticMethodMatcherPointcut saves = new StaticMethodMatcherPointcut() {
				@Override
				public boolean matches(Method method, Class<?> targetClass) {
					return IJpaDao.class.isAssignableFrom(targetClass) && SECOND_PASS_SAVES.contains(method.getName());
				}
			};
			// Both methods take the resource second; the row and the TransactionDetails are found by type.
			MethodInterceptor secondSave = invocation -> {
				Object[] arguments = invocation.getArguments();
				TransactionDetails transaction = null;
				ResourceTable row = null;
				for (Object argument : arguments) {
					if (argument instanceof TransactionDetails t) {
						transaction = t;
					} else if (argument instanceof ResourceTable r) {
						row = r;
					}
				}
				if (transaction != null && row != null && arguments[1] instanceof IBaseResource resource) {
					secondSave(transaction, resource, row);
				}
				return invocation.proceed();
			};
			this.advisor = new DefaultPointcutAdvisor(saves, secondSave);
			setBeforeExistingAdvisors(true);
			// HAPI's DAOs are class-based (CGLIB) proxies already; a bean proxied here first must stay one.
			setProxyTargetClass(true);
		}
	}
}
