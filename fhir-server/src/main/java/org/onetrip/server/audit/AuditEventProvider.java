package org.onetrip.server.audit;

import ca.uhn.fhir.interceptor.api.HookParams;
import ca.uhn.fhir.interceptor.api.IInterceptorBroadcaster;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.annotation.Count;
import ca.uhn.fhir.rest.annotation.Create;
import ca.uhn.fhir.rest.annotation.Delete;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Offset;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.ResourceParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.annotation.Sort;
import ca.uhn.fhir.rest.annotation.Update;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.api.SortOrderEnum;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SimplePreResourceShowDetails;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.param.ReferenceAndListParam;
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenAndListParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.IPagingProvider;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.SimpleBundleProvider;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import ca.uhn.fhir.rest.server.util.CompositeInterceptorBroadcaster;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.IdType;

/**
 * The FHIR face of {@link AuditEventStore}: read and search of AuditEvents, with the search parameters the console,
 * an auditor and OneTrip's own checks use (who, what, which patient, when, what kind, how it ended), newest or oldest
 * first, paged by offset. What a caller may see is judged as for any stored resource: the storage's "about to show"
 * hook runs on each page, so a patient sees only the events about their own records.
 */
public class AuditEventProvider implements IResourceProvider {

	private static final String ACTION_SYSTEM = "http://hl7.org/fhir/audit-event-action";
	private static final String OUTCOME_SYSTEM = "http://hl7.org/fhir/audit-event-outcome";

	private final AuditEventStore store;
	private final AuditEventRendering rendering;
	private final IInterceptorBroadcaster storageInterceptors;

	public AuditEventProvider(AuditEventStore store, AuditEventRendering rendering, IInterceptorBroadcaster storageInterceptors) {
		this.store = store;
		this.rendering = rendering;
		this.storageInterceptors = storageInterceptors;
	}

	@Override
	public Class<AuditEvent> getResourceType() {
		return AuditEvent.class;
	}

	@Read
	public AuditEvent read(@IdParam IdType id, RequestDetails request) {
		AuditEventStore.Row row = numeric(id.getIdPart()).flatMap(store::read)
				.orElseThrow(() -> new ResourceNotFoundException("AuditEvent/" + id.getIdPart() + " is not known"));
		List<AuditEvent> shown = shown(rendering.render(List.of(row)), request);
		if (shown.isEmpty()) {
			throw new ResourceNotFoundException("AuditEvent/" + id.getIdPart() + " is not known");
		}
		return shown.get(0);
	}

	@Search
	public IBundleProvider search(
			@OptionalParam(name = AuditEvent.SP_ENTITY) ReferenceAndListParam entity,
			@OptionalParam(name = AuditEvent.SP_PATIENT) ReferenceAndListParam patient,
			@OptionalParam(name = AuditEvent.SP_AGENT) ReferenceAndListParam agent,
			@OptionalParam(name = AuditEvent.SP_ACTION) TokenAndListParam action,
			@OptionalParam(name = AuditEvent.SP_OUTCOME) TokenAndListParam outcome,
			@OptionalParam(name = AuditEvent.SP_TYPE) TokenAndListParam type,
			@OptionalParam(name = AuditEvent.SP_SUBTYPE) TokenAndListParam subtype,
			@OptionalParam(name = AuditEvent.SP_DATE) DateRangeParam date,
			@OptionalParam(name = "_id") TokenAndListParam ids,
			@Sort SortSpec sort,
			@Offset Integer offset,
			@Count Integer count,
			RequestDetails request) {
		AuditEventStore.Criteria criteria = new AuditEventStore.Criteria();
		references(entity, null, criteria);
		references(patient, "Patient", criteria);
		if (agent != null) {
			for (ReferenceOrListParam anyOf : agent.getValuesAsQueryTokens()) {
				criteria.hasAnyAgent(typedReferences(anyOf, "agent"));
			}
		}
		codes(action, ACTION_SYSTEM, AuditEventStore.Column.ACTION, criteria);
		codes(outcome, OUTCOME_SYSTEM, AuditEventStore.Column.OUTCOME, criteria);
		systemAndCodes(type, AuditEventStore.Column.TYPE, criteria);
		systemAndCodes(subtype, AuditEventStore.Column.SUBTYPE, criteria);
		dates(date, criteria);
		if (ids != null) {
			for (TokenOrListParam anyOf : ids.getValuesAsQueryTokens()) {
				criteria.hasAnyId(anyOf.getValuesAsQueryTokens().stream().map(id -> numeric(id.getValue())).flatMap(java.util.Optional::stream)
						.toList());
			}
		}
		boolean newestFirst = newestFirst(sort);

		IPagingProvider paging = request.getServer().getPagingProvider();
		int pageSize = count == null ? paging.getDefaultPageSize() : Math.max(0, Math.min(count, paging.getMaximumPageSize()));
		int from = offset == null ? 0 : Math.max(0, offset);
		List<AuditEventStore.Row> rows = pageSize == 0 ? List.of() : store.search(criteria, newestFirst, from, pageSize);
		// A page that is not full tells the total without counting (most searches name a record or a patient); a full
		// one, or none past the end, is counted, so that the Bundle says how many there are and whether more follow.
		int total = pageSize > 0 && rows.size() < pageSize && (!rows.isEmpty() || from == 0) ? from + rows.size() : store.count(criteria);
		List<AuditEvent> page = rows.isEmpty() ? List.of() : shown(rendering.render(rows), request);
		SimpleBundleProvider bundle = new SimpleBundleProvider(page);
		bundle.setSize(total);
		bundle.setCurrentPageOffset(from);
		bundle.setCurrentPageSize(pageSize);
		return bundle;
	}

	@Create
	public MethodOutcome create(@ResourceParam AuditEvent event) {
		throw writtenByOneTripOnly();
	}

	@Update
	public MethodOutcome update(@IdParam IdType id, @ResourceParam AuditEvent event) {
		throw writtenByOneTripOnly();
	}

	@Delete
	public MethodOutcome delete(@IdParam IdType id) {
		throw writtenByOneTripOnly();
	}

	private static ForbiddenOperationException writtenByOneTripOnly() {
		return new ForbiddenOperationException("AuditEvents are written by OneTrip only and never changed");
	}

	/** The events the caller may see, in order: the same "about to show" judgement as for HAPI's stored resources. */
	private List<AuditEvent> shown(List<AuditEvent> events, RequestDetails request) {
		IInterceptorBroadcaster hooks = CompositeInterceptorBroadcaster.newCompositeBroadcaster(storageInterceptors, request);
		if (events.isEmpty() || !hooks.hasHooks(Pointcut.STORAGE_PRESHOW_RESOURCES)) {
			return events;
		}
		SimplePreResourceShowDetails details = new SimplePreResourceShowDetails(events);
		hooks.callHooks(Pointcut.STORAGE_PRESHOW_RESOURCES, new HookParams().add(ca.uhn.fhir.rest.api.server.IPreResourceShowDetails.class, details)
				.add(RequestDetails.class, request).addIfMatchesType(ServletRequestDetails.class, request));
		List<AuditEvent> shown = new ArrayList<>();
		for (IBaseResource resource : details.getAllResources()) {
			if (resource != null) {
				shown.add((AuditEvent) resource);
			}
		}
		return shown;
	}

	/** entity / patient: each repeat an "and", its comma-separated values an "or". */
	private static void references(ReferenceAndListParam param, String onlyType, AuditEventStore.Criteria criteria) {
		if (param == null) {
			return;
		}
		for (ReferenceOrListParam anyOf : param.getValuesAsQueryTokens()) {
			List<String> typed = new ArrayList<>();
			List<String> untypedIds = new ArrayList<>();
			for (ReferenceParam value : anyOf.getValuesAsQueryTokens()) {
				refuseChains(value, onlyType == null ? "entity" : "patient");
				String type = onlyType != null ? onlyType : value.getResourceType();
				if (onlyType != null && value.getResourceType() != null && !onlyType.equals(value.getResourceType())) {
					continue; // patient=Group/1 names no patient
				}
				if (type == null) {
					untypedIds.add(value.getIdPart());
				} else {
					typed.add(type + "/" + value.getIdPart());
				}
			}
			if (!untypedIds.isEmpty() && !typed.isEmpty()) {
				throw new InvalidRequestException("Give every value of one entity parameter as Type/id, or none: " + anyOf.getValuesAsQueryTokens()
						.stream().map(ReferenceParam::getValue).toList());
			}
			if (!untypedIds.isEmpty()) {
				criteria.namesAnyEntityWithId(untypedIds);
			} else if (!typed.isEmpty()) {
				criteria.namesAnyEntity(typed);
			} else {
				criteria.matchesNothing();
			}
		}
	}

	private static List<String> typedReferences(ReferenceOrListParam anyOf, String parameter) {
		List<String> references = new ArrayList<>();
		for (ReferenceParam value : anyOf.getValuesAsQueryTokens()) {
			refuseChains(value, parameter);
			if (value.getResourceType() == null) {
				throw new InvalidRequestException(parameter + " is searched as Type/id (Organization/hospital-a), not '" + value.getValue() + "'");
			}
			references.add(value.getResourceType() + "/" + value.getIdPart());
		}
		return references;
	}

	private static void refuseChains(ReferenceParam value, String parameter) {
		if (value.hasChain() || value.isMdmExpand()) {
			throw new InvalidRequestException("AuditEvent's " + parameter + " is searched by reference (Type/id); chained and expanded "
					+ "searches are not offered on the audit trail");
		}
	}

	/** A token whose system is fixed by FHIR (action, outcome): its code, the system if given must be that one. */
	private static void codes(TokenAndListParam param, String system, AuditEventStore.Column column, AuditEventStore.Criteria criteria) {
		if (param == null) {
			return;
		}
		for (TokenOrListParam anyOf : param.getValuesAsQueryTokens()) {
			List<String> values = new ArrayList<>();
			for (TokenParam token : anyOf.getValuesAsQueryTokens()) {
				refuseModifiers(token, column);
				if (token.getSystem() == null || token.getSystem().equals(system)) {
					values.add(token.getValue());
				}
			}
			if (values.isEmpty()) {
				criteria.matchesNothing();
			} else {
				criteria.isAnyOf(column, values);
			}
		}
	}

	/** A coding (type, subtype): "system|code" exactly, or "code" in any system. */
	private static void systemAndCodes(TokenAndListParam param, AuditEventStore.Column column, AuditEventStore.Criteria criteria) {
		if (param == null) {
			return;
		}
		for (TokenOrListParam anyOf : param.getValuesAsQueryTokens()) {
			List<String> exact = new ArrayList<>();
			List<String> codesOnly = new ArrayList<>();
			for (TokenParam token : anyOf.getValuesAsQueryTokens()) {
				refuseModifiers(token, column);
				if (token.getValue() == null || token.getValue().isEmpty()) {
					throw new InvalidRequestException("AuditEvent's " + column.name().toLowerCase() + " is searched by code or system|code");
				}
				if (token.getSystem() == null) {
					codesOnly.add(token.getValue());
				} else {
					exact.add(token.getSystem() + "|" + token.getValue());
				}
			}
			criteria.isAnyOfOrHasAnyCode(column, exact, codesOnly);
		}
	}

	private static void refuseModifiers(TokenParam token, AuditEventStore.Column column) {
		if (token.getModifier() != null || token.isText()) {
			throw new InvalidRequestException("AuditEvent's " + column.name().toLowerCase() + " takes no modifier (" + token.getModifier() + ")");
		}
	}

	private static void dates(DateRangeParam date, AuditEventStore.Criteria criteria) {
		if (date == null) {
			return;
		}
		for (var bound : java.util.Arrays.asList(date.getLowerBound(), date.getUpperBound())) {
			if (bound != null && bound.getPrefix() != null && !List.of(ParamPrefixEnum.EQUAL, ParamPrefixEnum.GREATERTHAN,
					ParamPrefixEnum.GREATERTHAN_OR_EQUALS, ParamPrefixEnum.LESSTHAN, ParamPrefixEnum.LESSTHAN_OR_EQUALS).contains(bound.getPrefix())) {
				throw new InvalidRequestException("AuditEvent's date takes eq, gt, ge, lt and le, not " + bound.getPrefix().getValue());
			}
		}
		if (date.getLowerBoundAsInstant() != null) {
			criteria.recordedFrom(date.getLowerBoundAsInstant().toInstant());
		}
		if (date.getUpperBoundAsInstant() != null) {
			criteria.recordedUntil(date.getUpperBoundAsInstant().toInstant());
		}
	}

	private static boolean newestFirst(SortSpec sort) {
		if (sort == null) {
			return false;
		}
		if (!List.of(AuditEvent.SP_DATE, "_lastUpdated").contains(sort.getParamName()) || sort.getChain() != null
				&& !Objects.equals(sort.getChain().getParamName(), sort.getParamName())) {
			throw new InvalidRequestException("AuditEvents are sorted by date (_sort=date or _sort=-date), not by " + sort.getParamName());
		}
		return sort.getOrder() == SortOrderEnum.DESC;
	}

	private static java.util.Optional<Long> numeric(String id) {
		try {
			return java.util.Optional.of(Long.parseLong(id));
		} catch (NumberFormatException | NullPointerException e) {
			return java.util.Optional.empty();
		}
	}
}
